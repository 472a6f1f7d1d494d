/**
 * What `tapestry sim` runs: the parsed options, and the parser of `--ops`. Kept apart from the
 * commander wiring so that the run itself takes a plain, checked object.
 */
import { InvalidArgumentError as UsageError } from 'commander';

export type Topology = 'plane' | 'transit-stub';
export type BuildKind = 'static' | 'joins';
export type ScenarioKind = 'none' | 'failure' | 'churn';
export type SecurityKind = 'none' | 'signed';

/** Operations to run: routes, locates and multicasts (each ≥ 0). */
export interface OpsCounts {
  readonly route: number;
  readonly locate: number;
  readonly multicast: number;
}

/** Every option of a simulator run, checked. */
export interface SimArgs {
  readonly nodes: number;
  readonly seed: number;
  readonly topology: Topology;
  readonly build: BuildKind;
  readonly scenario: ScenarioKind;
  /** Share of nodes that crash at once in the failure scenario (0 < x < 1). */
  readonly failureShare: number;
  /** Churn: arrivals per virtual second. */
  readonly churnRate: number;
  /** Churn: mean node lifetime, virtual seconds. */
  readonly churnLifetime: number;
  /** Virtual seconds the failure and churn scenarios run. */
  readonly duration: number;
  readonly ops: OpsCounts;
  readonly security: SecurityKind;
  readonly out: string;
  readonly quiet: boolean;
}

export const OPS_KEYS = ['route', 'locate', 'multicast'] as const;
/** One kind of operation at most this many times: bounds the run whatever is asked. */
export const MAX_OPS_EACH = 10_000_000;
/** Multicasts are paced a virtual second apart: far fewer make sense. */
export const MAX_MULTICASTS = 10_000;

/**
 * Parses `route=N,locate=N,multicast=N` (any subset, any order, each key once). Kinds not named
 * are 0, so `--ops route=10` runs ten routes and nothing else.
 */
export function parseOps(text: string): OpsCounts {
  const counts: Record<(typeof OPS_KEYS)[number], number> = { route: 0, locate: 0, multicast: 0 };
  const seen = new Set<string>();
  const parts = text.split(',');
  for (const part of parts) {
    const m = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new UsageError(`expected kind=count[,kind=count...] with kinds ${OPS_KEYS.join(', ')}, got "${text}"`);
    const [, key, value] = m;
    if (!(OPS_KEYS as readonly string[]).includes(key)) throw new UsageError(`unknown operation "${key}" (known: ${OPS_KEYS.join(', ')})`);
    if (seen.has(key)) throw new UsageError(`operation "${key}" given twice`);
    seen.add(key);
    const n = Number(value);
    const max = key === 'multicast' ? MAX_MULTICASTS : MAX_OPS_EACH;
    if (!Number.isSafeInteger(n) || n > max) throw new UsageError(`${key} count must be in 0..${max}, got ${value}`);
    counts[key as (typeof OPS_KEYS)[number]] = n;
  }
  return counts;
}
