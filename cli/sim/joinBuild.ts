/**
 * The joins build: nodes join through the join protocol, each through a random node already
 * ACTIVE, as bench/join.ts builds its meshes. Each join's cost is what went on the wire in its window.
 *
 * Two ways, because maintenance costs every node a tick a virtual second (membership/liveness.ts):
 * - maintenance off (scenario none): one join at a time, the next when this one is ACTIVE plus a
 *   short settle. The window then holds the join's own traffic and nothing else: an exact cost
 *   per join, against the mesh size at that join.
 * - maintenance on (failure, churn: the mesh must notice and repair crashes): one at a time would
 *   run N joins × seconds of virtual time × N ticking nodes, O(N²) (300 nodes took ~30 s, 10,000
 *   would take hours). Nodes join in rounds instead, an eighth of the mesh at once (concurrent
 *   joins are part of the protocol: joiners fill each other's tables), so virtual time grows with
 *   log N. A round's cost, split evenly over its joins, is its join traffic by class (TrafficCounter).
 */
import type { TapestryNode } from '../../api/node';
import type { SeededRng } from '../../sim/random';
import type { SimMesh } from './mesh';
import type { Progress } from './progress';
import type { RuntimeSampler } from './runtime';
import type { Traffic, TrafficCounter } from './traffic';

/** One join: the mesh size it joined (nodes already there), its cost, whether it became ACTIVE. */
export interface JoinRecord {
  readonly meshSize: number;
  readonly datagrams: number;
  readonly bytes: number;
  readonly active: boolean;
}

/** How long a join may take before it is given up on (virtual ms), polled every 100 ms. */
const JOIN_TIMEOUT_MS = 30_000;
/** Virtual time after a join is ACTIVE for its last messages (adopts, acknowledgements). */
const SETTLE_MS = 500;
/** With maintenance on, a round adds this share of the mesh at once. */
const ROUND_SHARE = 1 / 8;

export async function buildByJoins(
  mesh: SimMesh,
  count: number,
  rng: SeededRng,
  traffic: TrafficCounter,
  maintenance: boolean,
  progress: Progress,
  sampler: RuntimeSampler,
): Promise<JoinRecord[]> {
  const records: JoinRecord[] = [];
  // Nodes that reached ACTIVE, by index: joins go through one of them (a list, so picking is O(1)).
  const active: number[] = [];
  traffic.classify = maintenance;
  const reading = (): Traffic => ({ ...(maintenance ? traffic.join : traffic.total) });
  progress.start('joins', count);

  // The first node starts the mesh alone (ALONE until a second one joins): no join, nothing to count.
  await mesh.addNode();
  active.push(0);
  while (mesh.nodes.length < count) {
    const meshSize = mesh.nodes.length;
    const batch = maintenance ? Math.min(count - meshSize, Math.max(1, Math.floor(meshSize * ROUND_SHARE))) : 1;
    const before = reading();
    const joining: TapestryNode[] = [];
    for (let k = 0; k < batch; k++) {
      traffic.joiners.add(meshSize + k);
      joining.push(await mesh.addNode(mesh.nodes[active[rng.int(active.length)]]));
    }
    for (let t = 0; t < JOIN_TIMEOUT_MS && joining.some((n) => n.status !== 'ACTIVE'); t += 100) mesh.network.run(mesh.now + 100);
    mesh.network.run(mesh.now + SETTLE_MS);
    const after = reading();
    traffic.joiners.clear();
    joining.forEach((node, k) => {
      const ok = node.status === 'ACTIVE';
      if (ok) active.push(meshSize + k);
      records.push({ meshSize, datagrams: (after.datagrams - before.datagrams) / batch, bytes: (after.bytes - before.bytes) / batch, active: ok });
    });
    if (batch > 1 || mesh.nodes.length % 100 === 0 || mesh.nodes.length === count) {
      progress.update(mesh.nodes.length);
      sampler.sample();
    }
  }
  traffic.classify = false;
  progress.stop();
  return records;
}
