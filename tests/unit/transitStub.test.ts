/**
 * The transit-stub topology's latencies and routes against a plain Dijkstra over the whole graph
 * (routers, links and access links, as TransitStub.link() lists them), which knows nothing of the
 * hierarchy the model exploits.
 */
import { MIN_LATENCY_MS } from '../../transport/latency';
import { TransitStub } from '../../sim/transitStub';
import { TRANSIT_STUB_PRESETS, type TransitStubOptions } from '../../sim/transitStubOptions';

const ENDPOINTS = 60;

/** Every link as a (vertex, vertex, latency) list over routers + attached endpoints. */
function graphOf(t: TransitStub): { vertices: number; adj: Array<Array<[number, number]>> } {
  const vertices = t.routerCount + t.endpointCount;
  const adj: Array<Array<[number, number]>> = Array.from({ length: vertices }, () => []);
  for (let id = 0; id < t.linkCount; id++) {
    const l = t.link(id);
    adj[l.a].push([l.b, l.latencyMs]);
    adj[l.b].push([l.a, l.latencyMs]);
  }
  return { vertices, adj };
}

/** O(V²) Dijkstra without a heap: distances from `src` to every vertex. */
function dijkstra(g: { vertices: number; adj: Array<Array<[number, number]>> }, src: number): Float64Array {
  const d = new Float64Array(g.vertices).fill(Infinity);
  const done = new Uint8Array(g.vertices);
  d[src] = 0;
  for (;;) {
    let u = -1;
    for (let v = 0; v < g.vertices; v++) if (!done[v] && d[v] < Infinity && (u < 0 || d[v] < d[u])) u = v;
    if (u < 0) return d;
    done[u] = 1;
    for (const [v, w] of g.adj[u]) if (d[u] + w < d[v]) d[v] = d[u] + w;
  }
}

const VARIANTS: Array<[string, TransitStubOptions]> = [
  ['medium preset', { ...TRANSIT_STUB_PRESETS.medium, seed: 7 }],
  ['trees only (no extra edges)', { ...TRANSIT_STUB_PRESETS.medium, seed: 8, extraEdgeProbability: 0, interDomainEdgeProbability: 0 }],
  ['dense domains', { ...TRANSIT_STUB_PRESETS.small, seed: 9, extraEdgeProbability: 0.6, interDomainEdgeProbability: 1 }],
];

