/**
 * The publisher's table of publishes waiting for acknowledgements (location/publishAcks.ts), against
 * its rules stated independently here: only the exact nonce, object and an unheard salt count; the
 * publish settles on the last salt and never twice; the bound refuses at once; time-outs and
 * shutdown end every wait with their error.
 */
import { ClosedError, LimitExceededError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { PublishAcks, type PublishAckStats, type PublishResult } from '../../location/publishAcks';
import type { PublishMsg } from '../../location/messages';

const rng = new SeededRng(5);
const random = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const guid = () => Guid.random(() => rng.int(256));
const node = (): NodeHandle => ({ guid: guid(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, rng.int(256)), port: 4000 } });

function table(salts = 3, limit = 10) {
  const stats: PublishAckStats = { publishesAcknowledged: 0, publishesUnacknowledged: 0, publishAcksSent: 0, publishAcksUnmatched: 0, publishRecordsResent: 0 };
  return { acks: new PublishAcks({ salts, limit, random }, stats), stats };
}

function waiter() {
  const w: { result?: PublishResult; error?: Error; calls: number } = { calls: 0 };
  return { w, waiter: { resolve: (r: PublishResult) => ((w.result = r), w.calls++), reject: (e: Error) => ((w.error = e), w.calls++) } };
}

test('settles once every salt is acknowledged, naming who acknowledged each, and only once', () => {
  const { acks, stats } = table();
  const object = guid();
  const { w, waiter: wt } = waiter();
  const { nonce } = acks.open(object, wt, 0)!;
  const roots = [node(), node(), node()];
  expect(acks.acked({ object, saltIndex: 2, nonce }, roots[2])).toBe(true);
  expect(acks.acked({ object, saltIndex: 0, nonce }, roots[0])).toBe(true);
  expect(w.calls).toBe(0);
  expect(acks.acked({ object, saltIndex: 1, nonce }, roots[1])).toBe(true);
  expect(w.calls).toBe(1);
  expect(w.result).toMatchObject({ tried: 3, acknowledged: 3 });
  expect(w.result!.roots).toEqual(roots);
  // Late copies match nothing any more.
  expect(acks.acked({ object, saltIndex: 1, nonce }, roots[1])).toBe(false);
  expect(w.calls).toBe(1);
  expect(stats).toMatchObject({ publishesAcknowledged: 1, publishAcksUnmatched: 1 });
  expect(acks.pending).toBe(0);
});

test('a wrong nonce, another object, a salt out of range or a salt heard twice is counted and changes nothing', () => {
  const { acks, stats } = table();
  const object = guid();
  const { w, waiter: wt } = waiter();
  const { id, nonce } = acks.open(object, wt, 0)!;
  const other = Uint8Array.from(nonce);
  other[7] ^= 1;
  expect(acks.acked({ object, saltIndex: 0, nonce: other }, node())).toBe(false);
  expect(acks.acked({ object: guid(), saltIndex: 0, nonce }, node())).toBe(false);
  expect(acks.acked({ object, saltIndex: 3, nonce }, node())).toBe(false);
  expect(acks.acked({ object, saltIndex: 1, nonce }, node())).toBe(true);
  expect(acks.acked({ object, saltIndex: 1, nonce }, node())).toBe(false);
  expect(stats.publishAcksUnmatched).toBe(4);
  expect(w.calls).toBe(0);
  // Salts 0 and 2 are still unanswered.
  const records = [0, 1, 2].map((saltIndex) => ({ object, saltIndex }) as PublishMsg);
  acks.sent(id, records);
  expect(acks.unanswered(id)!.records.map((r) => r.saltIndex)).toEqual([0, 2]);
});

test('two publishes of one object wait apart: each nonce settles its own', () => {
  const { acks } = table(1);
  const object = guid();
  const a = waiter();
  const b = waiter();
  const na = acks.open(object, a.waiter, 0)!.nonce;
  const nb = acks.open(object, b.waiter, 0)!.nonce;
  expect(Buffer.from(na).equals(Buffer.from(nb))).toBe(false);
  acks.acked({ object, saltIndex: 0, nonce: nb }, node());
  expect(b.w.calls).toBe(1);
  expect(a.w.calls).toBe(0);
});

test('the bound refuses a wait at once with LimitExceededError; a settled one frees its place', () => {
  const { acks } = table(1, 2);
  const object = guid();
  const first = acks.open(object, waiter().waiter, 0)!;
  acks.open(object, waiter().waiter, 0);
  const third = waiter();
  expect(acks.open(object, third.waiter, 0)).toBeUndefined();
  expect(third.w.error).toBeInstanceOf(LimitExceededError);
  acks.acked({ object, saltIndex: 0, nonce: first.nonce }, node());
  expect(acks.open(object, waiter().waiter, 0)).toBeDefined();
});

test('a time-out ends the wait with TimeoutError saying how many roots answered; a later ack is stray', () => {
  const { acks, stats } = table();
  const object = guid();
  const { w, waiter: wt } = waiter();
  const { id, nonce } = acks.open(object, wt, 0)!;
  acks.acked({ object, saltIndex: 0, nonce }, node());
  acks.timedOut(id, 15_000);
  expect(w.error).toBeInstanceOf(TimeoutError);
  expect(w.error!.message).toContain('1 of 3 salted roots acknowledged');
  expect(acks.unanswered(id)).toBeUndefined();
  acks.timedOut(id, 15_000); // a second timer for a settled wait does nothing
  expect(w.calls).toBe(1);
  expect(acks.acked({ object, saltIndex: 1, nonce }, node())).toBe(false);
  expect(stats).toMatchObject({ publishesUnacknowledged: 1, publishAcksUnmatched: 1 });
});

test('shutdown rejects every wait with its reason and empties the table', () => {
  const { acks } = table();
  const ws = [waiter(), waiter(), waiter()];
  for (const x of ws) acks.open(guid(), x.waiter, 0);
  acks.shutdown(new ClosedError('node closed'));
  for (const x of ws) expect(x.w.error).toBeInstanceOf(ClosedError);
  expect(acks.pending).toBe(0);
});
