/**
 * The pure parts of routing around liars: neighbour scores (decay and restore against a replayed
 * oracle), first-hop choice for a retried route (against a brute force over the table), the copy
 * rule of confirmed routes, and the route acknowledgement's bytes.
 */
import { Guid, idSpace } from '../../routing/guid';
import { firstHops } from '../../routing/firstHops';
import { nextHop, nextHopForCopy } from '../../routing/nextHop';
import { NeighbourScores } from '../../routing/neighbourScore';
import { decodeRouteAck, encodeRouteAck, mayConfirm } from '../../routing/routeConfirms';
import { RoutingTable } from '../../routing/routingTable';
import type { NodeHandle } from '../../routing/messages';
import { SeededRng } from '../../sim/random';
import { DEFAULTS } from '../../defaults';

function handleOf(guid: Guid, i: number): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 4000 } };
}

/** A table of `n` random neighbours with random latencies (hex digits, 160-bit). */
function randomTable(rng: SeededRng, n: number): { table: RoutingTable; handles: NodeHandle[] } {
  const space = idSpace(160, 4);
  const self = handleOf(Guid.random(() => rng.int(256)), 0);
  const table = new RoutingTable(self, space);
  const handles: NodeHandle[] = [];
  for (let i = 1; i <= n; i++) {
    const h = handleOf(Guid.random(() => rng.int(256)), i);
    // A GUID sharing a prefix with self now and then, so deeper levels are populated.
    handles.push(h);
    table.add(h, 1 + rng.int(200));
  }
  return { table, handles };
}

/** Oracle: shared hex digits, by comparing the hex strings. */
const sharedHex = (a: Guid, b: Guid): number => {
  let i = 0;
  while (i < a.hex.length && a.hex[i] === b.hex[i]) i++;
  return i;
};

describe('neighbour scores', () => {
  test('a replayed sequence of outcomes gives the clamped running sum, eviction at the threshold', () => {
    const rng = new SeededRng(4);
    const scores = new NeighbourScores();
    const oracle = new Map<string, number>();
    for (let step = 0; step < 5_000; step++) {
      const hex = `n${rng.int(20)}`;
      const before = oracle.get(hex) ?? DEFAULTS.neighbourScoreMax;
      if (rng.next() < 0.4) {
        const after = Math.max(DEFAULTS.neighbourScoreEvictAt, before - DEFAULTS.neighbourScorePenalty);
        oracle.set(hex, after);
        expect(scores.failed(hex)).toEqual({ score: after, evict: after <= DEFAULTS.neighbourScoreEvictAt });
      } else {
        const after = Math.min(DEFAULTS.neighbourScoreMax, before + DEFAULTS.neighbourScoreReward);
        oracle.set(hex, after);
        expect(scores.succeeded(hex)).toBe(after);
      }
      expect(scores.score(hex)).toBe(oracle.get(hex));
      expect(scores.distrusted(hex)).toBe(oracle.get(hex)! <= DEFAULTS.neighbourScoreEvictAt);
    }
    // Only neighbours below the ceiling are kept.
    expect(scores.size).toBe([...oracle.values()].filter((v) => v < DEFAULTS.neighbourScoreMax).length);
  });

  test('a neighbour failing every route is evicted after max / penalty failures; successes restore it', () => {
    const scores = new NeighbourScores();
    const needed = Math.ceil((DEFAULTS.neighbourScoreMax - DEFAULTS.neighbourScoreEvictAt) / DEFAULTS.neighbourScorePenalty);
    for (let i = 1; i < needed; i++) expect(scores.failed('x').evict).toBe(false);
    expect(scores.failed('x').evict).toBe(true);
    for (let i = 0; i < DEFAULTS.neighbourScoreMax; i++) scores.succeeded('x');
    expect(scores.score('x')).toBe(DEFAULTS.neighbourScoreMax);
    expect(scores.size).toBe(0);
  });

  test('the kept scores are bounded; the least recently scored is forgotten first', () => {
    const scores = new NeighbourScores(undefined, 3);
    for (const hex of ['a', 'b', 'c', 'd']) scores.failed(hex);
    expect(scores.size).toBe(3);
    expect(scores.score('a')).toBe(DEFAULTS.neighbourScoreMax);
    expect(scores.score('d')).toBe(DEFAULTS.neighbourScoreMax - DEFAULTS.neighbourScorePenalty);
  });
});

