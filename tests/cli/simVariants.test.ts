/**
 * `tapestry sim --topology transit-stub`, `--security signed` and the multicast operation, on small
 * frozen static meshes (scenario none), each against the plane run with the same seed and options.
 * Oracles:
 * - a frozen static mesh delivers: every route, every locate, every multicast copy to every member
 *   exactly once (members × multicasts copies, no duplicate);
 * - on a transit-stub topology latencies are shortest paths through a router graph, so no overlay
 *   path beats the direct one: every RDP (route, locate, multicast) is at least 1, up to the
 *   report's rounding. (On the plane a per-link jitter breaks the triangle inequality, so there RDP
 *   can dip below 1 and is not checked so.)
 * - the options reach the run: the transit-stub report differs from the plane one in its RDP, the
 *   signed one carries signatures (its publish datagrams are larger by at least one signature).
 */
import path from 'node:path';
import { reportText, scratchFolder, simSync, sum } from '../helpers/simCli';

const scratch = scratchFolder('sim-variants');

/** Runs `tapestry sim … --quiet --out scratch/name`; a run must exit 0 and print nothing. Returns the deterministic part. */
function sim(name: string, args: string[]): any {
  const out = path.join(scratch, name);
  expect(simSync([...args, '--quiet', '--out', out])).toEqual({ status: 0, stdout: '', stderr: '' });
  return JSON.parse(reportText(out)).deterministic;
}

const NODES = 120;
const MULTICASTS = 3;
const COMMON = ['--nodes', String(NODES), '--seed', '11', '--ops', `route=200,locate=30,multicast=${MULTICASTS}`];

/** The plane run every variant is compared with: run once, on first use. */
let planeReport: any;
const plane = () => (planeReport ??= sim('plane', COMMON));


/** Everything a frozen static mesh with nothing failing must deliver. */
function checkDelivers(d: any): void {
  expect(d.mesh).toMatchObject({ nodes: NODES, crashed: 0, liveAtEnd: NODES, activeAfterBuild: NODES });
  expect(d.routes.sent).toBe(200);
  expect(d.routes.delivered).toBe(200);
  expect(d.locates.sent).toBe(30);
  expect(d.locates.found).toBe(30);
  const hist = Object.entries(d.routes.hops.histogram as Record<string, number>).map(([h, c]) => [Number(h), c]);
  expect(sum(hist.map(([, c]) => c))).toBe(200);
  // Frozen: one datagram per route hop and nothing else.
  expect(d.traffic.routes.datagrams).toBe(sum(hist.map(([h, c]) => h * c)));
  expect(d.network.dropped).toEqual({});

  const m = d.multicast;
  expect(m.sessionCreated).toBe(true);
  expect(m.multicasts).toBe(MULTICASTS);
  // A tenth of the live nodes join the session.
  expect(m.members).toBe(NODES / 10);
  expect(m.membersJoined).toBe(m.members);
  expect(m.expectedCopies).toBe(m.members * MULTICASTS);
  expect(m.received).toBe(m.members * MULTICASTS);
  expect(m.duplicates).toBe(0);
  expect(m.deliveryShare).toBe(1);
  // One RDP per copy received; each copy reached its member over at least one datagram of its own.
  expect(m.rdp.count).toBe(m.received);
  expect(m.multicastTraffic.datagrams).toBeGreaterThanOrEqual(m.received);
}

/** The smallest RDP of a report's distribution: its CDF's first point. */
const minRdp = (figures: { count: number; cdf: Array<{ rdp: number }> }) => {
  expect(figures.count).toBeGreaterThan(0);
  return figures.cdf[0].rdp;
};

test('multicast on a frozen static mesh: every member receives every multicast exactly once; routes and locates all succeed', () => {
  checkDelivers(plane());
}, 120_000);

test('--topology transit-stub: everything delivers, no RDP below 1, and the report is not the plane one', () => {
  const d = sim('transit-stub', [...COMMON, '--topology', 'transit-stub']);
  expect(d.options.topology).toBe('transit-stub');
  checkDelivers(d);
  // A delivery cannot beat the direct latency (figures are rounded to 4 digits).
  expect(minRdp(d.routes.rdp)).toBeGreaterThanOrEqual(0.9999);
  expect(minRdp(d.locates.rdp)).toBeGreaterThanOrEqual(0.9999);
  expect(minRdp(d.multicast.rdp)).toBeGreaterThanOrEqual(0.9999);
  // The same seed and operations on the plane: the latencies, hence the RDP figures, differ.
  const p = plane();
  expect(p.options.topology).toBe('plane');
  expect(d.routes.rdp).not.toEqual(p.routes.rdp);
  expect(d.multicast.rdp).not.toEqual(p.multicast.rdp);
  expect(d.network.virtualMsAtEnd).toBeGreaterThan(0);
}, 120_000);

test('--security signed: everything delivers, and publishes carry signatures the plane run has not', () => {
  const d = sim('signed', [...COMMON, '--security', 'signed']);
  expect(d.options.security).toBe('signed');
  checkDelivers(d);
  const p = plane();
  expect(p.options.security).toBe('none');
  const perDatagram = (t: { bytes: number; datagrams: number }) => t.bytes / t.datagrams;
  expect(d.traffic.publishes.datagrams).toBeGreaterThan(0);
  // An ed25519 signature is 64 bytes: every signed publish datagram carries one the unsigned run's lack.
  expect(perDatagram(d.traffic.publishes)).toBeGreaterThanOrEqual(perDatagram(p.traffic.publishes) + 64);
}, 120_000);
