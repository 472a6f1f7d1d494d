/**
 * The DRT from resolve-only nodes (Windows DRT's resolve-only mode): on a simulated 256-bit mesh,
 * resolve-only nodes search and register through their gateways. Oracles: the pure core's search.ts
 * over every registered key (searches), the brute-force ring successor (where a resolve-only node's
 * registration is stored), and a scan of every full node (no table, leaf set or registry arc of a
 * resolve-only node anywhere).
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import type { TapestryNode } from '../../api/node';
import { routingTableOf } from '../../api/internals';
import { drt, type Drt, type DrtSearchOptions, type DrtSearchResult } from '../../upcalls/drt';
import { exactMatch, nearestMatches, rangeMatches } from '../../upcalls/drt/search';
import { SortedKeys } from '../../upcalls/drt/sortedKeys';
import { keyValue, KEY_SPACE } from '../../upcalls/drt/keys';
import { SeededRng } from '../../sim/random';
import { Guid } from '../../routing/guid';
import { leafSetAccuracy } from '../helpers/meshChecks';
import { virtualTime } from '../helpers/virtualTime';

const N = 60;
const KEYS = 80;
let net: Testnet;
let d: Drt[];
let ro: TapestryNode[];
let roDrt: Drt[];
const rng = new SeededRng(4242);
/** key hex → its key and the GUID (hex) of the node that registered it. */
const registered = new Map<string, { key: Guid; by: string }>();

const { advance, settle } = virtualTime(() => net);

async function searchAll(at: Drt, key: Guid, opts: DrtSearchOptions): Promise<DrtSearchResult[]> {
  return settle((async () => {
    const out: DrtSearchResult[] = [];
    for await (const r of at.search(key, opts)) out.push(r);
    return out;
  })());
}

const randomKey = () => Guid.random(() => rng.int(256), 256);

/** The brute-force ring successor of `key` among the full nodes: its index. */
function successor(key: Guid): number {
  const k = keyValue(key);
  let best = -1;
  let bestDistance = KEY_SPACE;
  net.nodes.forEach((n, i) => {
    const dist = (((keyValue(n.guid) - k) % KEY_SPACE) + KEY_SPACE) % KEY_SPACE;
    if (dist < bestDistance) [best, bestDistance] = [i, dist];
  });
  return best;
}

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 4242, idBits: 256 });
  d = net.nodes.map((n) => n.register(drt()));
  for (let waited = 0; leafSetAccuracy(net.nodes).exactNodes < N && waited < 600_000; waited += 10_000) await advance(10_000);
  expect(leafSetAccuracy(net.nodes).exactNodes).toBe(N);
  ro = [await net.addResolveOnly({ node: { idBits: 256 } }), await net.addResolveOnly({ node: { idBits: 256 } })];
  roDrt = ro.map((n) => n.register(drt()));
  const ops = Array.from({ length: KEYS }, () => {
    const key = randomKey();
    const by = rng.int(N);
    registered.set(key.hex, { key, by: net.nodes[by].guid.hex });
    return d[by].register(key, Uint8Array.of(1, 2, 3));
  });
  const done = await settle(Promise.allSettled(ops), 300_000);
  expect(done.filter((r) => r.status === 'rejected')).toEqual([]);
}, 600_000);
afterAll(() => net.close());

test('exact, nearest and range searches from resolve-only nodes, recursive and iterative, equal the brute-force answer', async () => {
  const keys = SortedKeys.from([...registered.values()].map((r) => r.key));
  const all = keys.keys();
  for (let q = 0; q < 24; q++) {
    const at = roDrt[q % 2];
    const iterative = q % 4 >= 2;
    const key = q % 6 < 3 ? all[rng.int(all.length)] : randomKey();
    const exact = await searchAll(at, key, { match: 'exact', iterative });
    expect(exact.map((r) => r.key.hex)).toEqual(exactMatch(keys, key).map((m) => m.key.hex));
    const nearest = await searchAll(at, key, { match: 'nearest', maxEndpoints: 5, iterative });
    expect(nearest.map((r) => r.key.hex)).toEqual(nearestMatches(keys, key, 5).map((m) => m.key.hex));
    // A range from the key to another: it wraps past the top of the key space about half the time.
    const max = randomKey();
    const range = await searchAll(at, key, { match: { min: key, max }, maxEndpoints: 64, iterative });
    expect(range.map((r) => r.key.hex)).toEqual(rangeMatches(keys, key, max, 64).map((m) => m.key.hex));
    for (const r of [...exact, ...nearest, ...range]) expect(r.publisher.guid.hex).toBe(registered.get(r.key.hex)!.by);
  }
}, 600_000);

test('a resolve-only node registers through its gateway: stored at the ring successor, found from full nodes', async () => {
  const key = randomKey();
  await settle(roDrt[0].register(key, Uint8Array.of(9)));
  const holder = successor(key);
  // Only the successor holds it: the full nodes' registries summed over the mesh moved by one.
  expect(d[holder].stats().keys).toBeGreaterThan(0);
  const found = await searchAll(d[(holder + 7) % N], key, { match: 'exact' });
  expect(found.map((r) => [r.key.hex, r.publisher.guid.hex, [...r.appData]])).toEqual([[key.hex, ro[0].guid.hex, [9]]]);
  const none = await searchAll(d[holder], key, { match: 'exact', iterative: true });
  expect(none.map((r) => r.key.hex)).toEqual([key.hex]);
  await settle(roDrt[0].unregister(key));
  expect(await searchAll(d[(holder + 3) % N], key, { match: 'exact' })).toEqual([]);
}, 300_000);

test('resolve-only nodes hold no arc: no registration at them, and no full node lists them anywhere', () => {
  for (const r of roDrt) expect(r.stats().keys).toBe(0);
  const hidden = new Set(ro.map((n) => n.guid.hex));
  for (const n of net.nodes) {
    const table = routingTableOf(n);
    for (const h of table.neighbours()) expect(hidden.has(h.guid.hex)).toBe(false);
    for (const h of table.backpointers()) expect(hidden.has(h.guid.hex)).toBe(false);
    for (const h of [...n.leafSet.smaller, ...n.leafSet.larger]) expect(hidden.has(h.guid.hex)).toBe(false);
  }
});
