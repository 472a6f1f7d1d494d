/**
 * `tapestry sim --scenario churn | failure` and `--build joins`, run as a user runs them (a child
 * process on the TypeScript source), on meshes of a few dozen nodes. The report is checked against
 * what its own figures imply by a second path:
 * - the mesh's endpoint count and crash set (mesh.*) against the scenario's arrival and departure
 *   counters (scenario.*): nodes at the end = start + arrivals, live = start + arrivals − departures;
 * - the success-over-time buckets against the totals, and against the pacing rule the scenario
 *   documents (op k of n is sent at (k + ½) · duration / n): with n a multiple of the 24 buckets and
 *   buckets a whole number of 100 ms steps, every bucket holds exactly n / 24 operations;
 * - two runs with one seed write the same deterministic part, byte for byte.
 */
import path from 'node:path';
import { deterministicText, reportText, scratchFolder, simAsync, sum } from '../helpers/simCli';

const scratch = scratchFolder('sim-scenarios');

/** Runs `tapestry sim … --quiet --out scratch/name`; a run must exit 0 and print nothing. Resolves to the report's text. */
async function sim(name: string, args: string[]): Promise<string> {
  const out = path.join(scratch, name);
  expect(await simAsync([...args, '--quiet', '--out', out])).toEqual({ status: 0, stdout: '', stderr: '' });
  return reportText(out);
}

/**
 * Runs the same arguments twice, side by side (two processes: nothing shared but the seed); both
 * deterministic parts must be the same bytes. Resolves to the parsed one.
 */
async function twice(name: string, args: string[]): Promise<any> {
  const [a, b] = await Promise.all([sim(`${name}-a`, args), sim(`${name}-b`, args)]);
  expect(deterministicText(b)).toBe(deterministicText(a));
  expect(deterministicText(a).length).toBeGreaterThan(1_000);
  return JSON.parse(a).deterministic;
}

interface Bucket { fromS: number; toS: number; routesSent: number; routesOk: number; locatesSent: number; locatesOk: number; successRate: number }

/** 24 buckets of 0.5 s over a 12 s scenario: each bucket is five whole 100 ms steps. */
const DURATION_S = 12;
const ROUTES = 240;
const LOCATES = 48;

/**
 * Success over time against the totals and the pacing rule. Every operation is sent, since two
 * settled nodes are always there to send between.
 */
function checkBuckets(d: any): Bucket[] {
  const s = d.scenario;
  const buckets = s.successOverTime as Bucket[];
  expect(buckets).toHaveLength(24);
  expect(s.bucketS).toBe(DURATION_S / 24);
  buckets.forEach((b, k) => {
    expect(b.fromS).toBeCloseTo(k * s.bucketS, 3);
    expect(b.toS).toBeCloseTo((k + 1) * s.bucketS, 3);
    expect(b.routesSent).toBe(ROUTES / 24);
    expect(b.locatesSent).toBe(LOCATES / 24);
    expect(b.routesOk).toBeLessThanOrEqual(b.routesSent);
    expect(b.locatesOk).toBeLessThanOrEqual(b.locatesSent);
    expect(b.successRate).toBeCloseTo((b.routesOk + b.locatesOk) / (b.routesSent + b.locatesSent), 4);
  });
  expect(d.routes.sent).toBe(ROUTES);
  expect(d.locates.sent).toBe(LOCATES);
  expect(sum(buckets.map((b) => b.routesSent))).toBe(d.routes.sent);
  expect(sum(buckets.map((b) => b.routesOk))).toBe(d.routes.delivered);
  expect(sum(buckets.map((b) => b.locatesSent))).toBe(d.locates.sent);
  expect(sum(buckets.map((b) => b.locatesOk))).toBe(d.locates.found);
  expect(s.overallSuccessRate).toBeCloseTo((d.routes.delivered + d.locates.found) / (ROUTES + LOCATES), 4);
  // The hop histogram counts the delivered routes, once each.
  expect(sum(Object.values(d.routes.hops.histogram as Record<string, number>))).toBe(d.routes.delivered);
  // Not a dead mesh: most operations get through.
  expect(s.overallSuccessRate).toBeGreaterThan(0.5);
  return buckets;
}

const scenarioArgs = (extra: string[]) => [...extra, '--duration', String(DURATION_S), '--ops', `route=${ROUTES},locate=${LOCATES}`];

/**
 * Churn: what the mesh holds at the end against the scenario's counters. `activeAtStart` is the
 * number of nodes ACTIVE when the scenario began.
 */
function checkChurn(d: any, nodes: number, activeAtStart: number, rate: number): void {
  const s = d.scenario;
  expect(s.kind).toBe('churn');
  expect(s.failedNodes).toBe(0);
  expect(s.failedAtS).toBeUndefined();
  // Something happened: nodes came and went.
  expect(s.arrivals).toBeGreaterThan(0);
  expect(s.departures).toBeGreaterThan(0);
  // Poisson arrivals at `rate` a second: rate · duration expected (a wide band; the seed fixes the draw).
  expect(s.arrivals).toBeGreaterThanOrEqual((rate * DURATION_S) / 3);
  expect(s.arrivals).toBeLessThanOrEqual(rate * DURATION_S * 3);
  expect(s.arrivalsActive).toBeLessThanOrEqual(s.arrivals);
  // Second path: every arrival is one more endpoint, every departure one more crashed endpoint.
  expect(d.mesh.nodes).toBe(nodes + s.arrivals);
  expect(d.mesh.crashed).toBe(s.departures);
  expect(d.mesh.liveAtEnd).toBe(nodes + s.arrivals - s.departures);
  // Live and ACTIVE at the end: at most the live ones, and at least those less the nodes that
  // never became ACTIVE (arrivals still joining, nodes whose build join failed).
  expect(s.liveAtEnd).toBeLessThanOrEqual(d.mesh.liveAtEnd);
  expect(s.liveAtEnd).toBeGreaterThanOrEqual(d.mesh.liveAtEnd - (s.arrivals - s.arrivalsActive) - (nodes - activeAtStart));
  expect(d.options).toMatchObject({ scenario: 'churn', churnRate: rate, durationS: DURATION_S });
}

