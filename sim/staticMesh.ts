/**
 * Builds the routing tables of a whole network from global knowledge: every slot holds the closest
 * qualifying nodes, every backpointer is recorded. This is the consistent network the routing
 * invariants are stated for, so it is both a fast simulation start and a test oracle for join/repair.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { compareGuids, digitAt, type IdSpace } from '../routing/guid';
import { RoutingTable } from '../routing/routingTable';
import type { NodeHandle } from '../routing/handle';

// Module-level copies of globals used in the O(N²) loop: under jest's vm sandbox every global lookup
// goes through an interceptor and costs ~100 ns, which made the loop 20× slower there than in node.
const clz32 = Math.clz32;
const INFINITY = Number.POSITIVE_INFINITY;

export interface StaticMeshOptions {
  /** Nodes per slot; DEFAULTS.slotSize. */
  slotSize?: number;
  /** Backpointer bound of every table; DEFAULTS.maxBackpointers. */
  maxBackpointers?: number;
}

/**
 * One consistent routing table per handle, same order. `latency(i, j)` is what node i measures to
 * node j (ms, finite, ≥ 0). O(N²) latency calls; the inner loop allocates nothing.
 */
export function buildStaticMesh(
  handles: readonly NodeHandle[],
  latency: (i: number, j: number) => number,
  space: IdSpace,
  opts: StaticMeshOptions = {},
): RoutingTable[] {
  const n = handles.length;
  const k = opts.slotSize ?? DEFAULTS.slotSize;
  const tableOpts = { slotSize: k, maxBackpointers: opts.maxBackpointers };
  // Constructing the tables first validates the options and every GUID's width.
  const tables = handles.map((h) => new RoutingTable(h, space, tableOpts));
  const seen = new Set<string>();
  for (const h of handles) {
    if (seen.has(h.guid.hex)) throw new InvalidArgumentError(`duplicate GUID ${h.guid.hex}`);
    seen.add(h.guid.hex);
  }

  // Latency ties are broken by GUID order, as RoutingTable does; a rank makes that an int compare.
  const order = handles.map((_, i) => i).sort((a, b) => compareGuids(handles[a].guid, handles[b].guid));
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]] = r;

  const { base, digitBits } = space;
  const digitMask = base - 1;
  const levelShift = Math.log2(digitBits);
  // Leading 32 bits of every GUID: nearly every pair differs there, so the prefix length and the
  // next digit come from one xor and clz32; only pairs sharing 32 bits look at the full bytes.
  const head = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const g = handles[i].guid.bytes;
    head[i] = ((g[0] << 24) | (g[1] << 16) | (g[2] << 8) | g[3]) >>> 0;
  }
  const slotCount = space.digits * base;
  // Per-slot best-k of the node being built, best first; reused for every node.
  const count = new Int32Array(slotCount);
  const bestNode = new Int32Array(slotCount * k);
  const bestLat = new Float64Array(slotCount * k);
  const touched = new Int32Array(slotCount);
  // Who lists whom, kept flat so backpointers are recorded afterwards one table at a time.
  const listed = new IntList();
  const listStart = new Int32Array(n + 1);

  for (let i = 0; i < n; i++) {
    const ownHead = head[i];
    let touchedCount = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const diff = ownHead ^ head[j];
      let slot: number;
      if (diff !== 0) {
        const level = clz32(diff) >>> levelShift;
        slot = level * base + ((head[j] >>> (32 - digitBits - level * digitBits)) & digitMask);
      } else {
        slot = slotOf(handles[i].guid.bytes, handles[j].guid.bytes, digitBits, base);
      }
      const lat = latency(i, j);
      if (!(lat >= 0 && lat < INFINITY)) throw new InvalidArgumentError(`latency(${i}, ${j}) = ${lat}`);
      const off = slot * k;
      const r = rank[j];
      const c = count[slot];
      let p: number;
      if (c < k) {
        if (c === 0) touched[touchedCount++] = slot;
        count[slot] = c + 1;
        p = c;
      } else {
        const wl = bestLat[off + k - 1];
        if (lat > wl || (lat === wl && r > rank[bestNode[off + k - 1]])) continue;
        p = k - 1; // overwrite the worst
      }
      while (p > 0) {
        const pl = bestLat[off + p - 1];
        if (lat > pl || (lat === pl && r > rank[bestNode[off + p - 1]])) break;
        bestLat[off + p] = pl;
        bestNode[off + p] = bestNode[off + p - 1];
        p--;
      }
      bestLat[off + p] = lat;
      bestNode[off + p] = j;
    }

    const table = tables[i];
    listStart[i] = listed.length;
    for (let t = 0; t < touchedCount; t++) {
      const slot = touched[t];
      const off = slot * k;
      for (let e = 0; e < count[slot]; e++) {
        const j = bestNode[off + e];
        table.add(handles[j], bestLat[off + e]);
        listed.push(j);
      }
      count[slot] = 0;
    }
  }
  listStart[n] = listed.length;
  addBackpointers(tables, handles, listed, listStart);
  return tables;
}

/** Flat slot index, in node `own`'s table, of the node with GUID bytes `other` (distinct from own). */
function slotOf(own: Uint8Array, other: Uint8Array, digitBits: number, base: number): number {
  let b = 0;
  while (own[b] === other[b]) b++;
  const level = Math.floor((b * 8 + Math.clz32(own[b] ^ other[b]) - 24) / digitBits);
  return level * base + digitAt(other, level, digitBits);
}

/**
 * j lists i ⇒ i has backpointer j. The pairs are grouped by i first (a counting sort), so each table's
 * set is filled in one go instead of one cache-missing visit per listing: a third of the build time at
 * 10,000 nodes. Within a set the order is ascending j.
 */
function addBackpointers(tables: RoutingTable[], handles: readonly NodeHandle[], listed: IntList, listStart: Int32Array): void {
  const n = tables.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < listed.length; e++) start[listed.at(e) + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const by = new Int32Array(listed.length);
  for (let j = 0; j < n; j++) {
    for (let e = listStart[j]; e < listStart[j + 1]; e++) by[fill[listed.at(e)]++] = j;
  }
  for (let i = 0; i < n; i++) {
    for (let e = start[i]; e < start[i + 1]; e++) tables[i].addBackpointer(handles[by[e]]);
  }
}

/** A growable Int32Array. */
class IntList {
  private data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i];
  }
}