describe.each(VARIANTS)('TransitStub, %s', (_name, opts) => {
  const t = new TransitStub(opts);
  t.latency(ENDPOINTS - 1, 0); // attaches endpoints 0 .. ENDPOINTS - 1
  const g = graphOf(t);
  const vertex = (e: number): number => t.routerCount + e;

  it('latency(a, b) is the shortest path over the whole router graph, for every pair of endpoints', () => {
    const wrong: string[] = [];
    for (let a = 0; a < ENDPOINTS; a++) {
      const d = dijkstra(g, vertex(a));
      for (let b = 0; b < ENDPOINTS; b++) {
        const want = a === b ? 0 : Math.max(d[vertex(b)], MIN_LATENCY_MS);
        if (Math.abs(t.latency(a, b) - want) > 1e-9) wrong.push(`${a}->${b}: ${t.latency(a, b)} vs ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('path(a, b) is a connected walk from a to b whose links sum to latency(a, b), no link twice', () => {
    const wrong: string[] = [];
    for (let a = 0; a < ENDPOINTS; a++) {
      for (let b = 0; b < ENDPOINTS; b++) {
        const path = t.path(a, b);
        if (a === b) {
          if (path.length !== 0) wrong.push(`${a}->${a} not empty`);
          continue;
        }
        let at = vertex(a);
        let sum = 0;
        for (const id of path) {
          const l = t.link(id);
          if (l.a !== at && l.b !== at) {
            wrong.push(`${a}->${b}: link ${id} does not touch vertex ${at}`);
            break;
          }
          at = l.a === at ? l.b : l.a;
          sum += l.latencyMs;
        }
        if (at !== vertex(b)) wrong.push(`${a}->${b}: ends at ${at}`);
        if (new Set(path).size !== path.length) wrong.push(`${a}->${b}: repeats a link`);
        if (path[0] !== t.accessLink(a) || path[path.length - 1] !== t.accessLink(b)) wrong.push(`${a}->${b}: access links`);
        if (Math.abs(sum - t.latency(a, b)) > 1e-9) wrong.push(`${a}->${b}: sum ${sum} vs ${t.latency(a, b)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is symmetric bit for bit, 0 on the diagonal and at least MIN_LATENCY_MS elsewhere', () => {
    for (let a = 0; a < ENDPOINTS; a++) {
      expect(t.latency(a, a)).toBe(0);
      for (let b = a + 1; b < ENDPOINTS; b++) {
        expect(t.latency(a, b)).toBe(t.latency(b, a));
        expect(t.latency(a, b)).toBeGreaterThanOrEqual(MIN_LATENCY_MS);
      }
    }
  });

  it('the router graph is connected and every stub domain is single-homed', () => {
    const d = dijkstra(g, 0);
    for (let r = 0; r < t.routerCount; r++) expect(d[r]).toBeLessThan(Infinity);
    const leaving = new Array(t.stubCount).fill(0);
    for (let id = 0; id < t.routerLinkCount; id++) {
      const l = t.link(id);
      const sa = t.stubOf(l.a);
      const sb = t.stubOf(l.b);
      if (sa !== sb) {
        expect(l.kind).toBe('transitStub');
        leaving[sa >= 0 ? sa : sb]++;
      } else {
        expect(l.kind).toBe(sa >= 0 ? 'intraStub' : t.link(id).kind);
      }
    }
    expect(leaving).toEqual(new Array(t.stubCount).fill(1));
  });

  it('every link latency lies in its kind\'s range, and endpoints sit on stub routers', () => {
    for (let id = 0; id < t.linkCount; id++) {
      const l = t.link(id);
      const [min, max] = t.options.latencyMs[l.kind];
      expect(l.latencyMs).toBeGreaterThanOrEqual(min);
      expect(l.latencyMs).toBeLessThanOrEqual(max);
    }
    for (let e = 0; e < ENDPOINTS; e++) expect(t.stubOf(t.routerOf(e))).toBeGreaterThanOrEqual(0);
  });
});

test('transit links: intra-domain links stay in a domain, inter-domain ones cross', () => {
  const t = new TransitStub({ ...TRANSIT_STUB_PRESETS.medium, seed: 4 });
  const rpt = t.options.routersPerTransit;
  let inter = 0;
  for (let id = 0; id < t.routerLinkCount; id++) {
    const l = t.link(id);
    if (l.kind === 'intraTransit') expect(Math.floor(l.a / rpt)).toBe(Math.floor(l.b / rpt));
    if (l.kind === 'interTransit') {
      inter++;
      expect(Math.floor(l.a / rpt)).not.toBe(Math.floor(l.b / rpt));
      expect(l.a).toBeLessThan(t.transitRouterCount);
      expect(l.b).toBeLessThan(t.transitRouterCount);
    }
  }
  // A spanning tree over the domains at least.
  expect(inter).toBeGreaterThanOrEqual(t.options.transitDomains - 1);
});

test('the default (large) preset has about 5,000 routers and is connected', () => {
  const t = new TransitStub({ seed: 1 });
  expect(t.routerCount).toBe(4_900);
  expect(t.transitRouterCount).toBe(100);
  expect(t.stubCount).toBe(400);
  // Connectivity by a breadth-first search over the router links.
  const adj: number[][] = Array.from({ length: t.routerCount }, () => []);
  for (let id = 0; id < t.routerLinkCount; id++) {
    const l = t.link(id);
    adj[l.a].push(l.b);
    adj[l.b].push(l.a);
  }
  const seen = new Uint8Array(t.routerCount);
  const queue = [0];
  seen[0] = 1;
  for (let i = 0; i < queue.length; i++) {
    for (const v of adj[queue[i]]) {
      if (!seen[v]) {
        seen[v] = 1;
        queue.push(v);
      }
    }
  }
  expect(queue.length).toBe(t.routerCount);
});
