/**
 * Failure and churn, run for `duration` virtual seconds with routes and locates spread evenly over
 * it, so that success can be read over time (BUCKETS buckets of virtual time, by send time).
 *
 * - failure: a quarter of the way in, `failureShare` of the nodes crash at once (no leave notice);
 *   the mesh repairs itself while operations go on between the survivors.
 * - churn (JSAC 2004 §V-C.3): Poisson arrivals at `churnRate` a second, each joining through a live
 *   node; every node, old or new, lives an exponential lifetime of mean `churnLifetime` and then
 *   crashes. The objects' servers are exempt, so a failed locate is the overlay's failure, not a
 *   lost object.
 *
 * Operations go between nodes that are up, have been ACTIVE for SETTLED_MS, and stay up for the
 * operation's deadline: what is measured is whether the overlay delivers, not whether the
 * destination happened to die.
 */
import type { TapestryNode } from '../../api/node';
import type { SeededRng } from '../../sim/random';
import type { SimArgs } from './args';
import type { SimMesh } from './mesh';
import { makeObjects, OP_DEADLINE_MS, type Probes } from './probes';
import type { Progress } from './progress';
import type { RuntimeSampler } from './runtime';
import { pair, upNodes } from './steadyOps';
import type { Traffic, TrafficCounter } from './traffic';
import { advance } from './virtualTime';

export const BUCKETS = 24;
const STEP_MS = 100;
const SETTLED_MS = 5_000;
const PUBLISH_SETTLE_MS = 10_000;

export interface ScenarioOutcome {
  readonly startMs: number;
  readonly bucketMs: number;
  readonly failedNodes: number;
  readonly failedAtMs: number | undefined;
  readonly arrivals: number;
  readonly arrivalsActive: number;
  /** Arrivals that found no ACTIVE node to join through (churn had emptied the mesh). */
  readonly arrivalsIntoEmpty: number;
  readonly departures: number;
  readonly objects: number;
  readonly liveAtEnd: number;
  /** Everything on the wire during the scenario: operations and the mesh's own maintenance. */
  readonly traffic: Traffic;
}

const exponential = (rng: SeededRng, mean: number) => -Math.log(1 - rng.next()) * mean;

/**
 * The node a churn arrival joins through: a random ACTIVE one. When churn has killed every ACTIVE
 * node, an arrival that found none started a mesh of its own and waits ALONE: the next arrivals
 * join it, so the mesh grows back instead of each arrival starting an island of one. With no node
 * up at all, undefined: the arrival starts the mesh anew.
 */
function gateway(mesh: SimMesh, live: readonly number[], rng: SeededRng): TapestryNode | undefined {
  if (live.length > 0) return mesh.nodes[live[rng.int(live.length)]];
  const alone: number[] = [];
  for (let i = 0; i < mesh.nodes.length; i++) if (!mesh.down.has(i) && mesh.nodes[i].status === 'ALONE') alone.push(i);
  return alone.length > 0 ? mesh.nodes[alone[rng.int(alone.length)]] : undefined;
}

