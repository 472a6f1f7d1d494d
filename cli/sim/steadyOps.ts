/**
 * Operations on a mesh where nothing fails (scenario none): all routes, then the objects'
 * publishes, then all locates, each phase on its own so its traffic is its own. Operations are
 * paced (OPS_PER_STEP every STEP_MS of virtual time) rather than all sent in one instant, as load
 * would arrive, which also bounds the event queue however many are asked for.
 */
import type { SeededRng } from '../../sim/random';
import type { SimMesh } from './mesh';
import { makeObjects, OP_DEADLINE_MS, type Probes } from './probes';
import type { Progress } from './progress';
import type { RuntimeSampler } from './runtime';
import type { Traffic, TrafficCounter } from './traffic';
import { advance, yieldLoop } from './virtualTime';

const OPS_PER_STEP = 100;
const STEP_MS = 100;
/** Virtual time the publishes get to leave their pointers before locates start. */
const PUBLISH_SETTLE_MS = 10_000;

export interface SteadyTraffic {
  readonly routes: Traffic;
  readonly publishes: Traffic;
  readonly locates: Traffic;
  readonly objects: number;
  readonly publishedReplicas: number;
}

/** Nodes that can take part: up and ACTIVE. */
export function upNodes(mesh: SimMesh): number[] {
  const up: number[] = [];
  for (let i = 0; i < mesh.nodes.length; i++) if (mesh.isUp(i)) up.push(i);
  return up;
}

/** Two distinct nodes of `from` (which has at least two). */
export function pair(from: readonly number[], rng: SeededRng): [number, number] {
  const a = from[rng.int(from.length)];
  let b = from[rng.int(from.length)];
  while (b === a) b = from[rng.int(from.length)];
  return [a, b];
}

export async function runSteadyOps(
  mesh: SimMesh,
  probes: Probes,
  counts: { route: number; locate: number },
  rng: SeededRng,
  traffic: TrafficCounter,
  progress: Progress,
  sampler: RuntimeSampler,
  seed: number,
): Promise<SteadyTraffic> {
  const up = upNodes(mesh);
  if (up.length < 2) throw new Error(`only ${up.length} node(s) ACTIVE: operations need two`);

  const paced = async (phase: string, total: number, send: () => void) => {
    progress.start(phase, total);
    for (let sent = 0; sent < total; ) {
      for (let k = 0; k < OPS_PER_STEP && sent < total; k++, sent++) send();
      await advance(mesh.network, STEP_MS, STEP_MS);
      if (sent % (OPS_PER_STEP * 10) === 0 || sent === total) {
        progress.update(sent);
        sampler.sample();
      }
    }
    // The last ones get the whole deadline to arrive.
    await advance(mesh.network, OP_DEADLINE_MS, 500);
    progress.stop();
  };

  let mark = traffic.snapshot();
  await paced('routes', counts.route, () => probes.sendRoute(...pair(up, rng)));
  const routes = traffic.since(mark);

  // Objects: about one per ten locates (so several locates look for each), at most 1,000.
  const objectCount = counts.locate === 0 ? 0 : Math.min(1_000, Math.max(1, Math.ceil(counts.locate / 10)));
  const objects = makeObjects(objectCount, up, rng, seed);
  mark = traffic.snapshot();
  for (const o of objects) for (const s of o.servers) mesh.nodes[s].publish(o.guid);
  await advance(mesh.network, objectCount ? PUBLISH_SETTLE_MS : 0, 500);
  const publishes = traffic.since(mark);

  mark = traffic.snapshot();
  await paced('locates', counts.locate, () => {
    const o = objects[rng.int(objects.length)];
    let client = up[rng.int(up.length)];
    // A client that serves the object itself would find it at home: pick one that does not.
    for (let tries = 0; o.servers.includes(client) && tries < 100; tries++) client = up[rng.int(up.length)];
    probes.sendLocate(client, o);
  });
  await yieldLoop();
  const locates = traffic.since(mark);
  return { routes, publishes, locates, objects: objectCount, publishedReplicas: objects.reduce((s, o) => s + o.servers.length, 0) };
}
