/**
 * A GT-ITM-style transit-stub topology as a latency model: overlay endpoints sit on stub routers,
 * and the latency between two of them is the shortest path by latency through the router graph
 * (sim/transitStubBuild.ts), whose links are known by id so a simulator can count link stress.
 *
 * The hierarchy keeps everything far from routers² in memory: a stub is single-homed, so a path
 * leaves a stub only through its gateway link and never passes through another stub. Shortest
 * paths are therefore all-pairs inside each stub (small) and among the transit routers (~100), plus
 * each stub router's distance to its transit router; latency(a, b) between endpoints is then a
 * few array reads (the static mesh builder asks it N² times).
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { MIN_LATENCY_MS, type LatencyModel } from '../transport/latency';
import { SeededRng } from './random';
import { allPairs } from './shortestPaths';
import { buildRouterGraph, type RouterGraph } from './transitStubBuild';
import { LINK_KINDS, resolveTransitStubOptions, type LinkKind, type ResolvedTransitStubOptions, type TransitStubOptions } from './transitStubOptions';

// Module-level copy of a constant read in the N² loop (jest's sandbox makes global lookups slow).
const MIN_LATENCY = MIN_LATENCY_MS;

/** One physical link of a {@link TransitStub}. */
export interface TopologyLink {
  /** The link's id (0 .. linkCount - 1). */
  readonly id: number;
  /**
   * Its two ends, as vertex ids: router r is r, overlay endpoint e is routerCount + e (an access link
   * joins an endpoint's vertex to its stub router).
   */
  readonly a: number;
  /** The other end (for an access link: the stub router). */
  readonly b: number;
  /** One-way latency, ms. */
  readonly latencyMs: number;
  /** What the link joins (transit domains, a stub to its transit router, an endpoint to its router...). */
  readonly kind: LinkKind;
}

/**
 * A transit-stub router graph with overlay endpoints attached to stub routers: a LatencyModel
 * (symmetric, 0 for a === b, at least MIN_LATENCY_MS otherwise) whose routes are known link by link.
 * Endpoint i is attached to a stub router chosen uniformly by the seed, with an access link whose
 * latency is drawn from the `access` range; attachments are drawn lazily but in index order, so
 * endpoint i lands on the same router whatever order endpoints are first asked about.
 */
export class TransitStub implements LatencyModel {
  /** The options with every default filled in. */
  readonly options: ResolvedTransitStubOptions;
  private readonly g: RouterGraph;
  private readonly k: number;
  private readonly nt: number;
  /** Transit all-pairs ([from · nt + to]): latency and first link. */
  private readonly transitDist: Float64Array;
  private readonly transitNext: Int32Array;
  /** Per-stub all-pairs, stub s at offset s · k²: latency and first link. */
  private readonly stubDist: Float64Array;
  private readonly stubNext: Int32Array;
  /** Per router: latency to the transit router its stub hangs off (0 for transit routers). */
  private readonly up: Float64Array;
  private readonly attachRng: SeededRng;

  // Per endpoint, grown by doubling: its router, access latency, access + up, stub, transit router,
  // its row in the transit table (transit · nt), row in the stub's table (s · k² + local · k), and local index in the stub.
  private eRouter = new Int32Array(256);
  private eAccess = new Float64Array(256);
  private eUp = new Float64Array(256);
  private eStub = new Int32Array(256);
  private eTransit = new Int32Array(256);
  private eTransitRow = new Int32Array(256);
  private eStubRow = new Int32Array(256);
  private eLocal = new Int32Array(256);
  private placed = 0;

