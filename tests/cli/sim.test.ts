/**
 * `tapestry sim` run as a user runs it: a child process (the TypeScript source through tsx, so the
 * test does not depend on a stale dist/), small meshes. The report is checked against oracles of
 * its own making: the hop histogram sums to the routes delivered and its weighted sum to the
 * datagrams the routes put on the wire (a frozen static mesh sends one datagram per hop), delivered
 * never exceeds sent, success buckets add up to the operations sent. The plots must parse as XML
 * with an <svg> root; two runs with one seed must write the same deterministic part, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { getHeapStatistics } from 'node:v8';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { deterministicText, reportText, ROOT, scratchFolder, simSync as sim, sum } from '../helpers/simCli';

const scratch = scratchFolder('sim-test');

interface Report {
  deterministic: any;
  runtime: { wallMs: number; peakRssMb: number };
}

function readReport(dir: string): { report: Report; text: string } {
  const text = reportText(dir);
  return { report: JSON.parse(text) as Report, text };
}

function expectSvg(dir: string, name: string): void {
  const xml = readFileSync(path.join(dir, `${name}.svg`), 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
  expect(Object.keys(doc)).toContain('svg');
  // A real plot: vega draws marks into groups, not an empty canvas.
  expect(xml).toMatch(/class="mark-/);
}


test('a small static run writes report.json and well-formed SVG plots; the same seed writes the same deterministic part', () => {
  const a = path.join(scratch, 'a');
  const b = path.join(scratch, 'b');
  const args = ['--nodes', '200', '--ops', 'route=200,locate=50', '--seed', '7', '--quiet'];
  const ra = sim([...args, '--out', a]);
  expect(ra).toMatchObject({ status: 0, stdout: '', stderr: '' });
  const { report, text } = readReport(a);
  const d = report.deterministic;
  expect(d.options).toMatchObject({ nodes: 200, seed: 7, build: 'static', scenario: 'none', ops: { route: 200, locate: 50, multicast: 0 } });

  const routes = d.routes;
  expect(routes.sent).toBe(200);
  expect(routes.delivered).toBeLessThanOrEqual(routes.sent);
  const hist = Object.entries(routes.hops.histogram as Record<string, number>).map(([h, c]) => [Number(h), c]);
  expect(sum(hist.map(([, c]) => c))).toBe(routes.delivered);
  expect(routes.hops.mean).toBeCloseTo(sum(hist.map(([h, c]) => h * c)) / routes.delivered, 3);
  // Frozen static mesh, exact routes, no acknowledgements: one datagram per hop, nothing else.
  expect(d.traffic.routes.datagrams).toBe(sum(hist.map(([h, c]) => h * c)));
  // RDP: a CDF that climbs to 1, its median inside it.
  const cdf = routes.rdp.cdf as Array<{ rdp: number; share: number }>;
  for (let i = 1; i < cdf.length; i++) {
    expect(cdf[i].rdp).toBeGreaterThanOrEqual(cdf[i - 1].rdp);
    expect(cdf[i].share).toBeGreaterThan(cdf[i - 1].share);
  }
  expect(cdf[cdf.length - 1].share).toBe(1);
  expect(routes.rdp.median).toBeGreaterThanOrEqual(cdf[0].rdp);
  expect(routes.rdp.median).toBeLessThanOrEqual(routes.rdp.p90);
  expect(d.locates.found).toBeLessThanOrEqual(d.locates.sent);
  expect(d.locates.sent).toBe(50);
  expect(report.runtime.wallMs).toBeGreaterThan(0);
  expect(report.runtime.peakRssMb).toBeGreaterThan(0);
  expectSvg(a, 'hops');
  expectSvg(a, 'rdp-cdf');

  expect(sim([...args, '--out', b]).status).toBe(0);
  const again = readReport(b);
  expect(deterministicText(again.text)).toBe(deterministicText(text));
  expect(deterministicText(text).length).toBeGreaterThan(1_000);
}, 60_000);

test('a failure scenario reports success over time, bucket by bucket', () => {
  const out = path.join(scratch, 'failure');
  const r = sim(['--nodes', '150', '--scenario', 'failure', '--failure-share', '0.2', '--duration', '20', '--ops', 'route=240,locate=24', '--quiet', '--out', out]);
  expect(r.status).toBe(0);
  const d = readReport(out).report.deterministic;
  const s = d.scenario;
  expect(s.kind).toBe('failure');
  expect(s.failedNodes).toBe(30);
  expect(d.mesh.crashed).toBe(30);
  expect(s.failedAtS).toBe(5);
  const buckets = s.successOverTime as Array<{ routesSent: number; routesOk: number; locatesSent: number; locatesOk: number; successRate: number; fromS: number; toS: number }>;
  expect(buckets.length).toBeGreaterThan(1);
  expect(buckets[buckets.length - 1].toS).toBe(20);
  expect(sum(buckets.map((b) => b.routesSent))).toBe(d.routes.sent);
  expect(sum(buckets.map((b) => b.routesOk))).toBe(d.routes.delivered);
  expect(sum(buckets.map((b) => b.locatesSent))).toBe(d.locates.sent);
  for (const b of buckets) {
    expect(b.routesOk).toBeLessThanOrEqual(b.routesSent);
    expect(b.locatesOk).toBeLessThanOrEqual(b.locatesSent);
    expect(b.successRate).toBeGreaterThanOrEqual(0);
    expect(b.successRate).toBeLessThanOrEqual(1);
  }
  expect(d.routes.sent).toBe(240);
  expectSvg(out, 'success-over-time');
}, 60_000);

test('--build joins on a small mesh: join cost per join and by mesh size, every member gets every multicast once; progress lines on a pipe', () => {
  const out = path.join(scratch, 'joins');
  const r = sim(['--nodes', '60', '--build', 'joins', '--ops', 'route=100,locate=20,multicast=2', '--out', out]);
  expect(r.status).toBe(0);
  // stderr is a pipe here: plain progress lines, no terminal control codes.
  expect(r.stderr).toMatch(/^sim: joins 100% \(60\/60/m);
  expect(r.stderr).not.toMatch(/\u001b\[/);
  expect(r.stdout).toContain('report.json');
  const d = readReport(out).report.deterministic;
  const j = d.joinCost;
  expect(j.joins).toBe(59);
  expect(j.active).toBeLessThanOrEqual(j.joins);
  expect(sum(j.byMeshSize.map((bin: { joins: number }) => bin.joins))).toBe(59);
  expect(j.datagramsPerJoin.mean).toBeGreaterThan(0);
  expect(d.mesh.nodes).toBe(60);
  const m = d.multicast;
  expect(m.multicasts).toBe(2);
  expect(m.expectedCopies).toBe(m.membersJoined * 2);
  // Nothing fails and maintenance is off: every member that joined gets each multicast exactly once.
  expect(m.membersJoined).toBe(m.members);
  expect(m.received).toBe(m.members * 2);
  expect(m.duplicates).toBe(0);
  expectSvg(out, 'join-cost');
  expectSvg(out, 'hops');
}, 60_000);

test.each([
  ['an unknown option', ['--bogus']],
  ['nodes out of range', ['--nodes', '0']],
  ['nodes past the limit', ['--nodes', '100001']],
  ['bad --ops syntax', ['--ops', 'route:5']],
  ['an unknown operation', ['--ops', 'route=5,fly=2']],
  ['a bad topology', ['--topology', 'torus']],
  ['a failure share of 1', ['--failure-share', '1']],
])('%s: one line on stderr, a non-zero exit, no stack trace', (_name, args) => {
  const r = sim([...args, '--quiet', '--out', path.join(scratch, 'never')]);
  expect(r.status).not.toBe(0);
  expect(r.status).not.toBeNull();
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/^\s+at /);
  expect(r.stdout).toBe('');
}, 30_000);

describe('the heap a sim run gets through bin/tapestry.cjs', () => {
  // A 100,000-node mesh needs more than Node's default old-space limit (about 4 GB on any machine).
  function viaBin(args: string[], nodeOptions?: string) {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
    return spawnSync(process.execPath, ['bin/tapestry.cjs', 'sim', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env });
  }
  const heapLimit = (dir: string) => (readReport(dir).report.runtime as unknown as { heapLimitMb: number }).heapLimitMb;

  test('is raised to three quarters of the machine unless the user set a limit; exit codes pass through', () => {
    const raised = path.join(scratch, 'heap-raised');
    const r = viaBin(['--nodes', '20', '--ops', 'route=5,locate=0', '--quiet', '--out', raised]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const machine = Math.floor((os.totalmem() * 0.75) / 2 ** 20);
    const defaultLimit = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
    // heap_size_limit is the old-space limit plus the young generation (tens of MB).
    expect(heapLimit(raised)).toBeGreaterThanOrEqual(Math.max(machine, defaultLimit));
    expect(heapLimit(raised)).toBeLessThan(Math.max(machine, defaultLimit) + 256);

    const own = path.join(scratch, 'heap-own');
    expect(viaBin(['--nodes', '20', '--ops', 'route=5,locate=0', '--quiet', '--out', own], '--max-old-space-size=1500').status).toBe(0);
    expect(heapLimit(own)).toBeGreaterThanOrEqual(1500);
    expect(heapLimit(own)).toBeLessThan(1500 + 256);

    const bad = viaBin(['--nodes', '0', '--out', path.join(scratch, 'heap-bad')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
