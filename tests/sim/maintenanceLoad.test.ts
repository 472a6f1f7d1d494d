/**
 * Maintenance under load (issue 14): 1,000 nodes with createNode's default maintenance (heartbeats,
 * table repair, hop acknowledgements) on a simulated network whose receivers are loaded: each node
 * handles its datagrams one at a time with heavy-tailed service times (a stalled event loop), and
 * every datagram gets a heavy-tailed extra wire delay. Over 10 virtual minutes no live neighbour may
 * be declared failed and every route must arrive; then 20% of the nodes crash and each must be gone
 * from every live table within DETECT_BOUND_MS, with routes back at 100%.
 *
 * The load, per node, is that of an M/G/1 queue with Pareto service (mean 4 ms, capped at 3 s): at
 * today's ~20 datagrams a node a second a node is busy ~8% of the time. Replayed alone with Poisson
 * arrivals at 30 a second, half the datagrams wait under 2 ms, 1 in 1,000 over 2.2 s, the longest
 * 3.3 s; less traffic means shorter queues, so a detector that sends less is also loaded less. A failure detector with fixed timeouts takes such a node for
 * dead; one that measures round trips and counts misses over time must not.
 */
import type { SimLoadOptions } from '../../sim/load';
import { SeededRng } from '../../sim/random';
import type { Testnet } from '../../testing/testnet';
import type { Guid } from '../../routing/guid';
import { routingTableOf } from '../../api/internals';
import { failuresDetected, lists, loadedMesh, RouteProbe } from '../helpers/loadedMesh';

/** Whether `guid` is node i's table primary for its slot, or in its leaf set: what liveness watches first. */
function watchedFirst(net: Testnet, i: number, guid: Guid): boolean {
  const table = routingTableOf(net.nodes[i]);
  const at = table.slotOf(guid);
  if (at && table.primary(at.level, at.digit)?.guid.equals(guid)) return true;
  const leaf = net.nodes[i].leafSet;
  return [...leaf.smaller, ...leaf.larger].some((h) => h.guid.equals(guid));
}

/**
 * With the fixed timeouts the liveness checks replaced (one run, seed 14): 212 false failures over the
 * 10 minutes (2 after the first, 97 after the fifth) though routes stayed 200/200; crashed nodes left
 * every table within 42 s (median 23 s); 10.8 minutes of wall time at ~20 datagrams a node a second.
 * With them: 0 false failures, ~1.5 datagrams a node a second, about 2 minutes of wall time.
 */
const LOAD_FIXED = true;

const N = 1_000;
const SEED = 14;
const ROUTES = 200;
/**
 * The stated bound: a crashed node that was a live node's table primary or leaf-set member is gone
 * from its table within DETECT_BOUND_MS (checked once quiet for heartbeatMs, 30 s, within the
 * maintenance budget, then failureSilenceMs, 8 s, of probes); as a backup only (checked after
 * backupQuietFactor × heartbeatMs of quiet, after the primaries) within BACKUP_BOUND_MS. Measured
 * (seed 14): primaries and leaf-set members median 32 s, p99 50 s, max 57 s; backups median 63 s,
 * p99 135 s, max 142 s.
 */
const DETECT_BOUND_MS = 90_000;
const BACKUP_BOUND_MS = 240_000;
const LOAD: SimLoadOptions = {
  serviceTime: { kind: 'pareto', scaleMs: 1, shape: 1.3, capMs: 3_000 },
  delay: { kind: 'logNormal', medianMs: 2, sigma: 1, capMs: 1_000 },
};

function quantiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] / 1000).toFixed(1);
  return `n ${s.length}, median ${q(0.5)} s, p90 ${q(0.9)} s, p99 ${q(0.99)} s, max ${q(1)} s`;
}

(LOAD_FIXED ? describe : describe.skip)('maintenance under heavy simulated load', () => {
  let net: Testnet;
  let probe: RouteProbe;
  const rng = new SeededRng(SEED).fork('maintenanceLoad');
  const everyone = [...Array(N).keys()];
  let live = everyone;

  beforeAll(async () => {
    net = await loadedMesh(N, SEED, LOAD);
    probe = new RouteProbe(net);
  }, 120_000);
  afterAll(() => net?.close());

  test('10 virtual minutes: no live neighbour declared failed, every route arrives', () => {
    const started = Date.now();
    for (let minute = 1; minute <= 10; minute++) {
      net.run(60_000);
      console.log(`minute ${minute}: failures detected ${failuresDetected(net.nodes)}, datagrams ${net.network.stats.sent}, wall ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const arrived = probe.run(everyone, rng, ROUTES);
    const falseFailures = failuresDetected(net.nodes);
    console.log(`after 10 minutes: false failures ${falseFailures}, routes ${arrived}/${ROUTES}, wall ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(falseFailures).toBe(0);
    expect(arrived).toBe(ROUTES);
  }, 900_000);

  test(`20% crash: each primary or leaf-set member is out of every live table within ${DETECT_BOUND_MS / 1000} s, every backup within ${BACKUP_BOUND_MS / 1000} s, and routes are back at 100%`, async () => {
    const started = Date.now();
    const dead = new Set<number>();
    while (dead.size < N / 5) dead.add(rng.int(N));
    live = everyone.filter((i) => !dead.has(i));
    // (live, dead) pairs where the live node lists the dead one, by live index.
    const pending = new Map<number, number[]>();
    /** `${live}:${dead}` for the pairs where the dead node was a primary or leaf-set member. */
    const first = new Set<string>();
    for (const i of live) {
      const listed = [...dead].filter((d) => lists(net, i, net.nodes[d].guid));
      if (listed.length > 0) pending.set(i, listed);
      for (const d of listed) if (watchedFirst(net, i, net.nodes[d].guid)) first.add(`${i}:${d}`);
    }
    const crashedAt = net.now;
    for (const d of dead) {
      net.network.setDown(d, true);
      await net.nodes[d].close();
    }
    const detection: number[] = [];
    const backupDetection: number[] = [];
    let firstMissed = 0;
    while (pending.size > 0 && net.now - crashedAt < BACKUP_BOUND_MS) {
      net.run(1_000);
      for (const [i, listed] of pending) {
        const still = listed.filter((d) => lists(net, i, net.nodes[d].guid));
        for (const d of listed) if (!still.includes(d)) (first.has(`${i}:${d}`) ? detection : backupDetection).push(net.now - crashedAt);
        if (still.length === 0) pending.delete(i);
        else pending.set(i, still);
      }
      if (net.now - crashedAt === DETECT_BOUND_MS) {
        for (const [i, still] of pending) firstMissed += still.filter((d) => first.has(`${i}:${d}`)).length;
      }
    }
    const missed = [...pending.values()].reduce((s, l) => s + l.length, 0);
    console.log(`detection of crashed primaries and leaf-set members: ${quantiles(detection)}; still listed after ${DETECT_BOUND_MS / 1000} s: ${firstMissed}`);
    console.log(`detection of crashed backups: ${quantiles(backupDetection)}; still listed after ${BACKUP_BOUND_MS / 1000} s: ${missed}`);
    const arrived = probe.run(live, rng, ROUTES);
    console.log(`after the crash: routes ${arrived}/${ROUTES}, wall ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(first.size).toBeGreaterThan(1_000);
    expect(firstMissed).toBe(0);
    expect(missed).toBe(0);
    expect(arrived).toBe(ROUTES);
  }, 900_000);
});
