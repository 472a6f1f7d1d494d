/**
 * The anycast module's pure parts: the group root's records, what a node does with a send, the
 * pending table (against a plain model), the options check, and the codec (round trip, every limit).
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { DecodeError, InvalidArgumentError } from '../../errors';
import { DEFAULTS } from '../../defaults';
import { GroupRoots } from '../../upcalls/anycast/groupRoots';
import { decideData, passedOn, pickForward } from '../../upcalls/anycast/sendDecisions';
import { PendingTable } from '../../upcalls/shared/pendingTable';
import { anycast } from '../../upcalls/anycast';
import { decodeAnycast, encodeAnycast } from '../../wire/anycastCodec';
import type { AnycastMsg, DataMsg } from '../../upcalls/anycast/messages';

const g = (s: string) => Guid.fromName(s);
const h = (s: string, port = 4000): NodeHandle => ({ guid: g(s), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port } });

describe('GroupRoots', () => {
  const limits = { maxRecords: 3, recordLifetimeMs: 1_000, tombstoneMs: 500 };
  test('announce, check, teardown by the announcer only, tombstone and expiry', () => {
    const r = new GroupRoots(limits);
    const G = g('group');
    expect(r.handle('check', G, 'a', 0)).toBe('unknown');
    expect(r.handle('teardown', G, 'a', 0)).toBe('unknown');
    expect(r.handle('announce', G, 'a', 0)).toBe('open');
    expect(r.handle('announce', G, 'b', 10)).toBe('refused');
    expect(r.handle('check', G, 'x', 10)).toBe('open');
    expect(r.handle('teardown', G, 'b', 20)).toBe('refused');
    expect(r.handle('teardown', G, 'a', 20)).toBe('tornDown');
    expect(r.handle('check', G, 'x', 30)).toBe('tornDown');
    expect(r.open).toBe(0);
    expect(r.size).toBe(1);
    expect(r.nextExpiry()).toBe(520);
    expect(r.handle('check', G, 'x', 520)).toBe('unknown');
    expect(r.size).toBe(0);
  });
  test('a refresh extends the record; without one it expires; the root is bounded', () => {
    const r = new GroupRoots(limits);
    r.handle('announce', g('1'), 'a', 0);
    r.handle('announce', g('1'), 'a', 900);
    expect(r.handle('check', g('1'), 'x', 1_500)).toBe('open');
    expect(r.handle('check', g('1'), 'x', 1_900)).toBe('unknown');
    for (const n of ['2', '3', '4']) expect(r.handle('announce', g(n), 'a', 2_000)).toBe('open');
    expect(r.handle('announce', g('5'), 'a', 2_000)).toBe('refused');
    expect(r.size).toBe(3);
  });
});

describe('send decisions', () => {
  const data: DataMsg = { kind: 'data', group: g('G'), sender: h('s'), sendId: 1, forwards: 0, visited: [], payload: Uint8Array.of(1) };
  test('a member delivers; an ex-member forwards while forwards are left, then refuses', () => {
    expect(decideData(data, true, 3)).toEqual({ kind: 'deliver' });
    expect(decideData(data, false, 3)).toEqual({ kind: 'forward' });
    expect(decideData({ ...data, forwards: 3 }, false, 3)).toEqual({ kind: 'nack', reason: 'tooManyForwards' });
    expect(decideData({ ...data, forwards: 3 }, true, 3)).toEqual({ kind: 'deliver' });
  });
  test('pickForward is the first candidate that is neither self nor visited (brute force over random lists)', () => {
    const rng = new SeededRng(3);
    const pool = Array.from({ length: 8 }, (_, i) => h(`n${i}`, 4000 + i));
    for (let t = 0; t < 500; t++) {
      const candidates = pool.filter(() => rng.int(2) === 0);
      const self = pool[rng.int(8)].guid;
      const visited = pool.filter(() => rng.int(3) === 0).map((p) => p.guid);
      let want: NodeHandle | undefined;
      for (const c of candidates) {
        if (c.guid.hex === self.hex || visited.some((v) => v.hex === c.guid.hex)) continue;
        want = c;
        break;
      }
      expect(pickForward(candidates, self, visited)).toBe(want);
    }
  });
  test('passedOn adds one forward and the forwarder to the visited list', () => {
    const p = passedOn(data, g('me'));
    expect(p.forwards).toBe(1);
    expect(p.visited.map((v) => v.hex)).toEqual([g('me').hex]);
    expect(data.visited).toHaveLength(0);
  });
});

test('PendingTable agrees with a plain model under random adds, takes and expiries', () => {
  const rng = new SeededRng(11);
  const t = new PendingTable<string>(20);
  const model = new Map<number, { e: string; d: number }>();
  let now = 0;
  for (let i = 0; i < 3_000; i++) {
    const op = rng.int(3);
    if (op === 0) {
      const d = now + rng.int(100);
      const id = t.add(`e${i}`, d);
      if (model.size >= 20) expect(id).toBeUndefined();
      else {
        expect(id).toBeGreaterThan(0);
        expect(model.has(id!)).toBe(false);
        model.set(id!, { e: `e${i}`, d });
      }
    } else if (op === 1 && model.size > 0) {
      const ids = [...model.keys()];
      const id = ids[rng.int(ids.length)];
      expect(t.take(id)).toBe(model.get(id)!.e);
      model.delete(id);
      expect(t.take(id)).toBeUndefined();
    } else {
      now += rng.int(30);
      const want = [...model].filter(([, v]) => v.d <= now).map(([, v]) => v.e);
      for (const [id, v] of model) if (v.d <= now) model.delete(id);
      expect(t.expire(now)).toEqual(want);
    }
    expect(t.size).toBe(model.size);
    expect(t.nextDeadline()).toBe(Math.min(Infinity, ...[...model.values()].map((v) => v.d)));
  }
});

test('anycast() options: unknown keys and out-of-range values are refused', () => {
  expect(() => anycast({ sendTimeoutMs: 0 })).toThrow(InvalidArgumentError);
  expect(() => anycast({ id: 0x10000 })).toThrow(InvalidArgumentError);
  expect(() => anycast({ sendTimeOutMs: 5 } as never)).toThrow(InvalidArgumentError);
  expect(anycast().id).toBe(0xfe11);
  expect(anycast({ id: 7 }).id).toBe(7);
});

describe('anycast codec', () => {
  const msgs: AnycastMsg[] = [
    { kind: 'op', op: 'announce', group: g('G'), requestId: 1 },
    { kind: 'op', op: 'teardown', group: g('G'), requestId: 0xffff_ffff },
    { kind: 'op', op: 'check', group: g('G'), requestId: 7 },
    { kind: 'status', group: g('G'), requestId: 9, status: 'tornDown' },
    { kind: 'status', group: g('G'), requestId: 9, status: 'refused' },
    { kind: 'data', group: g('G'), sender: h('s'), sendId: 3, forwards: 2, visited: [g('a'), g('b')], payload: Uint8Array.of(1, 2, 3) },
    { kind: 'ack', group: g('G'), sendId: 3, member: h('m', 5) },
    { kind: 'nack', group: g('G'), sendId: 3, reason: 'noOtherMember' },
  ];
  test('every message round-trips', () => {
    for (const m of msgs) {
      const back = decodeAnycast(encodeAnycast(m), { idBytes: 20 });
      expect(JSON.stringify(back, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v))).toBe(
        JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v)),
      );
    }
  });
  test('limits: too many forwards or visited, a large payload, id 0, a wrong GUID width, garbage', () => {
    const data = msgs[5] as DataMsg;
    const bad = [
      encodeAnycast({ ...data, forwards: DEFAULTS.anycastMaxForwards + 1 }),
      encodeAnycast({ ...data, visited: Array.from({ length: DEFAULTS.anycastMaxForwards + 1 }, (_, i) => g(`v${i}`)) }),
      encodeAnycast({ ...data, payload: new Uint8Array(DEFAULTS.anycastMaxPayloadBytes + 1) }),
      encodeAnycast({ ...data, sendId: 0 }),
      encodeAnycast({ kind: 'op', op: 'check', group: Guid.fromName('G', 256), requestId: 1 }),
      Uint8Array.of(0xff, 0xff, 0xff),
      new Uint8Array(0),
    ];
    for (const b of bad) expect(() => decodeAnycast(b, { idBytes: 20 })).toThrow(DecodeError);
  });
});