export async function runScenario(
  mesh: SimMesh,
  probes: Probes,
  args: SimArgs,
  rng: SeededRng,
  traffic: TrafficCounter,
  progress: Progress,
  sampler: RuntimeSampler,
): Promise<ScenarioOutcome> {
  const durationMs = args.duration * 1000;
  const initial = upNodes(mesh);
  if (initial.length < 3) throw new Error(`only ${initial.length} node(s) ACTIVE: the ${args.scenario} scenario needs three`);

  const objectCount = args.ops.locate === 0 ? 0 : Math.min(1_000, Math.max(1, Math.ceil(args.ops.locate / 10)));
  const objects = makeObjects(objectCount, initial, rng, args.seed);
  const servers = new Set(objects.flatMap((o) => o.servers));
  for (const o of objects) for (const s of o.servers) mesh.nodes[s].publish(o.guid);
  await advance(mesh.network, objectCount ? PUBLISH_SETTLE_MS : 0, 500);

  // Failure: who crashes, chosen up front (never an object's server; at least two nodes survive).
  const mayFail = initial.filter((i) => !servers.has(i));
  const failCount = args.scenario === 'failure' ? Math.min(Math.round(args.failureShare * initial.length), mayFail.length, initial.length - 2) : 0;
  const failing = new Set<number>();
  while (failing.size < failCount) failing.add(mayFail[rng.int(mayFail.length)]);

  // Churn: a death time for every node (servers excepted), arrivals as a Poisson process.
  const start = mesh.now;
  const deathAt = new Map<number, number>();
  const activeSince = new Map<number, number>();
  for (const i of initial) activeSince.set(i, -Infinity);
  if (args.scenario === 'churn') for (const i of initial) if (!servers.has(i)) deathAt.set(i, start + exponential(rng, args.churnLifetime * 1000));
  let nextArrival = args.scenario === 'churn' ? start + exponential(rng, 1000 / args.churnRate) : Infinity;
  const arrived: number[] = [];
  let arrivalsIntoEmpty = 0;
  let departures = 0;

  const failAt = args.scenario === 'failure' ? start + durationMs / 4 : undefined;
  let failed = false;
  let routesSent = 0;
  let locatesSent = 0;
  const mark = traffic.snapshot();
  progress.start(args.scenario, args.duration);

  while (mesh.now < start + durationMs) {
    const now = mesh.now;
    if (failAt !== undefined && !failed && now >= failAt) {
      failed = true;
      for (const i of failing) await mesh.crash(i);
    }
    while (nextArrival <= now) {
      const live = upNodes(mesh);
      if (live.length === 0) arrivalsIntoEmpty++;
      const node = await mesh.addNode(gateway(mesh, live, rng));
      const index = mesh.nodes.length - 1;
      arrived.push(index);
      node.onStatus((s) => {
        if (s === 'ACTIVE' && !activeSince.has(index)) activeSince.set(index, mesh.now);
      });
      deathAt.set(index, now + exponential(rng, args.churnLifetime * 1000));
      nextArrival += exponential(rng, 1000 / args.churnRate);
    }
    for (const [i, at] of deathAt) {
      if (at > now) continue;
      deathAt.delete(i);
      departures++;
      await mesh.crash(i);
    }

    // Operations due by now: op k of n is sent at start + (k + ½) · duration / n.
    // Counted to the end of this step, so the last ones (due in the final step) are sent too.
    const due = (n: number) => Math.min(n, Math.floor(((now + STEP_MS - start) * n) / durationMs + 0.5));
    const routesDue = due(args.ops.route) - routesSent;
    const locatesDue = due(args.ops.locate) - locatesSent;
    if (routesDue > 0 || locatesDue > 0) {
      // Nodes about to fail are never picked, before the failure either: success is measured between survivors.
      const eligible = upNodes(mesh).filter(
        (i) => !failing.has(i) && now - (activeSince.get(i) ?? Infinity) >= SETTLED_MS && (deathAt.get(i) ?? Infinity) > now + OP_DEADLINE_MS,
      );
      if (eligible.length >= 2) {
        for (let k = 0; k < routesDue; k++) probes.sendRoute(...pair(eligible, rng));
        for (let k = 0; k < locatesDue; k++) {
          const o = objects[rng.int(objects.length)];
          probes.sendLocate(eligible[rng.int(eligible.length)], o);
        }
      }
      // With fewer than two eligible nodes the due operations are skipped (counted as not sent).
      routesSent += routesDue;
      locatesSent += locatesDue;
    }
    await advance(mesh.network, STEP_MS, STEP_MS);
    if (Math.round(mesh.now - start) % 1000 < STEP_MS) {
      progress.update(Math.floor((mesh.now - start) / 1000));
      sampler.sample();
    }
  }
  // The last operations get their whole deadline.
  await advance(mesh.network, OP_DEADLINE_MS, 500);
  progress.stop();
  return {
    startMs: start,
    bucketMs: durationMs / BUCKETS,
    failedNodes: failing.size,
    failedAtMs: failAt === undefined ? undefined : failAt - start,
    arrivals: arrived.length,
    arrivalsActive: arrived.filter((i) => activeSince.has(i)).length,
    arrivalsIntoEmpty,
    departures,
    objects: objectCount,
    liveAtEnd: upNodes(mesh).length,
    traffic: traffic.since(mark),
  };
}
