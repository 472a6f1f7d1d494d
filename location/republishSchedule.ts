/**
 * When each of a node's publications is republished. Every publication gets its own phase in
 * [0, period) and is due at that phase of every period, so a node with many objects republishes a
 * few at a time instead of all of them in one burst (each burst is a wave of datagrams, and under
 * `signed` a wave of signature checks at every hop).
 *
 * Phases follow the golden-ratio (Weyl) sequence offset + k/φ mod 1, k counting publications: any n
 * consecutive ones split the period into gaps of at most three sizes, the smallest about 0.38·period/n,
 * so a burst of publishes still republishes evenly. The offset comes from the node (its GUID), not
 * from a random source, so the simulator stays deterministic and no other draw moves.
 *
 * A publication's first republish is its first phase instant strictly after it was added: within one
 * period, as with one timer for all. Pure: time comes in as `now`. Bounded by the publications held
 * (one live entry each; stale heap entries are dropped as they surface, and the heap is rebuilt when
 * they outnumber the live ones).
 */
import { InvalidArgumentError } from '../errors';

const INV_PHI = (Math.sqrt(5) - 1) / 2;

interface Slot {
  readonly at: number;
  /** Tie-break: the order the slot was made, so equal times keep a fixed order. */
  readonly order: number;
  readonly key: string;
}

export class RepublishSchedule {
  /** key → its live slot (the heap may also hold superseded ones). */
  private readonly live = new Map<string, Slot>();
  private heap: Slot[] = [];
  private made = 0;
  private phases = 0;

  /** `offset` in [0, 1): where this node's phase sequence starts. */
  constructor(
    readonly periodMs: number,
    private readonly offset: number,
  ) {
    if (!(periodMs > 0)) throw new InvalidArgumentError(`periodMs must be > 0, got ${periodMs}`);
    if (!(offset >= 0 && offset < 1)) throw new InvalidArgumentError(`offset must be in [0, 1), got ${offset}`);
  }

  get size(): number {
    return this.live.size;
  }

  /** The phase (ms into the period) the k-th publication gets. */
  phaseOf(k: number): number {
    const x = this.offset + k * INV_PHI;
    return Math.floor((x - Math.floor(x)) * this.periodMs);
  }

  /** Schedules `key` (unless it already is) with the next phase; returns its first due time. */
  add(key: string, now: number): number {
    const held = this.live.get(key);
    if (held !== undefined) return held.at;
    const phase = this.phaseOf(this.phases++);
    const base = Math.floor(now);
    let at = base + ((((phase - base) % this.periodMs) + this.periodMs) % this.periodMs);
    if (at <= now) at += this.periodMs;
    this.place(key, at);
    return at;
  }

  /** Stops republishing `key`. */
  remove(key: string): void {
    this.live.delete(key);
    if (this.heap.length > 2 * this.live.size + 16) this.rebuild();
  }

  /** When the next publication is due, or undefined when none is scheduled. */
  nextAt(): number | undefined {
    this.dropStale();
    return this.heap.length > 0 ? this.heap[0].at : undefined;
  }

  /**
   * The keys due by `now`, earliest first, each once; each moves to its next phase instant after now
   * (a node that slept through several periods republishes once, not once per missed period).
   */
  due(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (top === undefined || top.at > now) return out;
      this.pop();
      out.push(top.key);
      let at = top.at + this.periodMs;
      if (at <= now) at += Math.ceil((now - at + 1) / this.periodMs) * this.periodMs;
      this.place(top.key, at);
    }
  }

  private place(key: string, at: number): void {
    const slot: Slot = { at, order: this.made++, key };
    this.live.set(key, slot);
    this.push(slot);
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.live.get(this.heap[0].key) !== this.heap[0]) this.pop();
  }

  private rebuild(): void {
    this.heap = [...this.live.values()].sort(compare); // a sorted array is a heap
  }

  private push(s: Slot): void {
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function compare(a: Slot, b: Slot): number {
  return a.at - b.at || a.order - b.order;
}

function before(a: Slot, b: Slot): boolean {
  return compare(a, b) < 0;
}

/** A node's republish phase offset in [0, 1), from GUID bytes 2–5 (bytes 0 and 1 spread repair and heartbeats). */
export function phaseOffsetOf(guid: Uint8Array): number {
  return (((guid[2] << 24) | (guid[3] << 16) | (guid[4] << 8) | guid[5]) >>> 0) / 2 ** 32;
}
