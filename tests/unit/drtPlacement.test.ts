/**
 * The DRT's pure placement and walks (placement.ts, walk.ts, queries.ts) on a model ring, without
 * the network: 300 nodes with exact leaf sets (L = 10) and full routing tables (a node in every slot
 * some node's prefix allows). Oracles: the brute-force successor (the smallest GUID ≥ key, wrapping),
 * and search.ts over every key (nearest, range and leaf set), for walks that go node to node the way
 * the module sends them.
 */
import { Guid, idSpace, sharedPrefixLength } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import type { LeafSetView, RoutingTableView } from '../../upcalls/contract';
import { KEY_SPACE, keyFromValue, keyValue, MAX_KEY_VALUE } from '../../upcalls/drt/keys';
import { successorStep, tableNextHop, type Surroundings } from '../../upcalls/drt/placement';
import { leafSetWalks, mergeNearest, nearestWalks, rangeWalks, type WalkSpec } from '../../upcalls/drt/queries';
import { KeyRegistry } from '../../upcalls/drt/registry';
import { leafSet, nearestMatches, rangeMatches } from '../../upcalls/drt/search';
import { SortedKeys } from '../../upcalls/drt/sortedKeys';
import { collect } from '../../upcalls/drt/walk';
import type { DrtEntry } from '../../upcalls/drt/messages';

const N = 300;
const HALF = 5;
const space = idSpace(256, 4);
const rng = new SeededRng(2718);
const handles: NodeHandle[] = Array.from({ length: N }, (_, i) => ({ guid: Guid.random(() => rng.int(256), 256), address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 1 } }));
const ring = [...handles].sort((a, b) => (keyValue(a.guid) < keyValue(b.guid) ? -1 : 1));
const at = new Map(ring.map((h, i) => [h.guid.hex, i]));

function surroundings(self: NodeHandle): Surroundings {
  const i = at.get(self.guid.hex)!;
  const smaller = Array.from({ length: HALF }, (_, j) => ring[(i - j - 1 + N) % N]);
  const larger = Array.from({ length: HALF }, (_, j) => ring[(i + j + 1) % N]);
  const leaf = { capacity: 2 * HALF, size: 2 * HALF, smaller: () => smaller, larger: () => larger, members: () => [...smaller, ...larger], has: (g: Guid) => [...smaller, ...larger].some((n) => n.guid.equals(g)) };
  // Slot (level, digit): the first node (in ring order) sharing `level` digits with self and having `digit` next.
  const slots = new Map<string, NodeHandle>();
  const perLevel = new Array<number>(space.digits).fill(0);
  for (const n of ring) {
    if (n === self) continue;
    const l = sharedPrefixLength(self.guid, n.guid, space.digitBits);
    const slot = `${l}:${n.guid.digit(l, space.digitBits)}`;
    if (!slots.has(slot)) {
      slots.set(slot, n);
      perLevel[l]++;
    }
  }
  const table = {
    self, space, levelSize: (l: number) => perLevel[l],
    primary: (l: number, d: number) => (d === self.guid.digit(l, space.digitBits) ? self : slots.get(`${l}:${d}`)),
  };
  return { self, leafSet: leaf as unknown as LeafSetView, table: table as unknown as RoutingTableView };
}
const around = new Map(ring.map((h) => [h.guid.hex, surroundings(h)]));

function successor(key: Guid): NodeHandle {
  const k = keyValue(key);
  return ring.find((h) => keyValue(h.guid) >= k) ?? ring[0];
}

/** Steps from `start` to the node a message for `key` ends at, as the module passes it on; with the hop count. */
function route(start: NodeHandle, key: Guid): { end: NodeHandle; hops: number } {
  let atNode = start;
  let walking = false;
  for (let hops = 0; hops < 256; hops++) {
    const step = successorStep(around.get(atNode.guid.hex)!, key, walking);
    if (step.kind === 'here') return { end: atNode, hops };
    atNode = step.to;
    walking = step.walking;
  }
  throw new Error(`no end for ${key.hex}`);
}

const randomKey = () => Guid.random(() => rng.int(256), 256);

test('successor routing ends at the brute-force successor from every start, in a few hops', () => {
  const hops: number[] = [];
  for (let t = 0; t < 3_000; t++) {
    // Random keys, GUIDs of nodes and their neighbours, and the two ends of the key space.
    const r = rng.int(5);
    const node = ring[rng.int(N)];
    const key = r === 0 ? node.guid : r === 1 ? keyFromValue((keyValue(node.guid) + 1n) % KEY_SPACE) : r === 2 ? keyFromValue(BigInt(rng.int(100))) : r === 3 ? keyFromValue(MAX_KEY_VALUE - BigInt(rng.int(100))) : randomKey();
    const got = route(ring[rng.int(N)], key);
    expect(got.end.guid.hex).toBe(successor(key).guid.hex);
    hops.push(got.hops);
  }
  const mean = hops.reduce((s, h) => s + h, 0) / hops.length;
  console.log(`successor routing on ${N} nodes: mean ${mean.toFixed(2)} hops, max ${Math.max(...hops)}`);
  // log16(300) ≈ 2 digit hops, plus at most a leaf-set hop or two.
  expect(Math.max(...hops)).toBeLessThanOrEqual(8);
});