describe('first hops of a retried route', () => {
  test('agree with a brute force over the table, and never return an excluded neighbour', () => {
    const rng = new SeededRng(9);
    for (let trial = 0; trial < 60; trial++) {
      const { table, handles } = randomTable(rng, 20 + rng.int(300));
      const dest = rng.next() < 0.3 ? handles[rng.int(handles.length)].guid : Guid.random(() => rng.int(256));
      const exclude = new Set(handles.filter(() => rng.next() < 0.3).map((h) => h.guid.hex));
      const count = 1 + rng.int(6);
      // Brute force: the surrogate slot, scanning digits by hand.
      let slot: NodeHandle[] | undefined;
      for (let level = 0; level < table.levels && slot === undefined; level++) {
        const d0 = parseInt(dest.hex[level], 16);
        for (let k = 0; k < 16; k++) {
          const entries = table.slot(level, (d0 + k) % 16).map((e) => e.handle);
          if (entries.length === 0) continue;
          if (entries[0] === table.self) break;
          slot = entries;
          break;
        }
      }
      const got = firstHops(table, dest, exclude, count);
      if (slot === undefined) {
        expect(got).toEqual([]);
        expect(nextHop(table, dest, 0).kind).toBe('root');
        continue;
      }
      const inSlot = new Set(slot.map((h) => h.guid.hex));
      const level = sharedHex(table.self.guid, slot[0].guid);
      const others = [...table.neighbours()]
        .filter((h) => h !== table.self && !inSlot.has(h.guid.hex) && !exclude.has(h.guid.hex))
        .sort((a, b) => sharedHex(b.guid, dest) - sharedHex(a.guid, dest) || table.get(a.guid)!.latency - table.get(b.guid)!.latency || (a.guid.hex < b.guid.hex ? -1 : 1));
      const expected = [
        ...slot.filter((h) => !exclude.has(h.guid.hex)).map((h) => ({ hex: h.guid.hex, resume: level + 1 })),
        ...others.map((h) => ({ hex: h.guid.hex, resume: 0 })),
      ].slice(0, count);
      expect(got.map((h) => ({ hex: h.to.guid.hex, resume: h.resume }))).toEqual(expected);
      for (const h of got) expect(exclude.has(h.to.guid.hex)).toBe(false);
      // With nothing excluded, the first is the hop an unconfirmed route takes.
      const plain = nextHop(table, dest, 0);
      if (plain.kind === 'forward') expect(firstHops(table, dest, new Set(), 1)[0].to).toBe(plain.to);
    }
  });
});

describe('the copy rule of confirmed routes', () => {
  test('a neighbour destination is sent to straight; otherwise copy n takes slot entry (n - 1) mod size', () => {
    const rng = new SeededRng(12);
    for (let trial = 0; trial < 40; trial++) {
      const { table } = randomTable(rng, 50 + rng.int(200));
      // A neighbour the table kept (a full slot keeps only its nearest few).
      const kept = [...table.neighbours()].filter((h) => h !== table.self);
      const member = kept[rng.int(kept.length)].guid;
      const straight = nextHopForCopy(table, member, 0, 1 + rng.int(5));
      expect(straight.kind === 'forward' && straight.to.guid.equals(member)).toBe(true);
      const dest = Guid.random(() => rng.int(256));
      const plain = nextHop(table, dest, 0);
      if (plain.kind !== 'forward') continue;
      const slot = table.slot(plain.level, plain.to.guid.digit(plain.level, 4)).map((e) => e.handle);
      for (let copy = 1; copy <= 6; copy++) {
        const hop = nextHopForCopy(table, dest, 0, copy);
        expect(hop).toEqual({ kind: 'forward', to: slot[(copy - 1) % slot.length], level: plain.level });
      }
    }
  });
});

describe('route acknowledgements', () => {
  test('round-trip, refuse anything else, and come only from the destination of an exact route', () => {
    for (const ack of [{ routeId: 1, attempt: 1 }, { routeId: 0xffff_ffff, fragmentIndex: 0, attempt: 16 }, { routeId: 77, fragmentIndex: 300, attempt: 2 }]) {
      expect(decodeRouteAck(encodeRouteAck(ack))).toEqual(ack);
    }
    expect(decodeRouteAck(new Uint8Array(7))).toBeUndefined();
    expect(decodeRouteAck(new Uint8Array(8))).toBeUndefined();
    const dest = Guid.fromName('d');
    expect(mayConfirm({ dest, fuzzy: false }, dest)).toBe(true);
    expect(mayConfirm({ dest, fuzzy: false }, Guid.fromName('other'))).toBe(false);
    expect(mayConfirm({ dest, fuzzy: true }, Guid.fromName('other'))).toBe(true);
  });
});
