/** Parses Prometheus text exposition with a real parser (parse-prometheus-text-format, untyped: typed here). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parse = require('parse-prometheus-text-format') as (text: string) => MetricFamily[];

/** One metric family as the parser answers it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: ReadonlyArray<{
    readonly value?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }>;
}

export function parsePrometheusText(text: string): MetricFamily[] {
  return parse(text);
}
