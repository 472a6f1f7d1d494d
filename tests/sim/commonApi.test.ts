/**
 * The Common API over a 200-node frozen mesh, against independent oracles: localLookup's first node is
 * the next hop the router really takes (seen by a module's forward upcall at the source); neighborSet
 * is drawn from the leaf set, nearest first; at a key's root, replicaSet is the brute-force surrogate
 * root over all nodes, then the root once it is removed (sim/oracle.ts).
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { commonApi } from '../../api/commonApi';
import { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';

let net: Testnet;
const firstHop = new Map<string, string>();
beforeAll(async () => {
  net = await createTestnet({ nodes: 200, seed: 12, frozen: true });
  net.nodes.forEach((n) => n.register({
    id: 9, name: 'trace',
    forward: (m) => {
      if (!m.from) firstHop.set(`${n.guid.hex}:${m.dest.hex}`, m.nextHop.guid.hex);
      return true;
    },
  }));
});
afterAll(() => net.close());

test('localLookup(key, 1) is the first hop routing takes; more entries come from the same slot', () => {
  const rng = new SeededRng(4);
  let compared = 0;
  for (let i = 0; i < 300; i++) {
    const from = rng.int(200);
    const key = Guid.fromName(`k${i}`);
    const api = commonApi(net.nodes[from], 9);
    const hops = api.localLookup(key, 3);
    api.route(key, 'x');
    net.runUntilIdle();
    const taken = firstHop.get(`${net.nodes[from].guid.hex}:${key.hex}`);
    if (taken === undefined) {
      // No forward at the source: it roots the key itself.
      expect(hops[0].guid.equals(net.nodes[from].guid)).toBe(true);
      continue;
    }
    compared++;
    expect(hops[0].guid.hex).toBe(taken);
    expect(hops.length).toBeGreaterThanOrEqual(1);
    expect(hops.length).toBeLessThanOrEqual(3);
  }
  expect(compared).toBeGreaterThan(250);
});

test('neighborSet comes from the leaf set, and replicaSet at the root is the brute-force surrogate order', () => {
  const guids = net.nodes.map((n) => n.guid);
  for (let i = 0; i < 100; i++) {
    const key = Guid.fromName(`r${i}`);
    const root = bruteForceRoot(guids, key, net.space);
    const rest = guids.filter((_, j) => j !== root);
    const second = guids.indexOf(rest[bruteForceRoot(rest, key, net.space)]);
    const api = commonApi(net.nodes[root]);
    expect(api.replicaSet(key, 2).map((h) => net.indexOf(h.guid))).toEqual([root, second]);
    const leaf = new Set([...net.nodes[root].leafSet.smaller, ...net.nodes[root].leafSet.larger].map((h) => h.guid.hex));
    const neighbours = api.neighborSet(6);
    expect(neighbours.length).toBe(Math.min(6, leaf.size));
    for (const h of neighbours) expect(leaf.has(h.guid.hex)).toBe(true);
  }
  expect(() => commonApi(net.nodes[0]).neighborSet(-1)).toThrow(/num/);
});
