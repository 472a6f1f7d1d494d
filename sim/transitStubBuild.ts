/**
 * Draws the router graph of a transit-stub topology (GT-ITM's model, Zegura et al. 1996): transit
 * domains of routers joined to each other, and stub domains hanging off transit routers. Every
 * domain is a connected random graph: a random spanning tree plus each other pair with a fixed
 * probability. Everything is drawn from one seeded stream in a fixed order, so a seed is a graph.
 */
import { SeededRng } from './random';
import { LINK_KINDS, type LinkKind, type ResolvedTransitStubOptions } from './transitStubOptions';

/** Numeric code of each link kind (its index in LINK_KINDS). */
export const KIND: Readonly<Record<LinkKind, number>> = Object.fromEntries(LINK_KINDS.map((k, i) => [k, i])) as Record<LinkKind, number>;

/**
 * The routers and links. Router ids: transit domain d's routers are d·routersPerTransit + i (the
 * first transitRouters ids); stub s's routers are transitRouters + s·routersPerStub + j. Stub s hangs
 * off transit router ⌊s / stubsPerTransitRouter⌋. Link ids are indices into the link arrays, laid
 * out as: the transit links (intra- and inter-domain), then per stub its own links followed by its
 * gateway link, so stub s's links are the ids stubLinkStart[s] .. stubGatewayLink[s] - 1.
 */
export interface RouterGraph {
  readonly routers: number;
  readonly transitRouters: number;
  readonly stubs: number;
  readonly routersPerStub: number;
  /** Links between routers (access links of overlay nodes are not in here). */
  readonly links: number;
  /** The two routers of each link. */
  readonly linkA: Int32Array;
  readonly linkB: Int32Array;
  /** One-way latency (ms) of each link. */
  readonly linkLatency: Float64Array;
  /** KIND code of each link. */
  readonly linkKind: Uint8Array;
  /** Links 0 .. transitLinks - 1 join transit routers. */
  readonly transitLinks: number;
  /** First link id of each stub's own links. */
  readonly stubLinkStart: Int32Array;
  /** The stub's single link to its transit router (GT-ITM's default: stubs are single-homed). */
  readonly stubGatewayLink: Int32Array;
  /** The stub's router on that link (a global router id). */
  readonly stubGateway: Int32Array;
  /** The transit router the stub hangs off. */
  readonly stubTransit: Int32Array;
}

/**
 * Edges of a connected random graph on n vertices, as local index pairs: a random spanning tree
 * (each vertex of a random order joins a random earlier one), then every other pair with
 * probability p.
 */
export function connectedRandomGraph(n: number, p: number, rng: SeededRng): Array<[number, number]> {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const edges: Array<[number, number]> = [];
  const joined = new Uint8Array(n * n);
  for (let i = 1; i < n; i++) {
    const a = order[i];
    const b = order[rng.int(i)];
    edges.push([a, b]);
    joined[a * n + b] = joined[b * n + a] = 1;
  }
  if (p > 0) {
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) if (!joined[a * n + b] && rng.next() < p) edges.push([a, b]);
    }
  }
  return edges;
}

/** Builds the router graph of these (checked) options. */
export function buildRouterGraph(o: ResolvedTransitStubOptions): RouterGraph {
  const rng = new SeededRng(o.seed).fork('transit-stub-graph');
  const rpt = o.routersPerTransit;
  const k = o.routersPerStub;
  const transitRouters = o.transitDomains * rpt;
  const stubs = transitRouters * o.stubsPerTransitRouter;
  const A: number[] = [];
  const B: number[] = [];
  const lat: number[] = [];
  const kind: number[] = [];
  const link = (a: number, b: number, k: LinkKind): number => {
    const [min, max] = o.latencyMs[k];
    A.push(a);
    B.push(b);
    lat.push(min + rng.next() * (max - min));
    kind.push(KIND[k]);
    return A.length - 1;
  };

  for (let d = 0; d < o.transitDomains; d++) {
    for (const [a, b] of connectedRandomGraph(rpt, o.extraEdgeProbability, rng)) link(d * rpt + a, d * rpt + b, 'intraTransit');
  }
  // The domains form a connected graph too; each of its edges is one link between a random router of each.
  for (const [x, y] of connectedRandomGraph(o.transitDomains, o.interDomainEdgeProbability, rng)) {
    const a = x * rpt + rng.int(rpt);
    const b = y * rpt + rng.int(rpt);
    link(a, b, 'interTransit');
  }
  const transitLinks = A.length;

  const stubLinkStart = new Int32Array(stubs);
  const stubGatewayLink = new Int32Array(stubs);
  const stubGateway = new Int32Array(stubs);
  const stubTransit = new Int32Array(stubs);
  for (let s = 0; s < stubs; s++) {
    const base = transitRouters + s * k;
    stubLinkStart[s] = A.length;
    for (const [a, b] of connectedRandomGraph(k, o.extraEdgeProbability, rng)) link(base + a, base + b, 'intraStub');
    const transit = Math.floor(s / o.stubsPerTransitRouter);
    const gateway = base + rng.int(k);
    stubTransit[s] = transit;
    stubGateway[s] = gateway;
    stubGatewayLink[s] = link(transit, gateway, 'transitStub');
  }

  return {
    routers: transitRouters + stubs * k,
    transitRouters,
    stubs,
    routersPerStub: k,
    links: A.length,
    linkA: Int32Array.from(A),
    linkB: Int32Array.from(B),
    linkLatency: Float64Array.from(lat),
    linkKind: Uint8Array.from(kind),
    transitLinks,
    stubLinkStart,
    stubGatewayLink,
    stubGateway,
    stubTransit,
  };
}
