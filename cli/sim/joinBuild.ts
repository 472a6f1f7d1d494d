/**
 * The joins build: nodes join one at a time through the join protocol, each through a random node
 * already ACTIVE, the next starting when this one is ACTIVE (or given up on) plus a short settle, as
 * bench/join.ts builds its meshes. Each join's cost is what went on the wire in its window.
 */
import type { SeededRng } from '../../sim/random';
import type { SimMesh } from './mesh';
import type { Progress } from './progress';
import type { RuntimeSampler } from './runtime';
import type { TrafficCounter } from './traffic';

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

/**
 * Adds `count` nodes to `mesh` by joins. With `maintenance` on, the wire also carries other nodes'
 * heartbeats and repairs: the join's own traffic is then picked out by class (see TrafficCounter);
 * without it, everything on the wire in the window is the join's.
 */
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
  // Nodes that reached ACTIVE, by index: joins go through one of them (kept as a list, so picking is O(1)).
  const active: number[] = [];
  traffic.classify = maintenance;
  progress.start('joins', count);
  for (let k = 0; k < count; k++) {
    const via = active.length ? mesh.nodes[active[rng.int(active.length)]] : undefined;
    const meshSize = mesh.nodes.length;
    const before = maintenance ? { ...traffic.join } : traffic.snapshot();
    traffic.joiner = meshSize;
    const node = await mesh.addNode(via);
    for (let t = 0; via && node.status !== 'ACTIVE' && t < JOIN_TIMEOUT_MS; t += 100) mesh.network.run(mesh.now + 100);
    mesh.network.run(mesh.now + SETTLE_MS);
    const after = maintenance ? traffic.join : traffic.total;
    const ok = node.status === 'ACTIVE';
    if (ok) active.push(meshSize);
    // The first node starts the mesh alone: no join, nothing to count.
    if (via) records.push({ meshSize, datagrams: after.datagrams - before.datagrams, bytes: after.bytes - before.bytes, active: ok });
    if (k % 100 === 99 || k === count - 1) {
      progress.update(k + 1);
      sampler.sample();
    }
  }
  traffic.joiner = -1;
  traffic.classify = false;
  progress.stop();
  return records;
}
