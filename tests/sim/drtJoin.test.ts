/**
 * DRT registrations follow the ring as nodes join: a mesh of 256-bit nodes built by the join
 * protocol, keys registered, then more nodes join between them; without any refresh (the refresh
 * period is far off) each node hands the keys of the arc it lost to the new node, so every key ends
 * at its brute-force ring successor and searches equal search.ts over all keys. A node that leaves
 * on purpose hands its whole arc to its ring successor, again with no refresh.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { SimNetwork } from '../../transport/simNetwork';
import { drt, type Drt, type DrtSearchOptions, type DrtSearchResult } from '../../upcalls/drt';
import { KEY_SPACE, keyValue } from '../../upcalls/drt/keys';
import { nearestMatches, rangeMatches } from '../../upcalls/drt/search';
import { SortedKeys } from '../../upcalls/drt/sortedKeys';
import { leafSetAccuracy } from '../helpers/meshChecks';
import { virtualTime } from '../helpers/virtualTime';

const rng = new SeededRng(1819);
const network = new SimNetwork({ seed: 1819 });
const nodes: TapestryNode[] = [];
const d: Drt[] = [];
const keys: Guid[] = [];

const run = (ms: number) => network.run(network.clock.now() + ms);

const { advance, settle } = virtualTime(() => ({ run }), { settleMs: 60_000 });

/** A node joining through a random earlier one, with the DRT registered; waits until it is ACTIVE. */
async function join(): Promise<void> {
  const via = nodes.length > 0 ? nodes[rng.int(nodes.length)] : undefined;
  const node = await createNode({
    idBits: 256, transport: network.createTransport(), clock: network.clock,
    guid: Guid.random(() => rng.int(256), 256), bootstrap: via ? [via.address] : undefined,
  });
  nodes.push(node);
  d.push(node.register(drt()));
  for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) run(100);
  await advance(2_000);
}

const gone = new Set<number>();

function successor(key: Guid): number {
  const k = keyValue(key);
  let best = 0;
  let bestDistance = KEY_SPACE;
  nodes.forEach((n, i) => {
    if (gone.has(i)) return;
    const dist = (((keyValue(n.guid) - k) % KEY_SPACE) + KEY_SPACE) % KEY_SPACE;
    if (dist < bestDistance) [best, bestDistance] = [i, dist];
  });
  return best;
}

async function searchAll(at: number, key: Guid, opts: DrtSearchOptions): Promise<DrtSearchResult[]> {
  return settle((async () => {
    const out: DrtSearchResult[] = [];
    for await (const r of d[at].search(key, opts)) out.push(r);
    return out;
  })());
}

afterAll(() => Promise.all(nodes.filter((_, i) => !gone.has(i)).map((n) => n.close())));

test('keys are handed to nodes that join in their arcs, with no refresh', async () => {
  for (let i = 0; i < 30; i++) await join();
  for (let i = 0; i < 200; i++) keys.push(Guid.random(() => rng.int(256), 256));
  const ops = keys.map((k) => d[rng.int(d.length)].register(k, Uint8Array.of(1, 2, 3)));
  expect((await settle(Promise.allSettled(ops))).filter((r) => r.status === 'rejected')).toEqual([]);
  const before = d.reduce((s, x) => s + x.stats().handedOff, 0);
  for (let i = 0; i < 20; i++) await join();
  for (let t = 0; leafSetAccuracy(nodes).exactNodes < nodes.length && t < 20; t++) await advance(30_000);
  expect(leafSetAccuracy(nodes).exactNodes).toBe(nodes.length);
  await advance(5_000);
  // Far less than the refresh period (DEFAULTS.drtRefreshMs, 20 min) has passed: what moved was handed off.
  expect(network.clock.now()).toBeLessThan(1_200_000);
  expect(d.reduce((s, x) => s + x.stats().handedOff, 0)).toBeGreaterThan(before);
  const perNode = new Array<number>(nodes.length).fill(0);
  for (const k of keys) perNode[successor(k)]++;
  expect(d.map((x) => x.stats().keys)).toEqual(perNode);
  expect(perNode.slice(30).some((n) => n > 0)).toBe(true);

  const sorted = SortedKeys.from(keys);
  for (let q = 0; q < 20; q++) {
    const target = Guid.random(() => rng.int(256), 256);
    const at = rng.int(d.length);
    const near = await searchAll(at, target, { match: 'nearest', maxEndpoints: 5, iterative: q % 2 === 0 });
    expect(near.map((r) => r.key.hex)).toEqual(nearestMatches(sorted, target, 5).map((m) => m.key.hex));
    const max = Guid.fromHex(((keyValue(target) + (KEY_SPACE >> 3n)) % KEY_SPACE).toString(16).padStart(64, '0'));
    const range = await searchAll(at, target, { match: { min: target, max }, maxEndpoints: 64 });
    expect(range.map((r) => r.key.hex)).toEqual(rangeMatches(sorted, target, max, 64).map((m) => m.key.hex));
  }
}, 600_000);

test('a node leaving on purpose hands its keys to its ring successor, with no refresh', async () => {
  const held = d.map((x) => x.stats().keys);
  let leaver = rng.int(nodes.length);
  while (held[leaver] === 0) leaver = rng.int(nodes.length);
  const start = network.clock.now();
  const left = nodes[leaver].leave();
  await settle(left);
  gone.add(leaver);
  await advance(5_000);
  expect(network.clock.now() - start).toBeLessThan(120_000);
  const perNode = new Array<number>(nodes.length).fill(0);
  for (const k of keys) perNode[successor(k)]++;
  expect(d.map((x, i) => (gone.has(i) ? 0 : x.stats().keys))).toEqual(perNode);
  const from = leaver === 0 ? 1 : 0;
  const sorted = SortedKeys.from(keys);
  for (let q = 0; q < 10; q++) {
    const target = Guid.random(() => rng.int(256), 256);
    const near = await searchAll(from, target, { match: 'nearest', maxEndpoints: 6 });
    expect(near.map((r) => r.key.hex)).toEqual(nearestMatches(sorted, target, 6).map((m) => m.key.hex));
  }
}, 300_000);
