/**
 * Failure detection that load cannot fool: round-trip estimates (RFC 6298, against the formula
 * recomputed here), stall accounting (against a brute-force sum), the maintenance budget, and the
 * liveness rules — a neighbour that answers is never dropped whatever the stalls, a silent one is
 * dropped only after failureProbes probes and failureSilenceMs of running time, within a bound.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { PeerHealth } from '../../routing/peerHealth';
import { MaintenanceBudget } from '../../membership/budget';
import { Liveness, type LivenessStats } from '../../membership/liveness';
import { StallWatch } from '../../membership/stallWatch';
import { SeededRng } from '../../sim/random';

const node = (i: number): NodeHandle => ({ guid: Guid.fromName(`n${i}`), address: { family: 4, ip: Uint8Array.of(10, 0, 0, i), port: 4000 + i } });
const clamp = (x: number) => Math.min(DEFAULTS.rtoMaxMs, Math.max(DEFAULTS.rtoMinMs, x));

describe('PeerHealth', () => {
  test('the RTO follows RFC 6298 for any sample sequence, within its floor and ceiling', () => {
    const rng = new SeededRng(1);
    for (let trial = 0; trial < 200; trial++) {
      const h = new PeerHealth(16);
      let srtt: number | undefined;
      let rttvar = 0;
      const n = 1 + rng.int(30);
      for (let i = 0; i < n; i++) {
        const r = rng.next() < 0.1 ? rng.int(20_000) : rng.int(400);
        h.sample('k', r, i);
        if (srtt === undefined) {
          srtt = r;
          rttvar = r / 2;
        } else {
          rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - r);
          srtt = 0.875 * srtt + 0.125 * r;
        }
      }
      expect(h.rto('k', 1)).toBeCloseTo(clamp(srtt! + Math.max(DEFAULTS.rtoMinVarianceMs, 4 * rttvar)), 6);
      expect(h.lastHeard('k')).toBe(n - 1);
    }
    // Unmeasured: the fallback, clamped.
    expect(new PeerHealth().rto('x', 1)).toBe(DEFAULTS.rtoMinMs);
    expect(new PeerHealth().rto('x', 1e9)).toBe(DEFAULTS.rtoMaxMs);
  });

  test('only tracked peers are heard, and the least recently heard is forgotten at the bound', () => {
    const h = new PeerHealth(3);
    h.heard('stranger', 5);
    expect(h.lastHeard('stranger')).toBeUndefined();
    h.track('a', 0);
    h.track('b', 0);
    h.track('c', 0);
    h.heard('a', 10); // a is now the most recently heard
    h.track('d', 11); // evicts b, the least recently heard
    expect(['a', 'b', 'c', 'd'].map((k) => h.lastHeard(k))).toEqual([10, undefined, 0, 11]);
    expect(h.size).toBe(3);
  });
});

test('StallWatch sums the stalled time in any window as a brute-force count does', () => {
  const rng = new SeededRng(2);
  const w = new StallWatch(100);
  const stalled = new Set<number>();
  let t = 0;
  for (let i = 0; i < 40; i++) {
    t += 50 + rng.int(2_000);
    const lag = rng.int(1_500);
    w.ran(t, t + lag);
    if (lag > 100) for (let ms = t; ms < t + lag; ms++) stalled.add(ms);
    t += lag;
  }
  for (let q = 0; q < 200; q++) {
    const a = rng.int(t);
    const b = a + rng.int(t - a + 1);
    let brute = 0;
    for (let ms = a; ms < b; ms++) if (stalled.has(ms)) brute++;
    expect(w.stalledWithin(a, b)).toBe(brute);
  }
});

test('the budget starts no more than its rate and burst allow, and forced work delays optional work', () => {
  const b = new MaintenanceBudget(2, 4);
  let taken = 0;
  for (let t = 0; t <= 10_000; t += 100) while (b.take(t)) taken++;
  expect(taken).toBe(4 + 2 * 10);
  const c = new MaintenanceBudget(1, 2);
  c.force(0);
  c.force(0);
  c.force(0);
  // 2 - 3 = -1 tokens: two seconds of refill before the next optional datagram.
  expect(c.take(1_000)).toBe(false);
  expect(c.take(2_000)).toBe(true);
});

/** A node watching `n` neighbours; `answers(i, now)` says whether neighbour i answers a probe sent at `now`, and how late. */
function run(opts: { n: number; deadAt?: Map<number, number>; stall?: (now: number) => number; delay?: (i: number) => number; until: number; budget?: number; heartbeatMs?: number }) {
  const neighbours = Array.from({ length: opts.n }, (_, i) => node(i + 1));
  const health = new PeerHealth();
  const stalls = new StallWatch();
  const stats: LivenessStats = { livenessChecks: 0, livenessProbes: 0, missesDiscounted: 0, checksAnswered: 0, probesRefused: 0 };
  const failed = new Map<string, number>();
  const probes = new Map<string, number[]>();
  /** Pongs on their way: [arrival, key]. */
  let inFlight: Array<[number, string]> = [];
  let now = 0;
  const index = (n: NodeHandle) => neighbours.indexOf(n);
  const live = new Liveness({
    health,
    watched: () => ({ first: neighbours.filter((n) => !failed.has(n.guid.hex)), backups: [] }),
    probe: (n) => {
      (probes.get(n.guid.hex) ?? probes.set(n.guid.hex, []).get(n.guid.hex)!).push(now);
      const dead = opts.deadAt?.get(index(n));
      if (dead === undefined || now < dead) inFlight.push([now + (opts.delay?.(index(n)) ?? 20), n.guid.hex]);
    },
    isNeighbour: (n) => !failed.has(n.guid.hex),
    failed: (n) => void failed.set(n.guid.hex, now),
  }, new MaintenanceBudget(opts.budget ?? 0.75, 8), stalls, stats, opts.heartbeatMs ?? DEFAULTS.heartbeatMs);
  let dueAt: number | undefined;
  while (now < opts.until) {
    // The tick is due in a second; a stall makes it (and everything) run late.
    const due = now + 1_000;
    const lag = opts.stall?.(due) ?? 0;
    // Pongs that arrived before the stall began are read; those during it wait until it ends.
    for (const [at, key] of inFlight) if (at <= due) health.sample(key, 1, Math.max(at, 0));
    inFlight = inFlight.filter(([at]) => at > due);
    now = due + lag;
    if (dueAt !== undefined) stalls.ran(dueAt, now);
    live.tick(now);
    dueAt = now + 1_000;
  }
  return { failed, probes, stats, neighbours, stalls };
}

