/**
 * The pure request rules (routing/requests.ts): who may answer a request, timeouts as decisions on
 * a given `now`, the bound, and every outcome counted. The oracle for matching is a table of cases
 * written out by hand; for the random sequence, a plain list model of what should be waiting.
 */
import { Guid } from '../../routing/guid';
import { REPLY_STATUSES, type ReplyStatus } from '../../routing/messages';
import { mayAnswer, RequestTable } from '../../routing/requests';
import { SeededRng } from '../../sim/random';

const rng = new SeededRng(8);
const guid = () => Guid.random(() => rng.int(256), 160);

test('who may answer: exact requests only from the destination (errors about absence only from others), fuzzy from anyone; never from another address', () => {
  const dest = guid();
  const other = guid();
  for (const status of REPLY_STATUSES) {
    const absence = status === 'noSuchNode' || status === 'ttlExpired';
    expect(mayAnswer({ dest, fuzzy: false }, { replyTo: 1, replier: dest, fromItsAddress: true, status })).toBe(!absence);
    expect(mayAnswer({ dest, fuzzy: false }, { replyTo: 1, replier: other, fromItsAddress: true, status })).toBe(absence);
    expect(mayAnswer({ dest, fuzzy: true }, { replyTo: 1, replier: other, fromItsAddress: true, status })).toBe(true);
    for (const fuzzy of [false, true]) {
      for (const replier of [dest, other]) {
        expect(mayAnswer({ dest, fuzzy }, { replyTo: 1, replier, fromItsAddress: false, status })).toBe(false);
      }
    }
  }
});

test('ids are distinct and never 0; the bound refuses and counts; a forged reply leaves the request waiting', () => {
  const table = new RequestTable<string>(3);
  const dest = guid();
  const a = table.start(dest, false, 0, 100, 'a')!;
  const b = table.start(dest, false, 0, 100, 'b')!;
  const c = table.start(dest, true, 0, 100, 'c')!;
  expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  expect([a.id, b.id, c.id]).not.toContain(0);
  expect(table.full).toBe(true);
  expect(table.start(dest, false, 0, 100, 'd')).toBeUndefined();
  expect(table.stats.requestsRefused).toBe(1);
  expect(table.settle({ replyTo: a.id, replier: guid(), fromItsAddress: true, status: 'ok' })).toEqual({ kind: 'forged' });
  expect(table.stats.repliesForged).toBe(1);
  const v = table.settle({ replyTo: a.id, replier: dest, fromItsAddress: true, status: 'ok' });
  expect(v.kind === 'matched' && v.request.waiter).toBe('a');
  // Settled once: the same reply again is late.
  expect(table.settle({ replyTo: a.id, replier: dest, fromItsAddress: true, status: 'ok' })).toEqual({ kind: 'late' });
  expect(table.stats).toMatchObject({ requestsSent: 3, repliesMatched: 1, repliesLate: 1 });
});

test('a timer decides on the time it is given: nothing before the deadline, the request at or after it', () => {
  const table = new RequestTable<number>(10);
  const r = table.start(guid(), false, 1_000, 250, 1)!;
  expect(r.deadline).toBe(1_250);
  expect(table.expire(r.id, 1_249)).toBeUndefined();
  expect(table.expire(r.id, 1_250)?.waiter).toBe(1);
  expect(table.expire(r.id, 2_000)).toBeUndefined();
  expect(table.stats.requestsTimedOut).toBe(1);
});

test('random opens, replies, timeouts, cancels and a drain agree with a list model', () => {
  const table = new RequestTable<number>(16);
  const model = new Map<number, { dest: Guid; fuzzy: boolean; deadline: number }>();
  const dests = [guid(), guid(), guid()];
  let now = 0;
  for (let step = 0; step < 5_000; step++) {
    now += rng.int(20);
    const op = rng.int(4);
    const ids = [...model.keys()];
    if (op === 0) {
      const dest = dests[rng.int(dests.length)];
      const fuzzy = rng.int(2) === 0;
      const r = table.start(dest, fuzzy, now, 1 + rng.int(200), step);
      expect(r === undefined).toBe(model.size >= 16);
      if (r) model.set(r.id, { dest, fuzzy, deadline: r.deadline });
    } else if (op === 1 && ids.length > 0) {
      const id = ids[rng.int(ids.length)];
      const replier = dests[rng.int(dests.length)];
      const status: ReplyStatus = REPLY_STATUSES[rng.int(REPLY_STATUSES.length)];
      const fromItsAddress = rng.int(5) > 0;
      const want = model.get(id)!;
      const allowed = fromItsAddress && (want.fuzzy || (status === 'noSuchNode' || status === 'ttlExpired' ? !replier.equals(want.dest) : replier.equals(want.dest)));
      const v = table.settle({ replyTo: id, replier, fromItsAddress, status });
      expect(v.kind).toBe(allowed ? 'matched' : 'forged');
      if (allowed) model.delete(id);
    } else if (op === 2 && ids.length > 0) {
      const id = ids[rng.int(ids.length)];
      const due = model.get(id)!.deadline <= now;
      expect(table.expire(id, now) !== undefined).toBe(due);
      if (due) model.delete(id);
    } else if (op === 3 && ids.length > 0) {
      const id = ids[rng.int(ids.length)];
      expect(table.cancel(id)?.id).toBe(id);
      model.delete(id);
    }
    expect(table.size).toBe(model.size);
  }
  expect(table.drain().map((r) => r.id).sort()).toEqual([...model.keys()].sort());
  expect(table.size).toBe(0);
});