// One run: the two-run check is the joins-build churn test's below (the scenario code is the same).
test('churn on a static mesh: arrivals and departures agree with the mesh at the end, buckets follow the pacing', async () => {
  const nodes = 80;
  const d = JSON.parse(await sim('churn-static', scenarioArgs(['--nodes', String(nodes), '--seed', '3', '--scenario', 'churn', '--churn-rate', '2', '--churn-lifetime', '20']))).deterministic;
  expect(d.mesh.activeAfterBuild).toBe(nodes);
  checkChurn(d, nodes, nodes, 2);
  checkBuckets(d);
  expect(d.traffic.scenario.ops).toBe(ROUTES + LOCATES);
}, 120_000);

test('churn on a mesh built by joins: the same agreements, and the joins build repeats under one seed', async () => {
  const nodes = 40;
  const d = await twice('churn-joins', scenarioArgs(['--nodes', String(nodes), '--seed', '5', '--build', 'joins', '--scenario', 'churn', '--churn-rate', '2', '--churn-lifetime', '20']));
  const j = d.joinCost;
  expect(j.joins).toBe(nodes - 1);
  expect(sum(j.byMeshSize.map((bin: { joins: number }) => bin.joins))).toBe(nodes - 1);
  // The first node needs no join: ACTIVE after the build are it and the joins that succeeded.
  expect(d.mesh.activeAfterBuild).toBe(1 + j.active);
  checkChurn(d, nodes, d.mesh.activeAfterBuild, 2);
  checkBuckets(d);
}, 120_000);

test('failure: the crashed share, the survivors, every operation sent before the failure succeeds', async () => {
  const nodes = 80;
  const d = JSON.parse(await sim('failure', scenarioArgs(['--nodes', String(nodes), '--seed', '4', '--scenario', 'failure', '--failure-share', '0.25'])))
    .deterministic;
  const s = d.scenario;
  expect(s.kind).toBe('failure');
  expect(s.failedNodes).toBe(Math.round(0.25 * nodes));
  expect(s.failedAtS).toBe(DURATION_S / 4);
  expect(s.arrivals).toBe(0);
  expect(s.departures).toBe(0);
  expect(d.mesh).toMatchObject({ nodes, crashed: s.failedNodes, liveAtEnd: nodes - s.failedNodes });
  // The survivors of a static mesh stay ACTIVE.
  expect(s.liveAtEnd).toBe(nodes - s.failedNodes);
  const buckets = checkBuckets(d);
  // Before the crash the mesh is a converged static one and every operation is between survivors.
  const before = buckets.filter((b) => b.toS <= s.failedAtS);
  expect(before).toHaveLength(6);
  for (const b of before) expect(b).toMatchObject({ routesOk: b.routesSent, locatesOk: b.locatesSent, successRate: 1 });
}, 120_000);

test('--build joins with no scenario repeats under one seed; multicast on it reaches every member once', async () => {
  const nodes = 40;
  const d = await twice('joins', ['--nodes', String(nodes), '--seed', '9', '--build', 'joins', '--ops', 'route=100,locate=20,multicast=2']);
  expect(d.joinCost.joins).toBe(nodes - 1);
  expect(d.mesh.activeAfterBuild).toBe(1 + d.joinCost.active);
  const m = d.multicast;
  expect(m.sessionCreated).toBe(true);
  expect(m.multicasts).toBe(2);
  expect(m.membersJoined).toBe(m.members);
  expect(m.received).toBe(m.members * 2);
  expect(m.duplicates).toBe(0);
}, 120_000);

test('churn that empties the mesh: an arrival that finds no ACTIVE node starts it anew and later arrivals join it', async () => {
  // Three nodes living 5 s on average against one arrival a second: the first nodes die within
  // seconds, with arrivals still joining. Each arrival used to start an island of its own then.
  const nodes = 3;
  const d = JSON.parse(await sim('churn-empty', ['--nodes', String(nodes), '--seed', '1', '--scenario', 'churn', '--churn-rate', '1', '--churn-lifetime', '5', '--duration', '30', '--ops', 'route=30,locate=0'])).deterministic;
  const s = d.scenario;
  expect(s.arrivalsIntoEmpty).toBeGreaterThan(0);
  expect(s.arrivalsIntoEmpty).toBeLessThanOrEqual(s.arrivals);
  // The mesh grew back: arrivals became ACTIVE, and some are ACTIVE at the end.
  expect(s.arrivalsActive).toBeGreaterThan(0);
  expect(s.liveAtEnd).toBeGreaterThan(0);
  expect(d.mesh.nodes).toBe(nodes + s.arrivals);
  expect(d.mesh.crashed).toBe(s.departures);
  expect(d.mesh.liveAtEnd).toBe(nodes + s.arrivals - s.departures);
  expect(s.liveAtEnd).toBeLessThanOrEqual(d.mesh.liveAtEnd);
}, 120_000);