  constructor(opts: TransitStubOptions = {}) {
    this.options = resolveTransitStubOptions(opts);
    const g = (this.g = buildRouterGraph(this.options));
    const k = (this.k = g.routersPerStub);
    const nt = (this.nt = g.transitRouters);

    const transitEdges = range(0, g.transitLinks);
    const transit = allPairs(nt, {
      a: transitEdges.map((l) => g.linkA[l]),
      b: transitEdges.map((l) => g.linkB[l]),
      latency: transitEdges.map((l) => g.linkLatency[l]),
      link: transitEdges,
    });
    this.transitDist = transit.dist;
    this.transitNext = transit.next;

    this.stubDist = new Float64Array(g.stubs * k * k);
    this.stubNext = new Int32Array(g.stubs * k * k);
    this.up = new Float64Array(g.routers);
    for (let s = 0; s < g.stubs; s++) {
      const base = nt + s * k;
      const own = range(g.stubLinkStart[s], g.stubGatewayLink[s]);
      const part = allPairs(k, {
        a: own.map((l) => g.linkA[l] - base),
        b: own.map((l) => g.linkB[l] - base),
        latency: own.map((l) => g.linkLatency[l]),
        link: own,
      });
      this.stubDist.set(part.dist, s * k * k);
      this.stubNext.set(part.next, s * k * k);
      const gw = g.stubGateway[s] - base;
      const gatewayLatency = g.linkLatency[g.stubGatewayLink[s]];
      for (let j = 0; j < k; j++) this.up[base + j] = part.dist[j * k + gw] + gatewayLatency;
    }
    this.attachRng = new SeededRng(this.options.seed).fork('transit-stub-attach');
  }

  /** Routers in the graph (transit and stub). */
  get routerCount(): number {
    return this.g.routers;
  }

  /** Transit routers: ids 0 .. transitRouterCount - 1. */
  get transitRouterCount(): number {
    return this.g.transitRouters;
  }

  /** Stub domains. */
  get stubCount(): number {
    return this.g.stubs;
  }

  /** Links between routers: ids 0 .. routerLinkCount - 1. Endpoint e's access link is routerLinkCount + e. */
  get routerLinkCount(): number {
    return this.g.links;
  }

  /** Links so far: the router links plus one access link per endpoint attached. */
  get linkCount(): number {
    return this.g.links + this.placed;
  }

  /** Endpoints attached so far (every index below the highest one asked about). */
  get endpointCount(): number {
    return this.placed;
  }

  /** The stub router endpoint e is attached to. */
  routerOf(e: number): number {
    this.place(e);
    return this.eRouter[e];
  }

  /** The id of endpoint e's access link. */
  accessLink(e: number): number {
    this.place(e);
    return this.g.links + e;
  }

  /** The stub domain of a router, or -1 for a transit router. */
  stubOf(router: number): number {
    this.checkRouter(router);
    return router < this.nt ? -1 : Math.floor((router - this.nt) / this.k);
  }

  /** Link `id`: its ends, latency and kind. */
  link(id: number): TopologyLink {
    if (!Number.isInteger(id) || id < 0 || id >= this.linkCount) {
      throw new InvalidArgumentError(`link id must be an integer in [0, ${this.linkCount}), got ${id}`);
    }
    const g = this.g;
    if (id < g.links) return { id, a: g.linkA[id], b: g.linkB[id], latencyMs: g.linkLatency[id], kind: LINK_KINDS[g.linkKind[id]] };
    const e = id - g.links;
    return { id, a: g.routers + e, b: this.eRouter[e], latencyMs: this.eAccess[e], kind: 'access' };
  }

  latency(a: number, b: number): number {
    if (!(a >>> 0 === a && a < this.placed)) this.place(a);
    if (!(b >>> 0 === b && b < this.placed)) this.place(b);
    if (a === b) return 0;
    // Sums are grouped so that swapping a and b adds the same numbers in the same order: symmetric.
    const l =
      this.eStub[a] !== this.eStub[b]
        ? this.eUp[a] + this.eUp[b] + this.transitDist[this.eTransitRow[a] + this.eTransit[b]]
        : this.eAccess[a] + this.eAccess[b] + this.stubDist[this.eStubRow[a] + this.eLocal[b]];
    return l > MIN_LATENCY ? l : MIN_LATENCY;
  }

  /**
   * The physical links, in order from a to b, of the route latency(a, b) is measured on: a's access
   * link, the links up a's stub and across the transit routers and down b's stub, b's access link.
   * Empty for a === b.
   */
  path(a: number, b: number): number[] {
    const out: number[] = [];
    this.forEachLink(a, b, (l) => out.push(l));
    return out;
  }

