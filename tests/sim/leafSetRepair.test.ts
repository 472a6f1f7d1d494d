/**
 * Leaf-set maintenance with the default options (repair rounds on): a mesh built by joins ends with
 * every leaf set exactly the true L/2 nearest GUIDs on each side of the ring, and it gets there
 * again after nodes fail. The oracle is the brute-force sorted ring (`leafSetAccuracy`).
 */
import type { TapestryNode } from '../../api/node';
import { SeededRng } from '../../sim/random';
import { JoinNet } from '../helpers/joinNet';
import { leafSetAccuracy } from '../helpers/meshChecks';

/** Runs in 30 s steps until every leaf set of `nodes` is exact; the virtual ms it took (at most `maxMs`). */
function untilExact(net: JoinNet, nodes: readonly TapestryNode[], maxMs: number): number {
  let ms = 0;
  while (leafSetAccuracy(nodes).exactNodes < nodes.length && ms < maxMs) {
    net.run(30_000);
    ms += 30_000;
  }
  return ms;
}

test('leaf sets become exact after joins, and again after 10% of the nodes fail', async () => {
  const net = new JoinNet(17);
  await net.joinOneByOne(200, 500);
  console.log(`after the joins: ${leafSetAccuracy(net.nodes).exactNodes} of 200 leaf sets exact`);
  const settled = untilExact(net, net.nodes, 120_000);
  console.log(`all exact ${settled / 1000} s later`);
  expect(leafSetAccuracy(net.nodes)).toEqual({ present: 2_000, expected: 2_000, exactNodes: 200 });

  const rng = new SeededRng(17);
  const dead = new Set<number>();
  while (dead.size < 20) dead.add(rng.int(net.nodes.length));
  for (const i of dead) net.network.setDown(i, true);
  const live = net.nodes.filter((_, i) => !dead.has(i));
  const healed = untilExact(net, live, 600_000);
  console.log(`all exact again ${healed / 1000} s after 20 nodes failed`);
  expect(leafSetAccuracy(live)).toEqual({ present: 1_800, expected: 1_800, exactNodes: 180 });
  expect(live.reduce((s, n) => s + n.stats.membership.failuresDetected, 0)).toBeGreaterThan(0);
  await net.close();
}, 300_000);
