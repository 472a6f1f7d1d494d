/**
 * One simulator run, start to end: build the mesh (static or by joins), run the operations (steady,
 * or under failure or churn), then multicast if asked, and write report.json and the plots. All
 * time is the simulator's clock and all randomness the seeded generator, each consumer on its own
 * fork of the seed, so a run repeats exactly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SeededRng } from '../../sim/random';
import type { SimArgs } from './args';
import { share } from './figures';
import { buildByJoins, type JoinRecord } from './joinBuild';
import { emptyMesh, staticMesh, type SimMesh } from './mesh';
import { runMulticast, type MulticastFigures } from './multicastOps';
import { hopHistogramSpec, joinCostSpec, rdpCdfSpec, successSpec, writePlots } from './plots';
import { Probes } from './probes';
import { createProgress } from './progress';
import { joinFigures, locateFigures, perOp, routeFigures, successOverTime, writeReport } from './report';
import { RuntimeSampler } from './runtime';
import { runScenario, type ScenarioOutcome } from './scenario';
import { runSteadyOps, type SteadyTraffic } from './steadyOps';
import { countTraffic, type TrafficCounter } from './traffic';

export interface SimResult {
  readonly reportFile: string;
  readonly plotFiles: readonly string[];
  readonly deterministic: Record<string, unknown>;
}

export async function runSim(args: SimArgs, print: (line: string) => void): Promise<SimResult> {
  // The output folder first: a run that cannot write its report fails before it spends any time.
  mkdirSync(args.out, { recursive: true });
  const progress = createProgress(args.quiet);
  const sampler = new RuntimeSampler();
  const seed = new SeededRng(args.seed);

  let mesh: SimMesh;
  let traffic: TrafficCounter;
  let joins: JoinRecord[] | undefined;
  if (args.build === 'static') {
    progress.start('build', args.nodes);
    mesh = await staticMesh(args);
    progress.update(args.nodes);
    progress.stop();
    traffic = countTraffic(mesh.network);
  } else {
    mesh = emptyMesh(args);
    traffic = countTraffic(mesh.network);
    joins = await buildByJoins(mesh, args.nodes, seed.fork('joins'), traffic, args.scenario !== 'none', progress, sampler);
  }
  sampler.phase('build');
  const builtAtMs = mesh.now;
  const probes = new Probes(mesh);

  let steady: SteadyTraffic | undefined;
  let outcome: ScenarioOutcome | undefined;
  if (args.scenario === 'none') steady = await runSteadyOps(mesh, probes, args.ops, seed.fork('ops'), traffic, progress, sampler, args.seed);
  else outcome = await runScenario(mesh, probes, args, seed.fork('scenario'), traffic, progress, sampler);
  sampler.phase('operations');

  let multicast: MulticastFigures | undefined;
  if (args.ops.multicast > 0) {
    multicast = await runMulticast(mesh, args.ops.multicast, seed.fork('multicast'), traffic, progress);
    sampler.phase('multicast');
  }

  const routes = routeFigures(probes);
  const locates = locateFigures(probes);
  const buckets = outcome ? successOverTime(probes, outcome) : undefined;
  const joinCost = joins ? { ...joinFigures(joins), counts: args.scenario === 'none' ? 'every datagram on the wire in the join window (maintenance off)' : 'membership messages plus control datagrams to or from the joining node (maintenance on)' } : undefined;
  const net = mesh.network.stats;
  const deterministic = {
    format: 'tapestry-sim-report/1',
    options: {
      nodes: args.nodes, seed: args.seed, topology: args.topology, build: args.build, scenario: args.scenario, security: args.security, ops: args.ops,
      ...(args.scenario === 'failure' ? { failureShare: args.failureShare, durationS: args.duration } : {}),
      ...(args.scenario === 'churn' ? { churnRate: args.churnRate, churnLifetimeS: args.churnLifetime, durationS: args.duration } : {}),
    },
    mesh: {
      built: args.build, nodes: mesh.nodes.length, activeAfterBuild: joins ? 1 + joins.filter((j) => j.active).length : args.nodes,
      liveAtEnd: mesh.nodes.length - mesh.down.size, crashed: mesh.down.size, buildVirtualMs: builtAtMs,
    },
    joinCost,
    routes,
    locates,
    multicast,
    scenario: outcome && buckets ? {
      kind: args.scenario, failedNodes: outcome.failedNodes, failedAtS: outcome.failedAtMs === undefined ? undefined : outcome.failedAtMs / 1000,
      arrivals: outcome.arrivals, arrivalsActive: outcome.arrivalsActive, arrivalsIntoEmpty: outcome.arrivalsIntoEmpty, departures: outcome.departures, objects: outcome.objects, liveAtEnd: outcome.liveAtEnd,
      bucketS: outcome.bucketMs / 1000, successOverTime: buckets,
      overallSuccessRate: share(routes.delivered + locates.found, routes.sent + locates.sent),
    } : undefined,
    traffic: steady
      ? { routes: perOp(steady.routes, routes.sent), publishes: { ...perOp(steady.publishes, steady.publishedReplicas), objects: steady.objects }, locates: perOp(steady.locates, locates.sent) }
      : { scenario: { ...perOp(outcome!.traffic, routes.sent + locates.sent), includes: 'operations and the mesh maintenance (heartbeats, repair, republish, joins of arrivals)' } },
    network: { virtualMsAtEnd: mesh.now, events: net.events, datagramsSent: net.sent, datagramsDelivered: net.delivered, dropped: net.dropped },
  };

  const plots = [
    { name: 'hops', spec: hopHistogramSpec(routes.hops.histogram, `Route hops: ${routes.delivered} routes, ${args.nodes} nodes (${args.topology}, ${args.build})`) },
    {
      name: 'rdp-cdf',
      spec: rdpCdfSpec(
        [{ name: 'route', cdf: routes.rdp.cdf }, { name: 'locate', cdf: locates.rdp.cdf }, ...(multicast ? [{ name: 'multicast', cdf: multicast.rdp.cdf }] : [])].filter((s) => s.cdf.length),
        'RDP, cumulative distribution',
      ),
    },
    ...(buckets ? [{ name: 'success-over-time', spec: successSpec(buckets, `Success over time (${args.scenario})`, outcome?.failedAtMs === undefined ? undefined : outcome.failedAtMs / 1000) }] : []),
    ...(joinCost ? [{ name: 'join-cost', spec: joinCostSpec(joinCost.byMeshSize, 'Join cost as the mesh grows') }] : []),
  ];
  const plotFiles = await writePlots(args.out, plots);
  sampler.phase('report');
  const reportFile = writeReport(args.out, deterministic, sampler.report());
  if (!args.quiet) {
    print(`wrote ${reportFile} and ${plotFiles.map((f) => path.basename(f)).join(', ')}`);
    print(`routes ${routes.delivered}/${routes.sent}, hops mean ${routes.hops.mean} p90 ${routes.hops.p90}, RDP median ${routes.rdp.median} p90 ${routes.rdp.p90}`);
    if (locates.sent) print(`locates ${locates.found}/${locates.sent}, RDP median ${locates.rdp.median} p90 ${locates.rdp.p90}`);
    if (joinCost) print(`joins ${joinCost.active}/${joinCost.joins} ACTIVE, datagrams per join mean ${joinCost.datagramsPerJoin.mean} p90 ${joinCost.datagramsPerJoin.p90}`);
    if (multicast) print(`multicast ${multicast.received}/${multicast.expectedCopies} copies to ${multicast.membersJoined} members, RDP median ${multicast.rdp.median}`);
  }
  await mesh.close();
  return { reportFile, plotFiles, deterministic };
}
