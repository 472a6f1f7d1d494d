/**
 * Guard: an exact route to a GUID no node holds ends at that GUID's root and is dropped there, and
 * counted, also when the route starts at the root itself (no hop is taken, so the first routing step
 * at the source is the one that must drop it). The root is found by the brute-force oracle, not by
 * the tables.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { recordDeliveries, type Recorded } from '../helpers/recorder';

const N = 64;
const rng = new SeededRng(1207);
let net: Testnet;
let got: Recorded[];

beforeAll(async () => {
  net = await createTestnet({ nodes: N, frozen: true, seed: 12 });
  got = recordDeliveries(net.nodes);
});
afterAll(() => net.close());
beforeEach(() => {
  got.length = 0;
});

const drops = () => net.nodes.map((n) => n.stats.router.droppedNoExactMatch);
const forwarded = () => net.nodes.map((n) => n.stats.router.forwarded);

/** GUIDs no node holds, each with its root by the oracle. */
function absentWithRoots(count: number): Array<{ guid: Guid; root: number }> {
  const guids = net.nodes.map((n) => n.guid);
  const out: Array<{ guid: Guid; root: number }> = [];
  while (out.length < count) {
    const g = Guid.random(() => rng.int(256));
    if (net.indexOf(g) === undefined) out.push({ guid: g, root: bruteForceRoot(guids, g, net.space) });
  }
  return out;
}

test('an exact route to an absent GUID sent from its own root is dropped there and counted, nowhere else', () => {
  const cases = absentWithRoots(200);
  for (const [i, c] of cases.entries()) {
    const dropsBefore = drops();
    const forwardedBefore = forwarded();
    net.nodes[c.root].route(c.guid, `x${i}`);
    net.run(5_000);
    expect(got).toHaveLength(0);
    const dropsAfter = drops();
    // Exactly one drop, at the root; no other node saw the message.
    expect(dropsAfter.map((d, n) => d - dropsBefore[n])).toEqual(dropsBefore.map((_, n) => (n === c.root ? 1 : 0)));
    expect(forwarded()).toEqual(forwardedBefore);
  }
});

test('the same GUIDs routed fuzzy from their roots are delivered there in 0 hops, and a node reaches itself exactly', () => {
  const cases = absentWithRoots(50);
  const dropsBefore = drops();
  for (const [i, c] of cases.entries()) net.nodes[c.root].route(c.guid, `f${i}`, { fuzzy: true });
  for (let i = 0; i < 10; i++) net.nodes[i].route(net.nodes[i].guid, `s${i}`);
  net.run(5_000);
  expect(drops()).toEqual(dropsBefore);
  const byText = new Map(got.map((d) => [d.text, d]));
  expect(byText.size).toBe(60);
  for (const [i, c] of cases.entries()) expect([byText.get(`f${i}`)?.at, byText.get(`f${i}`)?.hops]).toEqual([c.root, 0]);
  for (let i = 0; i < 10; i++) expect([byText.get(`s${i}`)?.at, byText.get(`s${i}`)?.hops]).toEqual([i, 0]);
});
