/**
 * The options of a transit-stub topology (sim/transitStub.ts): what they mean, the presets, and the
 * check that turns a bad value into an InvalidArgumentError before anything is built.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';

/** The kinds of physical link in a transit-stub topology; each has its own latency range. */
export type LinkKind = 'interTransit' | 'intraTransit' | 'transitStub' | 'intraStub' | 'access';

/** Every link kind, in the order of their numeric codes (TransitStub.link(id).kind). */
export const LINK_KINDS: readonly LinkKind[] = ['interTransit', 'intraTransit', 'transitStub', 'intraStub', 'access'];

/**
 * Options of a {@link TransitStub} topology (GT-ITM style). Every key is optional; missing ones take
 * the ~5,000-router default preset (DEFAULTS.transitStub*, also TRANSIT_STUB_PRESETS.large).
 */
export interface TransitStubOptions {
  /** Seed of the graph, the link latencies and where overlay nodes attach. Default 1. */
  readonly seed?: number;
  /** Transit domains (≥ 1). Default 10. */
  readonly transitDomains?: number;
  /** Routers per transit domain (≥ 1). Default 10. */
  readonly routersPerTransit?: number;
  /** Stub domains hanging off each transit router (≥ 1). Default 4. */
  readonly stubsPerTransitRouter?: number;
  /** Routers per stub domain (1 .. DEFAULTS.topologyMaxRoutersPerStub). Default 12. */
  readonly routersPerStub?: number;
  /** Probability (0..1) of a link between two routers of one domain beyond its spanning tree. Default 0.2. */
  readonly extraEdgeProbability?: number;
  /** Probability (0..1) of a link between two transit domains beyond their spanning tree. Default 0.3. */
  readonly interDomainEdgeProbability?: number;
  /**
   * One-way latency range [min, max] in ms (0 < min ≤ max) by link kind; kinds left out keep
   * DEFAULTS.transitStubLatencyMs. `access` is an overlay node's link to its stub router.
   */
  readonly latencyMs?: Partial<Readonly<Record<LinkKind, readonly [number, number]>>>;
}

/** Options with every key filled in (see TransitStubOptions for each key's meaning). */
export interface ResolvedTransitStubOptions {
  /** Seed of the graph, latencies and attachments. */
  readonly seed: number;
  /** Transit domains. */
  readonly transitDomains: number;
  /** Routers per transit domain. */
  readonly routersPerTransit: number;
  /** Stub domains per transit router. */
  readonly stubsPerTransitRouter: number;
  /** Routers per stub domain. */
  readonly routersPerStub: number;
  /** Probability of an intra-domain link beyond the spanning tree. */
  readonly extraEdgeProbability: number;
  /** Probability of an inter-domain link beyond the domains' spanning tree. */
  readonly interDomainEdgeProbability: number;
  /** Latency range [min, max] (ms) of every link kind. */
  readonly latencyMs: Readonly<Record<LinkKind, readonly [number, number]>>;
}

/** The ready-made sizes of {@link TRANSIT_STUB_PRESETS}. */
export interface TransitStubPresets {
  /** 10 transit domains × 10 routers, 4 stubs per transit router × 12 routers: 4,900 routers (the default). */
  readonly large: TransitStubOptions;
  /** 4 transit domains × 5 routers, 3 stubs per transit router × 8 routers: 500 routers. */
  readonly medium: TransitStubOptions;
  /** 3 transit domains × 4 routers, 2 stubs per transit router × 6 routers: 156 routers. */
  readonly small: TransitStubOptions;
}

/**
 * Ready-made sizes. `large` is the default: 10 transit domains × 10 routers, 4 stubs per transit
 * router × 12 routers = 4,900 routers. `medium` (4 × 5, 3 stubs × 8 = 500 routers) and `small`
 * (3 × 4, 2 stubs × 6 = 156 routers) keep tests fast.
 */
export const TRANSIT_STUB_PRESETS: TransitStubPresets = Object.freeze({
  large: Object.freeze({ transitDomains: 10, routersPerTransit: 10, stubsPerTransitRouter: 4, routersPerStub: 12 }),
  medium: Object.freeze({ transitDomains: 4, routersPerTransit: 5, stubsPerTransitRouter: 3, routersPerStub: 8 }),
  small: Object.freeze({ transitDomains: 3, routersPerTransit: 4, stubsPerTransitRouter: 2, routersPerStub: 6 }),
});

