/** Small summary statistics for reports and benchmarks. */

/** The q-quantile (0..1) of a sample, by nearest rank on a sorted copy. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Count of each integer value: { value: count }. */
export function histogram(values: readonly number[]): Record<number, number> {
  const h: Record<number, number> = {};
  for (const v of values) h[v] = (h[v] ?? 0) + 1;
  return h;
}

/** mean, p50, p90, p99 and max of a sample, rounded for printing. */
export function summarize(values: readonly number[], digits = 2): { n: number; mean: number; p50: number; p90: number; p99: number; max: number } {
  const r = (x: number) => Number(x.toFixed(digits));
  return {
    n: values.length,
    mean: r(mean(values)),
    p50: r(quantile(values, 0.5)),
    p90: r(quantile(values, 0.9)),
    p99: r(quantile(values, 0.99)),
    max: r(values.length ? values.reduce((a, b) => (b > a ? b : a), -Infinity) : NaN),
  };
}