test('the surrogate table hop fixes one more digit of the key, or the node is the root', () => {
  for (let t = 0; t < 500; t++) {
    const key = randomKey();
    const from = ring[rng.int(N)];
    const hop = tableNextHop(around.get(from.guid.hex)!.table, key);
    if (hop) expect(sharedPrefixLength(hop.guid, key, 4) > sharedPrefixLength(from.guid, key, 4) || !ring.some((n) => sharedPrefixLength(n.guid, key, 4) > sharedPrefixLength(from.guid, key, 4))).toBe(true);
  }
});

const publisher = ring[0];

/** Each key registered at its brute-force successor's registry (duplicates once); the keys kept. */
function place(candidates: readonly Guid[]): { registries: Map<string, KeyRegistry>; keys: Guid[] } {
  const registries = new Map(ring.map((h) => [h.guid.hex, new KeyRegistry()]));
  const keys: Guid[] = [];
  for (const k of candidates) {
    const reg = registries.get(successor(k).guid.hex)!;
    if (reg.get(k, 0)) continue;
    reg.register(k, Uint8Array.of(1), publisher, 1_000, 0);
    keys.push(k);
  }
  return { registries, keys };
}

describe('walks over keys placed at their successors', () => {
  // Clustered keys too, so some nodes hold many and some none.
  const { registries, keys } = place(Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? keyFromValue((keyValue(ring[rng.int(N)].guid) + BigInt(rng.int(1000))) % KEY_SPACE) : randomKey())));
  const all = SortedKeys.from(keys);

  /** Runs one walk from a random node the way the module does: route to the cursor's successor, collect, go on. */
  function walk(spec: WalkSpec, held = registries): DrtEntry[] {
    const out: DrtEntry[] = [];
    let state = { ...spec };
    let node = route(ring[rng.int(N)], spec.cursor).end;
    for (let steps = 0; steps < 2 * N; steps++) {
      const c = collect(around.get(node.guid.hex)!, held.get(node.guid.hex)!, state, 1);
      out.push(...c.matches.map((m) => ({ key: m.key, appData: m.registration.appData, publisher, ttlMs: 1 })));
      const remaining = state.remaining - c.matches.length;
      if (!c.next || remaining <= 0) return out;
      state = { ...state, cursor: c.next.cursor, remaining };
      // The next node is the new cursor's successor already: it is 'here' at once.
      node = route(c.next.to, c.next.cursor).end;
      expect(node.guid.hex).toBe(c.next.to.guid.hex);
    }
    throw new Error('walk did not end');
  }

  test('range walks equal search.ts, wrapping ranges included', () => {
    for (let t = 0; t < 300; t++) {
      const min = t % 4 === 0 ? keyFromValue(MAX_KEY_VALUE - (KEY_SPACE >> BigInt(2 + rng.int(8)))) : randomKey();
      const max = keyFromValue((keyValue(min) + (KEY_SPACE >> BigInt(1 + rng.int(10)))) % KEY_SPACE);
      const want = 1 + rng.int(64);
      const got = rangeWalks(min, max, want).flatMap((w) => walk(w));
      expect(got.map((e) => e.key.hex)).toEqual(rangeMatches(all, min, max, want).map((m) => m.key.hex));
    }
  });

  test('nearest walks, merged, equal search.ts', () => {
    for (let t = 0; t < 300; t++) {
      const target = t % 3 === 0 ? keys[rng.int(keys.length)] : randomKey();
      const want = 1 + rng.int(20);
      const got = mergeNearest(target, nearestWalks(target, want).flatMap((w) => walk(w)).map((entry) => ({ entry })), want);
      expect(got.map((g) => g.entry.key.hex)).toEqual(nearestMatches(all, target, want).map((m) => m.key.hex));
    }
  });

  test('nearest walks among a few keys far apart (one at the antipode of the target) equal search.ts', () => {
    for (let t = 0; t < 20; t++) {
      const target = randomKey();
      const at = (d: bigint) => keyFromValue((((keyValue(target) + d) % KEY_SPACE) + KEY_SPACE) % KEY_SPACE);
      const sparse = place([at(KEY_SPACE / 2n), at(BigInt(rng.int(1e9))), at(-BigInt(rng.int(1e9)) * (1n << 200n)), ...(t % 2 ? [at(KEY_SPACE / 2n - 1n), at(KEY_SPACE / 2n + 1n)] : [])]);
      const few = SortedKeys.from(sparse.keys);
      for (const want of [1, 2, 3, 8]) {
        const got = mergeNearest(target, nearestWalks(target, want).flatMap((w) => walk(w, sparse.registries)).map((entry) => ({ entry })), want);
        expect(got.map((g) => g.entry.key.hex)).toEqual(nearestMatches(few, target, want).map((m) => m.key.hex));
      }
    }
  });

  test('leaf-set walks equal search.ts leafSet', () => {
    for (let t = 0; t < 200; t++) {
      const key = t % 2 === 0 ? keys[rng.int(keys.length)] : randomKey();
      const [up, down] = leafSetWalks(key, HALF);
      const ls = leafSet(key, all, HALF);
      expect({ smaller: walk(down).map((e) => e.key.hex), larger: walk(up).map((e) => e.key.hex) }).toEqual({ smaller: ls.smaller.map((k) => k.hex), larger: ls.larger.map((k) => k.hex) });
    }
  });
});
