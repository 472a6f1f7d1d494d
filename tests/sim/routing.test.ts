/**
 * A 1,000-node simulated mesh built by the static-mesh builder: exact and fuzzy routing, absent
 * GUIDs and TTL, checked against the brute-force root rule and a table walk.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { Guid, sharedPrefixLength } from '../../routing/guid';
import { nextHop } from '../../routing/nextHop';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { recordDeliveries, type Recorded } from '../helpers/recorder';
import { routingTableOf } from '../../api/internals';

const N = 1000;
let net: Testnet;
let got: Recorded[];
const rng = new SeededRng(42);

beforeAll(async () => {
  net = await createTestnet({ nodes: N, frozen: true, seed: 7 });
  got = recordDeliveries(net.nodes);
});
afterAll(() => net.close());
beforeEach(() => {
  got.length = 0;
});

/** The route a message takes, walked over the tables directly (a second code path). */
function walk(src: number, dest: Guid): number[] {
  const path = [src];
  let level = 0;
  for (;;) {
    const hop = nextHop(routingTableOf(net.nodes[path[path.length - 1]]), dest, level);
    if (hop.kind === 'root') return path;
    path.push(net.indexOf(hop.to.guid)!);
    level = hop.level + 1;
  }
}

/** uniquePrefix by node index, computed once: the mesh does not change, and routes repeat destinations. */
const uniquePrefixes = new Map<number, number>();

/** Digits needed to single out node i among all nodes: 1 + its longest shared prefix with another. */
function uniquePrefix(i: number): number {
  const known = uniquePrefixes.get(i);
  if (known !== undefined) return known;
  let longest = 0;
  for (let j = 0; j < N; j++) {
    if (j !== i) longest = Math.max(longest, sharedPrefixLength(net.nodes[i].guid, net.nodes[j].guid, net.space.digitBits));
  }
  uniquePrefixes.set(i, longest + 1);
  return longest + 1;
}

test('10,000 exact routes between random live nodes are all delivered at the exact node', () => {
  const sent: Array<{ src: number; dst: number }> = [];
  for (let i = 0; i < 10_000; i++) {
    const src = rng.int(N);
    const dst = rng.int(N);
    sent.push({ src, dst });
    net.nodes[src].route(net.nodes[dst].guid, `r${i}`);
  }
  net.run(60_000);
  expect(got).toHaveLength(10_000);
  const bound = Math.ceil(Math.log(N) / Math.log(16)) + 1;
  let maxHops = 0;
  for (const d of got) {
    const i = Number(d.text.slice(1));
    expect(d.at).toBe(sent[i].dst);
    expect(d.ttlExpired).toBe(false);
    expect(d.source.guid.equals(net.nodes[sent[i].src].guid)).toBe(true);
    expect(d.hops).toBe(walk(sent[i].src, net.nodes[sent[i].dst].guid).length - 1);
    // Each hop fixes at least one more digit, so a route never needs more hops than the digits it
    // takes to tell the destination apart from every other node.
    expect(d.hops).toBeLessThanOrEqual(uniquePrefix(sent[i].dst));
    maxHops = Math.max(maxHops, d.hops);
  }
  expect(maxHops).toBeLessThanOrEqual(bound);
});

test('exact routes to absent GUIDs are dropped at the root and counted; fuzzy ones reach the brute-force root', () => {
  const guids = net.nodes.map((n) => n.guid);
  const absent = Array.from({ length: 300 }, () => Guid.random(() => rng.int(256)));
  const dropsBefore = net.nodes.reduce((s, n) => s + n.stats.router.droppedNoExactMatch, 0);
  absent.forEach((g, i) => net.nodes[rng.int(N)].route(g, `x${i}`));
  net.run(60_000);
  expect(got).toHaveLength(0);
  const dropsAfter = net.nodes.reduce((s, n) => s + n.stats.router.droppedNoExactMatch, 0);
  expect(dropsAfter - dropsBefore).toBe(absent.length);

  // Every source reaches the same root for the same GUID: send each from five sources.
  const sources: number[][] = absent.map(() => Array.from({ length: 5 }, () => rng.int(N)));
  absent.forEach((g, i) => sources[i].forEach((s) => net.nodes[s].route(g, `f${i}`, { fuzzy: true })));
  net.run(60_000);
  expect(got).toHaveLength(absent.length * 5);
  for (const d of got) {
    const i = Number(d.text.slice(1));
    expect(d.at).toBe(bruteForceRoot(guids, absent[i], net.space));
    expect(d.fuzzy).toBe(true);
  }
});

test('a route whose TTL runs out is delivered where it ran out, marked as such', () => {
  // Pick pairs whose route needs at least 2 hops, and give them TTL 1.
  const cases: Array<{ src: number; dst: number; path: number[] }> = [];
  while (cases.length < 200) {
    const src = rng.int(N);
    const dst = rng.int(N);
    const path = walk(src, net.nodes[dst].guid);
    if (path.length >= 3) cases.push({ src, dst, path });
  }
  cases.forEach((c, i) => net.nodes[c.src].route(net.nodes[c.dst].guid, `t${i}`, { ttl: 1 }));
  net.run(60_000);
  expect(got).toHaveLength(cases.length);
  for (const d of got) {
    const c = cases[Number(d.text.slice(1))];
    expect(d.ttlExpired).toBe(true);
    expect(d.hops).toBe(1);
    expect(d.at).toBe(c.path[1]);
  }
  // With enough TTL the same routes arrive whole.
  got.length = 0;
  cases.forEach((c, i) => net.nodes[c.src].route(net.nodes[c.dst].guid, `t${i}`, { ttl: c.path.length - 1 }));
  net.run(60_000);
  expect(got.every((d) => !d.ttlExpired && d.at === cases[Number(d.text.slice(1))].dst)).toBe(true);
  expect(got).toHaveLength(cases.length);
});

test('routing to its own GUID delivers locally with zero hops', () => {
  net.nodes[3].route(net.nodes[3].guid, 'self');
  net.run(1_000);
  expect(got).toEqual([expect.objectContaining({ at: 3, hops: 0, text: 'self' })]);
});

test('the same seed gives the same mesh and the same hop counts', async () => {
  const a = await createTestnet({ nodes: 200, frozen: true, seed: 99 });
  const b = await createTestnet({ nodes: 200, frozen: true, seed: 99 });
  const ra = recordDeliveries(a.nodes);
  const rb = recordDeliveries(b.nodes);
  for (const [t, r] of [[a, new SeededRng(5)], [b, new SeededRng(5)]] as const) {
    for (let i = 0; i < 500; i++) t.nodes[r.int(200)].route(t.nodes[r.int(200)].guid, `d${i}`);
    t.run(10_000);
  }
  expect(ra.map((d) => [d.at, d.hops, d.text])).toEqual(rb.map((d) => [d.at, d.hops, d.text]));
  expect(a.nodes.map((n) => n.guid.hex)).toEqual(b.nodes.map((n) => n.guid.hex));
  await Promise.all([a.close(), b.close()]);
});
