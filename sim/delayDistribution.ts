/**
 * Delay distributions of the simulator's load model (sim/load.ts): how long a datagram lingers on
 * its way or in a busy receiver. Heavy-tailed ones (Pareto, log-normal) are how a loaded host looks
 * from outside: most datagrams are quick, a few wait for a stalled event loop or a GC pause.
 * Every draw takes its randomness from the seeded source it is given, so a run repeats exactly.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { Rng } from '../routing/rng';

/** Always the same delay. */
export interface FixedDelay {
  /** Which distribution. */
  readonly kind: 'fixed';
  /** The delay (ms). */
  readonly ms: number;
}

/** Exponential: P(X > x) = exp(-x / meanMs). */
export interface ExponentialDelay {
  /** Which distribution. */
  readonly kind: 'exponential';
  /** The mean (ms). */
  readonly meanMs: number;
  /** Largest draw (ms); default and largest accepted DEFAULTS.simMaxLoadDelayMs. */
  readonly capMs?: number;
}

/** Pareto (type I): P(X > x) = (scaleMs / x)^shape for x ≥ scaleMs. */
export interface ParetoDelay {
  /** Which distribution. */
  readonly kind: 'pareto';
  /** The least value (ms). */
  readonly scaleMs: number;
  /** The tail index α: the smaller, the heavier the tail (≤ 1: infinite mean, bounded by the cap). */
  readonly shape: number;
  /** Largest draw (ms); default and largest accepted DEFAULTS.simMaxLoadDelayMs. */
  readonly capMs?: number;
}

/** Log-normal: ln X is normal with mean ln(medianMs) and standard deviation `sigma`. */
export interface LogNormalDelay {
  /** Which distribution. */
  readonly kind: 'logNormal';
  /** The median (ms). */
  readonly medianMs: number;
  /** Standard deviation of ln X. */
  readonly sigma: number;
  /** Largest draw (ms); default and largest accepted DEFAULTS.simMaxLoadDelayMs. */
  readonly capMs?: number;
}

/**
 * A distribution of delays in ms. Every draw is capped at `capMs` (default and largest accepted:
 * DEFAULTS.simMaxLoadDelayMs), so even an infinite-mean Pareto (shape ≤ 1) stays bounded.
 */
export type DelayDistribution = FixedDelay | ExponentialDelay | ParetoDelay | LogNormalDelay;

function finiteAtLeast(name: string, v: unknown, min: number, exclusive = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && (exclusive ? v > min : v >= min);
  if (!ok) throw new InvalidArgumentError(`${name} must be a finite number ${exclusive ? '>' : '>='} ${min}, got ${String(v)}`);
}

/** Checks a distribution's parameters; InvalidArgumentError names the first bad one. */
export function checkDelayDistribution(name: string, d: DelayDistribution): void {
  if (typeof d !== 'object' || d === null) throw new InvalidArgumentError(`${name} must be a delay distribution object`);
  const max = DEFAULTS.simMaxLoadDelayMs;
  if (d.kind === 'fixed') {
    finiteAtLeast(`${name}.ms`, d.ms, 0);
    if (d.ms > max) throw new InvalidArgumentError(`${name}.ms must be at most ${max}, got ${d.ms}`);
    return;
  }
  if (d.kind === 'exponential') finiteAtLeast(`${name}.meanMs`, d.meanMs, 0, true);
  else if (d.kind === 'pareto') {
    finiteAtLeast(`${name}.scaleMs`, d.scaleMs, 0, true);
    finiteAtLeast(`${name}.shape`, d.shape, 0, true);
  } else if (d.kind === 'logNormal') {
    finiteAtLeast(`${name}.medianMs`, d.medianMs, 0, true);
    finiteAtLeast(`${name}.sigma`, d.sigma, 0);
  } else {
    throw new InvalidArgumentError(`${name}.kind must be 'fixed', 'exponential', 'pareto' or 'logNormal', got ${String((d as { kind: unknown }).kind)}`);
  }
  if (d.capMs !== undefined) {
    finiteAtLeast(`${name}.capMs`, d.capMs, 0);
    if (d.capMs > max) throw new InvalidArgumentError(`${name}.capMs must be at most ${max}, got ${d.capMs}`);
  }
}

/**
 * One draw (ms). Exponential and Pareto by inverting their distribution function at one uniform
 * draw; log-normal from a normal drawn by Box–Muller (two uniform draws). Capped at capMs.
 */
export function sampleDelay(d: DelayDistribution, rng: Rng): number {
  let x: number;
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'exponential':
      // 1 - u is in (0, 1]: the log is finite.
      x = -Math.log(1 - rng.next()) * d.meanMs;
      break;
    case 'pareto':
      x = d.scaleMs / Math.pow(1 - rng.next(), 1 / d.shape);
      break;
    case 'logNormal': {
      const u1 = 1 - rng.next();
      const u2 = rng.next();
      x = d.medianMs * Math.exp(d.sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
      break;
    }
  }
  const cap = d.capMs ?? DEFAULTS.simMaxLoadDelayMs;
  return x < cap ? x : cap;
}
