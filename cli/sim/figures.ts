/**
 * The figures a report holds, computed from raw samples: hop histograms and summaries, RDP
 * distributions with CDF points. Every number is rounded to a fixed number of digits so that the
 * report's text does not depend on how floating-point sums happened to associate.
 */
import { mean, quantile } from '../../sim/stats';

export const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : 0);

/** Share `part / whole`, 1 when there was nothing to do (no operation failed). */
export const share = (part: number, whole: number): number => (whole === 0 ? 1 : round(part / whole));

export interface HopFigures {
  /** Routes (or locates) by hop count: { "hops": count }, keys in numeric order. */
  readonly histogram: Record<string, number>;
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

export function hopFigures(hops: readonly number[]): HopFigures {
  const counts = new Map<number, number>();
  let max = 0;
  for (const h of hops) {
    counts.set(h, (counts.get(h) ?? 0) + 1);
    if (h > max) max = h;
  }
  const histogram: Record<string, number> = {};
  for (const h of [...counts.keys()].sort((a, b) => a - b)) histogram[String(h)] = counts.get(h)!;
  return { histogram, count: hops.length, mean: round(mean(hops)), p50: round(quantile(hops, 0.5)), p90: round(quantile(hops, 0.9)), max };
}

export interface RdpFigures {
  readonly count: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
  /** Points of the empirical CDF: share of samples with RDP ≤ rdp, at every 2% of the samples. */
  readonly cdf: ReadonlyArray<{ readonly rdp: number; readonly share: number }>;
}

/**
 * Relative delay penalty: what the overlay path took over the direct one. At least 1 (up to
 * rounding) where latencies are shortest paths (transit-stub); on the plane each link has its own
 * jitter, so a two-hop path can beat a direct link and an RDP can fall a little below 1.
 */
export function rdpFigures(values: readonly number[]): RdpFigures {
  if (values.length === 0) return { count: 0, mean: 0, median: 0, p90: 0, max: 0, cdf: [] };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const cdf: Array<{ rdp: number; share: number }> = [];
  for (let k = 0; k <= 50; k++) {
    const q = k / 50;
    // The first point is the smallest sample (share 1/n), the last the largest (share 1).
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    const point = { rdp: round(sorted[rank - 1]), share: round(rank / sorted.length) };
    // Few samples give the same rank twice: each point once.
    const last = cdf[cdf.length - 1];
    if (!last || last.share !== point.share) cdf.push(point);
  }
  return { count: values.length, mean: round(mean(values)), median: round(at(0.5)), p90: round(at(0.9)), max: round(sorted[sorted.length - 1]), cdf };
}

/** mean, p50, p90 and max of a sample (0s when empty). */
export function spread(values: readonly number[]): { mean: number; p50: number; p90: number; max: number } {
  if (values.length === 0) return { mean: 0, p50: 0, p90: 0, max: 0 };
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return { mean: round(mean(values)), p50: round(quantile(values, 0.5)), p90: round(quantile(values, 0.9)), max: round(max) };
}
