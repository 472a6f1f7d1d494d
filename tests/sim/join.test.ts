/**
 * Meshes built by the join protocol in virtual time: sequential and concurrent joins converge to
 * consistent tables (no holes, one root per GUID from every source, every exact route delivered),
 * with table quality measured against the static-mesh oracle.
 */
import { buildStaticMesh } from '../../sim/staticMesh';
import { SeededRng } from '../../sim/random';
import { JoinNet } from '../helpers/joinNet';
import { countHoles, leafSetAccuracy, wrongRoots } from '../helpers/meshChecks';
import { recordDeliveries } from '../helpers/recorder';

/** Sends exact routes between random nodes and returns how many were delivered at the right node. */
function exactRoutes(net: JoinNet, count: number, rng: SeededRng): number {
  const got = recordDeliveries(net.nodes, 9);
  const want: number[] = [];
  for (let i = 0; i < count; i++) {
    const dst = rng.int(net.nodes.length);
    want.push(dst);
    net.nodes[rng.int(net.nodes.length)].route(net.nodes[dst].guid, `${i}`, { module: 9 });
  }
  net.run(30_000);
  return got.filter((d) => want[Number(d.text)] === d.at && !d.ttlExpired).length;
}

/** Table entries whose node holds no backpointer to the node listing it (brute force over every table). */
function missingBackpointers(net: JoinNet): number {
  const byHex = new Map(net.nodes.map((n) => [n.guid.hex, n]));
  let missing = 0;
  for (const node of net.nodes) {
    const t = node.table;
    for (let l = 0; l < t.levels; l++) {
      for (let d = 0; d < t.base; d++) {
        for (const e of t.slot(l, d)) if (!e.handle.guid.equals(node.guid) && !byHex.get(e.handle.guid.hex)!.table.hasBackpointer(node.guid)) missing++;
      }
    }
  }
  return missing;
}

test('1,000 nodes joining one at a time build consistent tables', async () => {
  // No table repair: the join protocol alone must leave every table consistent.
  const net = new JoinNet(31, { repairMs: 0, heartbeatMs: 0 });
  await net.joinOneByOne(1000, 500);
  net.run(5_000);
  expect(net.nodes.every((n) => n.status === 'ACTIVE')).toBe(true);
  expect(countHoles(net.nodes)).toBe(0);
  const rng = new SeededRng(4);
  expect(wrongRoots(net.nodes, rng, 20)).toEqual({ walks: 20_000, wrong: 0 });
  expect(exactRoutes(net, 5_000, rng)).toBe(5_000);
  // Every node a table lists keeps a backpointer to the lister (the joins settle most of them from
  // the pong's admission hint, without an answer to each adopt).
  expect(missingBackpointers(net)).toBe(0);

  // Table quality: primaries within 1.5× of the best node the static-mesh oracle finds for the slot.
  const oracle = buildStaticMesh(net.nodes.map((n) => n.handle), (i, j) => net.latency(i, j), net.nodes[0].space, { slotSize: 1 });
  let slots = 0;
  let good = 0;
  net.nodes.forEach((node, i) => {
    const t = node.table;
    for (let l = 0; l < t.levels; l++) {
      if (t.levelSize(l) === 0) continue;
      for (let d = 0; d < t.base; d++) {
        const best = oracle[i].primary(l, d);
        const mine = t.primary(l, d);
        if (!best || !mine || best.guid.equals(node.guid)) continue;
        slots++;
        if (net.latency(i, net.indexOf(mine.guid)) <= 1.5 * net.latency(i, net.indexOf(best.guid))) good++;
      }
    }
  });
  const share = good / slots;
  console.log(`table quality: ${(100 * share).toFixed(1)}% of ${slots} primaries within 1.5x of the oracle's best`);
  expect(share).toBeGreaterThanOrEqual(QUALITY_FLOOR);

  // Leaf sets against the brute-force ring.
  const leaves = leafSetAccuracy(net.nodes);
  console.log(`leaf sets: ${(100 * leaves.present / leaves.expected).toFixed(2)}% of true members present, ${leaves.exactNodes} of ${net.nodes.length} nodes exact`);
  expect(leaves.present / leaves.expected).toBeGreaterThanOrEqual(LEAF_PRESENT_FLOOR);
  expect(leaves.exactNodes / net.nodes.length).toBeGreaterThanOrEqual(LEAF_EXACT_FLOOR);
  await net.close();
}, 300_000);

/** Measured: 68.9% of 33,100 primaries within 1.5× of the oracle (seed 31, k = 4, joinPerSlotOthers 1; 67.5% before the surrogate's leaf set was measured too, 68.8% before adopts were answered only when the pong's hint was wrong). The floor sits just under it. */
const QUALITY_FLOOR = 0.66;

/**
 * Measured with the surrogate's leaf set in its JoinReply: 97.0% of true leaf-set members present and
 * 827 of 1,000 nodes exact (before it: 87.9% and 435). Floors just under.
 */
const LEAF_PRESENT_FLOOR = 0.96;
const LEAF_EXACT_FLOOR = 0.8;

test('200 nodes joining at once into a 100-node mesh converge', async () => {
  const net = new JoinNet(9);
  await net.joinOneByOne(100, 2_000);
  await net.joinTogether(200, 150_000);
  expect(net.nodes.every((n) => n.status === 'ACTIVE')).toBe(true);
  expect(countHoles(net.nodes)).toBe(0);
  const rng = new SeededRng(5);
  expect(wrongRoots(net.nodes, rng, 30)).toEqual({ walks: 9_000, wrong: 0 });
  expect(exactRoutes(net, 3_000, rng)).toBe(3_000);
  await net.close();
}, 300_000);