  /** Calls `visit` with each link id of path(a, b), in order, without building the array. */
  forEachLink(a: number, b: number, visit: (link: number) => void): void {
    this.place(a);
    this.place(b);
    if (a === b) return;
    const g = this.g;
    visit(g.links + a);
    const sa = this.eStub[a];
    const sb = this.eStub[b];
    if (sa === sb) {
      this.walkStub(sa, this.eLocal[a], this.eLocal[b], visit);
    } else {
      const gwA = g.stubGateway[sa] - this.nt - sa * this.k;
      const gwB = g.stubGateway[sb] - this.nt - sb * this.k;
      this.walkStub(sa, this.eLocal[a], gwA, visit);
      visit(g.stubGatewayLink[sa]);
      this.walkTransit(g.stubTransit[sa], g.stubTransit[sb], visit);
      visit(g.stubGatewayLink[sb]);
      this.walkStub(sb, gwB, this.eLocal[b], visit);
    }
    visit(g.links + b);
  }

  /** Follows first links inside stub s from local router i to local router j. */
  private walkStub(s: number, i: number, j: number, visit: (link: number) => void): void {
    const k = this.k;
    const base = this.nt + s * k;
    const table = s * k * k;
    while (i !== j) {
      const l = this.stubNext[table + i * k + j];
      visit(l);
      i = (this.g.linkA[l] === base + i ? this.g.linkB[l] : this.g.linkA[l]) - base;
    }
  }

  /** Follows first links among transit routers from i to j. */
  private walkTransit(i: number, j: number, visit: (link: number) => void): void {
    const nt = this.nt;
    while (i !== j) {
      const l = this.transitNext[i * nt + j];
      visit(l);
      i = this.g.linkA[l] === i ? this.g.linkB[l] : this.g.linkA[l];
    }
  }

  private checkRouter(r: number): void {
    if (!Number.isInteger(r) || r < 0 || r >= this.g.routers) throw new InvalidArgumentError(`router must be an integer in [0, ${this.g.routers}), got ${r}`);
  }

  /** Attaches endpoints up to and including i, in index order. */
  private place(i: number): void {
    if (i >>> 0 === i && i < this.placed) return;
    if (!Number.isInteger(i) || i < 0 || i >= DEFAULTS.simMaxEndpoints) {
      throw new InvalidArgumentError(`endpoint index must be an integer in [0, ${DEFAULTS.simMaxEndpoints}), got ${i}`);
    }
    if (i >= this.eRouter.length) this.grow(i + 1);
    const g = this.g;
    const k = this.k;
    const stubRouters = g.stubs * k;
    const [min, max] = this.options.latencyMs.access;
    for (let e = this.placed; e <= i; e++) {
      const local = this.attachRng.int(stubRouters);
      const access = min + this.attachRng.next() * (max - min);
      const router = this.nt + local;
      const s = Math.floor(local / k);
      const j = local - s * k;
      this.eRouter[e] = router;
      this.eAccess[e] = access;
      this.eUp[e] = access + this.up[router];
      this.eStub[e] = s;
      this.eTransit[e] = g.stubTransit[s];
      this.eTransitRow[e] = g.stubTransit[s] * this.nt;
      this.eStubRow[e] = s * k * k + j * k;
      this.eLocal[e] = j;
    }
    this.placed = i + 1;
  }

  private grow(min: number): void {
    let n = this.eRouter.length;
    while (n < min) n *= 2;
    const p = this.placed;
    const widen = <T extends Int32Array | Float64Array>(old: T, make: (size: number) => T): T => {
      const bigger = make(n);
      bigger.set(old.subarray(0, p));
      return bigger;
    };
    this.eRouter = widen(this.eRouter, (size) => new Int32Array(size));
    this.eAccess = widen(this.eAccess, (size) => new Float64Array(size));
    this.eUp = widen(this.eUp, (size) => new Float64Array(size));
    this.eStub = widen(this.eStub, (size) => new Int32Array(size));
    this.eTransit = widen(this.eTransit, (size) => new Int32Array(size));
    this.eTransitRow = widen(this.eTransitRow, (size) => new Int32Array(size));
    this.eStubRow = widen(this.eStubRow, (size) => new Int32Array(size));
    this.eLocal = widen(this.eLocal, (size) => new Int32Array(size));
  }
}

/** The integers lo .. hi - 1. */
function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo }, (_, i) => lo + i);
}
