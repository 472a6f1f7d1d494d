/**
 * All-pairs shortest paths by latency inside one small part of a topology (a stub domain, or the
 * transit routers): one Dijkstra per destination, whose shortest-path tree gives every vertex its
 * first link toward that destination. Memory is n² entries, so callers keep n small (the hierarchy
 * of sim/transitStub.ts does that).
 */

/** Shortest paths between the n vertices of a part, row-major by [from · n + to]. */
export interface AllPairs {
  /** Latency (ms) of the shortest path; exactly symmetric, 0 on the diagonal. */
  readonly dist: Float64Array;
  /** Id of the first link on the path from `from` to `to`; -1 on the diagonal (and when unreachable). */
  readonly next: Int32Array;
}

/** The part's edges by local vertex index (0 .. n - 1): endpoints, latency and the link id each stands for. */
export interface PartEdges {
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly latency: ArrayLike<number>;
  readonly link: ArrayLike<number>;
}

/**
 * Dijkstra from every vertex as destination. Ties are broken deterministically: the queue pops the
 * smallest (distance, vertex) pair, and a path is replaced only by a strictly shorter one, so the
 * first of equal paths in edge order wins. dist is made exactly symmetric (floating-point sums of
 * one path in its two directions can differ in the last bit): the entry for (i, j), i < j, is copied
 * to (j, i).
 */
export function allPairs(n: number, edges: PartEdges): AllPairs {
  // Adjacency in compressed rows, in edge order.
  const m = edges.a.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    start[edges.a[e] + 1]++;
    start[edges.b[e] + 1]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const to = new Int32Array(2 * m);
  const w = new Float64Array(2 * m);
  const id = new Int32Array(2 * m);
  for (let e = 0; e < m; e++) {
    const a = edges.a[e];
    const b = edges.b[e];
    to[fill[a]] = b;
    w[fill[a]] = edges.latency[e];
    id[fill[a]++] = edges.link[e];
    to[fill[b]] = a;
    w[fill[b]] = edges.latency[e];
    id[fill[b]++] = edges.link[e];
  }

  const dist = new Float64Array(n * n).fill(Infinity);
  const next = new Int32Array(n * n).fill(-1);
  const d = new Float64Array(n);
  const done = new Uint8Array(n);
  const heap = new MinHeap(2 * m + 1);
  for (let root = 0; root < n; root++) {
    d.fill(Infinity);
    done.fill(0);
    d[root] = 0;
    heap.push(0, root);
    while (heap.size > 0) {
      const u = heap.popVertex();
      if (done[u]) continue;
      done[u] = 1;
      for (let x = start[u]; x < start[u + 1]; x++) {
        const v = to[x];
        const nd = d[u] + w[x];
        if (nd < d[v]) {
          d[v] = nd;
          // The tree is rooted at the destination: v's first link toward root is the one to u.
          next[v * n + root] = id[x];
          heap.push(nd, v);
        }
      }
    }
    for (let v = 0; v < n; v++) dist[v * n + root] = d[v];
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) dist[j * n + i] = dist[i * n + j];
  }
  return { dist, next };
}

/** A binary min-heap of (key, vertex) pairs ordered by key, then vertex; stale entries are skipped by the caller. */
class MinHeap {
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity);
  }
  private less(i: number, j: number): boolean {
    return this.keys[i] < this.keys[j] || (this.keys[i] === this.keys[j] && this.vals[i] < this.vals[j]);
  }
  private swap(i: number, j: number): void {
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
    const v = this.vals[i];
    this.vals[i] = this.vals[j];
    this.vals[j] = v;
  }
  push(key: number, vertex: number): void {
    let i = this.size++;
    this.keys[i] = key;
    this.vals[i] = vertex;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  popVertex(): number {
    const top = this.vals[0];
    const last = --this.size;
    if (last > 0) {
      this.keys[0] = this.keys[last];
      this.vals[0] = this.vals[last];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let s = i;
        if (l < last && this.less(l, s)) s = l;
        if (r < last && this.less(r, s)) s = r;
        if (s === i) break;
        this.swap(i, s);
        i = s;
      }
    }
    return top;
  }
}
