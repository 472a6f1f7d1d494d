/**
 * The simulator's load model: delay distributions against their closed forms, determinism of a
 * loaded run, and the per-endpoint service queue against a brute-force replay.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { sampleDelay, type DelayDistribution } from '../../sim/delayDistribution';
import { SeededRng } from '../../sim/random';
import type { LatencyModel } from '../../transport/latency';
import { SimNetwork, type SimNetworkOptions, type SimTransport } from '../../transport/simNetwork';

/** Latencies the test can predict: |a - b| + 0.5 ms. */
const lineModel: LatencyModel = { latency: (a, b) => (a === b ? 0 : Math.abs(a - b) + 0.5) };

/** Standard normal quantiles z_p (tabulated, not computed): Φ(z_p) = p. */
const NORMAL_Z: Array<[number, number]> = [
  [0.01, -2.326347874],
  [0.1587, -0.999815],
  [0.5, 0],
  [0.8413, 0.999815],
  [0.95, 1.644853627],
  [0.99, 2.326347874],
];

/** The p-quantile of each distribution from its textbook formula (before the cap). */
function formulaQuantile(d: DelayDistribution, p: number): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'exponential':
      return -d.meanMs * Math.log(1 - p);
    case 'pareto':
      return d.scaleMs * Math.pow(1 - p, -1 / d.shape);
    case 'logNormal':
      return d.medianMs * Math.exp(d.sigma * NORMAL_Z.find(([q]) => q === p)![1]);
  }
}

const PROBS = NORMAL_Z.map(([p]) => p);
const SAMPLES = 20_000;
/** Dvoretzky–Kiefer–Wolfowitz: sup |F_n − F| ≤ ε with probability ≥ 1 − 2·exp(−2nε²) (here 1 − 2·10⁻⁹). */
const DKW_EPS = Math.sqrt(Math.log(2 / 2e-9) / (2 * SAMPLES));

const distributions = fc.oneof(
  fc.record({ kind: fc.constant('exponential' as const), meanMs: fc.double({ min: 0.1, max: 500, noNaN: true }) }),
  fc.record({ kind: fc.constant('pareto' as const), scaleMs: fc.double({ min: 0.1, max: 50, noNaN: true }), shape: fc.double({ min: 0.6, max: 4, noNaN: true }) }),
  fc.record({ kind: fc.constant('logNormal' as const), medianMs: fc.double({ min: 0.1, max: 200, noNaN: true }), sigma: fc.double({ min: 0.1, max: 2.5, noNaN: true }) }),
);