const KEYS: readonly string[] = ['seed', 'transitDomains', 'routersPerTransit', 'stubsPerTransitRouter', 'routersPerStub', 'extraEdgeProbability', 'interDomainEdgeProbability', 'latencyMs'];

function count(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new InvalidArgumentError(`transit-stub ${name} must be an integer in [1, ${max}], got ${String(v)}`);
  }
  return v;
}

function probability(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InvalidArgumentError(`transit-stub ${name} must be a number in [0, 1], got ${String(v)}`);
  return v;
}

function range(kind: string, v: unknown): readonly [number, number] {
  const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] > 0 && v[0] <= v[1];
  if (!ok) throw new InvalidArgumentError(`transit-stub latencyMs.${kind} must be [min, max] with 0 < min <= max (finite ms), got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

/** Fills in defaults and checks every value; InvalidArgumentError names the first bad one. */
export function resolveTransitStubOptions(given: TransitStubOptions = {}): ResolvedTransitStubOptions {
  if (typeof given !== 'object' || given === null) throw new InvalidArgumentError('transit-stub options must be an object');
  for (const k of Object.keys(given)) {
    if (!KEYS.includes(k)) throw new InvalidArgumentError(`unknown transit-stub option '${k}' (known: ${KEYS.join(', ')})`);
  }
  const seed = given.seed ?? 1;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`transit-stub seed must be an integer, got ${String(seed)}`);
  const transitDomains = count('transitDomains', given.transitDomains ?? DEFAULTS.transitStubDomains, DEFAULTS.topologyMaxTransitRouters);
  const routersPerTransit = count('routersPerTransit', given.routersPerTransit ?? DEFAULTS.transitStubRoutersPerTransit, DEFAULTS.topologyMaxTransitRouters);
  const transitRouters = transitDomains * routersPerTransit;
  if (transitRouters > DEFAULTS.topologyMaxTransitRouters) {
    throw new InvalidArgumentError(`transit-stub: ${transitRouters} transit routers exceed DEFAULTS.topologyMaxTransitRouters (${DEFAULTS.topologyMaxTransitRouters})`);
  }
  const stubsPerTransitRouter = count('stubsPerTransitRouter', given.stubsPerTransitRouter ?? DEFAULTS.transitStubStubsPerTransitRouter, DEFAULTS.topologyMaxRouters);
  const routersPerStub = count('routersPerStub', given.routersPerStub ?? DEFAULTS.transitStubRoutersPerStub, DEFAULTS.topologyMaxRoutersPerStub);
  const routers = transitRouters * (1 + stubsPerTransitRouter * routersPerStub);
  if (routers > DEFAULTS.topologyMaxRouters) {
    throw new InvalidArgumentError(`transit-stub: ${routers} routers exceed DEFAULTS.topologyMaxRouters (${DEFAULTS.topologyMaxRouters})`);
  }
  const latencyGiven: Record<string, unknown> = given.latencyMs ?? {};
  if (typeof latencyGiven !== 'object' || latencyGiven === null) throw new InvalidArgumentError('transit-stub latencyMs must be an object');
  for (const k of Object.keys(latencyGiven)) {
    if (!LINK_KINDS.includes(k as LinkKind)) throw new InvalidArgumentError(`unknown link kind '${k}' in transit-stub latencyMs (known: ${LINK_KINDS.join(', ')})`);
  }
  const latencyMs = Object.fromEntries(LINK_KINDS.map((k) => [k, range(k, latencyGiven[k] ?? DEFAULTS.transitStubLatencyMs[k])])) as Record<LinkKind, readonly [number, number]>;
  return {
    seed,
    transitDomains,
    routersPerTransit,
    stubsPerTransitRouter,
    routersPerStub,
    extraEdgeProbability: probability('extraEdgeProbability', given.extraEdgeProbability ?? DEFAULTS.transitStubExtraEdgeProbability),
    interDomainEdgeProbability: probability('interDomainEdgeProbability', given.interDomainEdgeProbability ?? DEFAULTS.transitStubInterDomainEdgeProbability),
    latencyMs,
  };
}