test('neighbours that answer are never dropped, whatever this node\'s stalls and however slow their answers', () => {
  const rng = new SeededRng(3);
  for (let trial = 0; trial < 10; trial++) {
    const stallRng = new SeededRng(100 + trial);
    const { failed, stats, stalls } = run({
      n: 40,
      until: 20 * 60_000,
      // One tick in ten runs 0.5–6 s late: the node's event loop was busy.
      stall: () => (stallRng.next() < 0.1 ? 500 + stallRng.int(5_500) : 0),
      // Answers take up to 3 s (a loaded peer), each neighbour its own.
      delay: (i) => 20 + ((i * 7919 + trial * 31) % 3_000),
    });
    expect(failed.size).toBe(0);
    expect(stats.livenessChecks).toBeGreaterThan(0);
    expect(stalls.noticed).toBeGreaterThan(0);
    void rng;
  }
});

test('a silent neighbour is dropped only after failureProbes probes and failureSilenceMs, and within a bound', () => {
  const deadAt = new Map([[3, 60_000], [17, 61_000], [30, 200_000]]);
  const { failed, probes, neighbours } = run({ n: 40, deadAt, until: 600_000 });
  expect([...failed.keys()].sort()).toEqual([3, 17, 30].map((i) => neighbours[i].guid.hex).sort());
  for (const [i, died] of deadAt) {
    const key = neighbours[i].guid.hex;
    const at = failed.get(key)!;
    const after = probes.get(key)!.filter((t) => t >= died);
    expect(after.length).toBeGreaterThanOrEqual(DEFAULTS.failureProbes);
    // The first probe that went unanswered started the silence: at least failureSilenceMs before the drop.
    expect(at - after[0]).toBeGreaterThanOrEqual(DEFAULTS.failureSilenceMs);
    // The bound: every watched neighbour is checked within n / budget seconds (here above heartbeatMs), then the silence.
    const bound = Math.max(DEFAULTS.heartbeatMs, (40 / 0.75) * 1_000) + DEFAULTS.failureSilenceMs + 2 * DEFAULTS.rtoMaxMs;
    expect(at - died).toBeLessThanOrEqual(bound);
  }
});

test('checks of quiet neighbours keep within the budget', () => {
  const { probes, stats } = run({ n: 200, until: 300_000, budget: 0.5, heartbeatMs: 1_000 });
  const total = [...probes.values()].reduce((s, p) => s + p.length, 0);
  expect(stats.livenessChecks).toBe(total);
  expect(total).toBeLessThanOrEqual(8 + 0.5 * 300);
  expect(total).toBeGreaterThanOrEqual(0.5 * 300 - 2);
});