describe('delay distributions', () => {
  it('empirical quantiles match the closed forms, over seeds and parameters (DKW bound)', () => {
    fc.assert(
      fc.property(distributions, fc.integer(), (d, seed) => {
        const rng = new SeededRng(seed);
        const xs = Array.from({ length: SAMPLES }, () => sampleDelay(d, rng));
        for (const p of PROBS) {
          const q = formulaQuantile(d, p);
          // Only quantiles below the default cap are untouched by it.
          if (q >= DEFAULTS.simMaxLoadDelayMs) continue;
          const below = xs.filter((x) => x <= q).length / SAMPLES;
          if (Math.abs(below - p) > DKW_EPS) throw new Error(`${JSON.stringify(d)} seed ${seed}: F(${q}) = ${below}, want ${p}`);
        }
        return xs.every((x) => x >= 0 && x <= DEFAULTS.simMaxLoadDelayMs);
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  it('a cap takes the tail: no draw above it, and the share at it is the tail probability', () => {
    const d: DelayDistribution = { kind: 'pareto', scaleMs: 1, shape: 1, capMs: 20 };
    const rng = new SeededRng(3);
    const xs = Array.from({ length: SAMPLES }, () => sampleDelay(d, rng));
    expect(Math.max(...xs)).toBe(20);
    // P(X ≥ 20) = (1 / 20)^1 = 0.05.
    expect(Math.abs(xs.filter((x) => x === 20).length / SAMPLES - 0.05)).toBeLessThan(DKW_EPS);
    expect(sampleDelay({ kind: 'fixed', ms: 7 }, rng)).toBe(7);
  });

  it('rejects bad parameters', () => {
    const bad: unknown[] = [
      { kind: 'pareto', scaleMs: 0, shape: 1 },
      { kind: 'pareto', scaleMs: 1, shape: -1 },
      { kind: 'logNormal', medianMs: 1, sigma: NaN },
      { kind: 'exponential', meanMs: 1, capMs: DEFAULTS.simMaxLoadDelayMs + 1 },
      { kind: 'fixed', ms: -1 },
      { kind: 'uniform', ms: 1 },
    ];
    for (const delay of bad) {
      expect(() => new SimNetwork({ seed: 1, load: { delay: delay as DelayDistribution } })).toThrow(InvalidArgumentError);
      expect(() => new SimNetwork({ seed: 1, load: { serviceTime: delay as DelayDistribution } })).toThrow(InvalidArgumentError);
    }
    expect(() => new SimNetwork({ seed: 1, load: { maxQueued: 0 } })).toThrow(InvalidArgumentError);
    expect(() => new SimNetwork({ seed: 1, load: { maxQueued: DEFAULTS.simMaxServiceQueue + 1 } })).toThrow(InvalidArgumentError);
  });
});

interface Sent {
  id: number;
  from: number;
  to: number;
  /** Send time (ms). */
  at: number;
}

/** A traffic pattern on `n` endpoints: sends at random times (timers), random pairs, ids in send order. */
function traffic(seed: number, n: number, count: number): Sent[] {
  const rng = new SeededRng(seed);
  const out: Sent[] = [];
  for (let id = 0; id < count; id++) {
    const from = rng.int(n);
    let to = rng.int(n - 1);
    if (to >= from) to++;
    out.push({ id, from, to, at: rng.int(40) * 0.5 });
  }
  return out;
}

/** The order the datagrams are really sent in: by send time, then id (timers at equal times keep insertion order). */
function inSendOrder(sends: Sent[]): Sent[] {
  return [...sends].sort((x, y) => x.at - y.at || x.id - y.id);
}

/** Runs the traffic; returns each datagram's delivery time by id (undefined: not delivered). */
function deliveryTimes(opts: SimNetworkOptions, n: number, sends: Sent[]): Array<number | undefined> {
  const net = new SimNetwork(opts);
  const ts: SimTransport[] = Array.from({ length: n }, () => net.createTransport());
  const got: Array<number | undefined> = new Array(sends.length).fill(undefined);
  for (const t of ts) t.onReceive((bytes) => (got[bytes[0] | (bytes[1] << 8)] = net.now));
  // Timers at equal times fire in insertion (id) order.
  for (const s of sends) net.clock.setTimeout(() => ts[s.from].send(ts[s.to].local, new Uint8Array([s.id & 0xff, s.id >> 8])), s.at);
  net.runUntilIdle();
  return got;
}

describe('SimNetwork load model', () => {
  const n = 6;
  const sends = traffic(9, n, 400);

  it('is off by default: every datagram takes exactly the latency model', () => {
    const got = deliveryTimes({ seed: 5, latency: lineModel }, n, sends);
    expect(got).toEqual(sends.map((s) => s.at + lineModel.latency(s.from, s.to)));
  });

  it('repeats exactly with the same seed, and differs with another', () => {
    const load = { delay: { kind: 'logNormal', medianMs: 3, sigma: 1.5 }, serviceTime: { kind: 'pareto', scaleMs: 0.2, shape: 1.2, capMs: 50 } } as const;
    const a = deliveryTimes({ seed: 5, latency: lineModel, load }, n, sends);
    const b = deliveryTimes({ seed: 5, latency: lineModel, load }, n, sends);
    const c = deliveryTimes({ seed: 6, latency: lineModel, load }, n, sends);
    expect(a.every((t) => t !== undefined)).toBe(true);
    expect(b).toEqual(a);
    expect(c.filter((t, i) => t === a[i]).length).toBeLessThan(sends.length / 10);
  });

  it('adds one delay draw per datagram, in send order, to the latency; loss draws are not shifted', () => {
    const delay: DelayDistribution = { kind: 'pareto', scaleMs: 1, shape: 1.5, capMs: 100 };
    const got = deliveryTimes({ seed: 8, latency: lineModel, load: { delay } }, n, sends);
    const rng = new SeededRng(8).fork('loadDelay');
    const want: number[] = [];
    for (const s of inSendOrder(sends)) want[s.id] = s.at + (lineModel.latency(s.from, s.to) + sampleDelay(delay, rng));
    expect(got).toEqual(want);
    // With loss, the same datagrams are lost whether or not delays are drawn.
    const lost = (load?: SimNetworkOptions['load']) =>
      deliveryTimes({ seed: 8, latency: lineModel, lossRate: 0.3, load }, n, sends).map((t) => t === undefined);
    expect(lost({ delay })).toEqual(lost());
  });

  it('a receiver serves back-to-back datagrams one at a time: the k-th is late by the sum of k service times', () => {
    const net = new SimNetwork({ seed: 1, latency: lineModel, load: { serviceTime: { kind: 'fixed', ms: 3 } } });
    const [a, b] = [net.createTransport(), net.createTransport()];
    const at: number[] = [];
    b.onReceive(() => at.push(net.now));
    for (let k = 0; k < 5; k++) a.send(b.local, new Uint8Array([k]));
    net.runUntilIdle();
    expect(at).toEqual([1, 2, 3, 4, 5].map((k) => 1.5 + 3 * k));
  });

  it('service queues match a brute-force replay (random senders, times and service draws)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 500 }), (seed, count) => {
        const service: DelayDistribution = { kind: 'exponential', meanMs: 2 };
        const pattern = traffic(seed, n, count);
        const got = deliveryTimes({ seed, latency: lineModel, load: { serviceTime: service } }, n, pattern);
        // Replay: datagrams reach their receiver in (arrival time, send order); each receiver serves
        // them in that order, starting each when it is free, one service draw per arrival.
        const arrivals = inSendOrder(pattern).map((s, order) => ({ s, order, t: s.at + lineModel.latency(s.from, s.to) }));
        arrivals.sort((x, y) => x.t - y.t || x.order - y.order);
        const rng = new SeededRng(seed).fork('loadService');
        const free = new Array(n).fill(0);
        const want: number[] = new Array(count);
        for (const { s, t } of arrivals) {
          free[s.to] = Math.max(free[s.to], t) + sampleDelay(service, rng);
          want[s.id] = free[s.to];
        }
        return got.every((g, i) => g !== undefined && Math.abs(g - want[i]) < 1e-9);
      }),
      { numRuns: 60, seed: 41 },
    );
  });

  it('a full service queue drops arrivals as serviceQueueFull; a down receiver drops them as down', () => {
    const net = new SimNetwork({ seed: 1, latency: lineModel, load: { serviceTime: { kind: 'fixed', ms: 10 }, maxQueued: 2 } });
    const [a, b, c] = [net.createTransport(), net.createTransport(), net.createTransport()];
    let got = 0;
    b.onReceive(() => got++);
    for (let k = 0; k < 5; k++) a.send(b.local, new Uint8Array([k]));
    net.runUntilIdle();
    expect(got).toBe(2);
    expect(b.stats.dropped).toEqual({ serviceQueueFull: 3 });
    // Once served, the queue takes datagrams again.
    a.send(b.local, new Uint8Array([9]));
    net.run(net.now + 1);
    net.setDown(2, true);
    a.send(c.local, new Uint8Array([9]));
    net.runUntilIdle();
    expect(got).toBe(3);
    expect(net.stats.dropped).toEqual({ serviceQueueFull: 3, down: 1 });
  });
});
