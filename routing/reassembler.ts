/**
 * Puts fragmented messages back together at their destination. Pure: no timers, time comes in as
 * `now`, and the router calls sweep() from its own timer.
 *
 * Fragments come from the network, so every buffer is bounded (DESIGN.md §3, rule 5): reassemblies
 * per source, reassemblies in all, bytes held per source and in all, size of one message, and age. Hitting a bound evicts
 * or drops and increments a counter in `stats`; nothing here throws for what a peer sends.
 * Each fragment costs O(1): Map/Set insertion order gives the oldest reassembly without searching.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { FragmentInfo } from './handle';

export interface ReassemblyLimits {
  /** Largest whole message; a reassembly that grows past it is dropped. */
  maxMessageBytes: number;
  /** Most reassemblies in progress from one source; its oldest is evicted beyond it. */
  maxPerSource: number;
  /** Most reassemblies in progress from all sources; the globally oldest is evicted beyond it. */
  maxTotal: number;
  /** Budget for held pieces: payload bytes plus PIECE_COST per piece. Oldest reassemblies are evicted to stay within it. */
  maxBytes: number;
  /**
   * The same budget for one source's reassemblies together: its own oldest are evicted to stay within
   * it, so one flooding source holds at most this much, whatever the total budget.
   */
  maxBytesPerSource: number;
  /** A reassembly started this long ago is discarded by sweep(). */
  timeoutMs: number;
  /** Largest fragment count accepted; it also bounds the bookkeeping one reassembly can ask for. */
  maxFragments: number;
}

/** Why fragments or whole reassemblies were dropped, and how many messages completed. */
export interface ReassemblyStats {
  /** A piece that had already arrived. */
  duplicates: number;
  /** Reassemblies evicted because their source had maxPerSource in progress. */
  evictedPerSource: number;
  /** Reassemblies evicted because maxTotal were in progress. */
  evictedTotal: number;
  /** Reassemblies evicted to keep held bytes within maxBytes. */
  evictedBytes: number;
  /** Reassemblies evicted to keep one source's held bytes within maxBytesPerSource. */
  evictedSourceBytes: number;
  /** Reassemblies discarded by sweep() for being older than timeoutMs. */
  expired: number;
  /** Pieces whose count disagreed with the first piece seen for that message. */
  mismatched: number;
  /** Reassemblies dropped because the message outgrew maxMessageBytes, or maxBytes on its own. */
  tooLarge: number;
  /** Pieces with an impossible header (index >= count, count outside 2..maxFragments) or no bytes. */
  invalid: number;
  /** Whole messages returned. */
  completed: number;
}

/**
 * What one held piece costs against maxBytes beyond its payload: the bookkeeping of a small typed
 * array and its map entry. Without it a flood of one-byte pieces could hold far more memory than
 * maxBytes says.
 */
export const PIECE_COST = 64;

interface Reassembly {
  readonly sourceKey: string;
  readonly messageId: number;
  readonly count: number;
  /** `now` when the first piece arrived: the timeout runs from here, so trickling pieces never extends it. */
  readonly started: number;
  /** Pieces by index; a Map so memory follows what arrived, not what `count` claims. */
  readonly pieces: Map<number, Uint8Array>;
  /** Payload bytes held. */
  bytes: number;
}

export class Reassembler {
  readonly limits: Readonly<ReassemblyLimits>;
  readonly stats: ReassemblyStats = {
    duplicates: 0,
    evictedPerSource: 0,
    evictedTotal: 0,
    evictedBytes: 0,
    evictedSourceBytes: 0,
    expired: 0,
    mismatched: 0,
    tooLarge: 0,
    invalid: 0,
    completed: 0,
  };

  /** In-progress reassemblies by source, each map in arrival order (first key = that source's oldest). */
  private readonly bySource = new Map<string, Map<number, Reassembly>>();
  /** All in-progress reassemblies in arrival order (first = globally oldest). */
  private readonly byAge = new Set<Reassembly>();
  private held = 0;
  private heldPieces = 0;
  /** Bytes charged (payload plus PIECE_COST per piece) per source; an entry only while it has a reassembly. */
  private readonly chargedBySource = new Map<string, number>();

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    const full: ReassemblyLimits = {
      maxMessageBytes: limits.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
      maxPerSource: limits.maxPerSource ?? DEFAULTS.maxReassembliesPerSource,
      maxTotal: limits.maxTotal ?? DEFAULTS.maxReassemblies,
      maxBytes: limits.maxBytes ?? DEFAULTS.maxReassemblyBytes,
      maxBytesPerSource: limits.maxBytesPerSource ?? DEFAULTS.maxReassemblyBytesPerSource,
      timeoutMs: limits.timeoutMs ?? DEFAULTS.reassemblyTimeoutMs,
      maxFragments: limits.maxFragments ?? DEFAULTS.maxFragments,
    };
    for (const [name, value] of Object.entries(full)) {
      const least = name === 'timeoutMs' ? 0 : name === 'maxFragments' ? 2 : 1;
      if (!Number.isInteger(value) || value < least) {
        throw new InvalidArgumentError(`reassembly limit ${name} must be an integer >= ${least}, got ${value}`);
      }
    }
    this.limits = Object.freeze(full);
  }

  /** Payload bytes held in unfinished reassemblies. */
  get bytesHeld(): number {
    return this.held;
  }

  /** Pieces held in unfinished reassemblies. */
  get piecesHeld(): number {
    return this.heldPieces;
  }

  /** Reassemblies in progress. */
  get pending(): number {
    return this.byAge.size;
  }

  /** Bytes charged against maxBytesPerSource for one source: payload plus PIECE_COST per piece. */
  chargedFor(sourceKey: string): number {
    return this.chargedBySource.get(sourceKey) ?? 0;
  }

  /**
   * Takes one piece of message `info.messageId` from `sourceKey`. Returns the whole message, byte
   * for byte, when this was the last missing piece (and frees its buffers); otherwise undefined.
   * The chunk is copied, so it may be a view into a datagram.
   */
  accept(sourceKey: string, info: FragmentInfo, chunk: Uint8Array, now: number): Uint8Array | undefined {
    const { messageId, index, count } = info;
    if (
      !Number.isInteger(count) || count < 2 || count > this.limits.maxFragments ||
      !Number.isInteger(index) || index < 0 || index >= count || chunk.length === 0
    ) {
      this.stats.invalid++;
      return undefined;
    }
    let r = this.bySource.get(sourceKey)?.get(messageId);
    if (r === undefined) {
      r = this.start(sourceKey, messageId, count, now);
    } else if (r.count !== count) {
      this.stats.mismatched++;
      return undefined;
    }
    if (r.pieces.has(index)) {
      this.stats.duplicates++;
      return undefined;
    }
    const cost = chunk.length + PIECE_COST;
    // A message that outgrows either bound can never be delivered: free it now rather than at timeout.
    if (
      r.bytes + chunk.length > this.limits.maxMessageBytes ||
      r.bytes + r.pieces.size * PIECE_COST + cost > Math.min(this.limits.maxBytes, this.limits.maxBytesPerSource)
    ) {
      this.remove(r);
      this.stats.tooLarge++;
      return undefined;
    }
    this.makeSourceRoom(cost, r);
    this.makeRoom(cost, r);
    r.pieces.set(index, new Uint8Array(chunk)); // a copy: never keep a view into the datagram
    r.bytes += chunk.length;
    this.held += chunk.length;
    this.heldPieces++;
    this.chargedBySource.set(r.sourceKey, this.chargedFor(r.sourceKey) + cost);
    return r.pieces.size === count ? this.complete(r) : undefined;
  }

  /** Discards reassemblies started timeoutMs or more before `now`; returns how many. */
  sweep(now: number): number {
    let discarded = 0;
    // A full pass rather than stopping at the first young one, so a clock that steps back cannot
    // hide old entries; pending is bounded by maxTotal.
    for (const r of this.byAge) {
      if (now - r.started >= this.limits.timeoutMs) {
        this.remove(r);
        discarded++;
      }
    }
    this.stats.expired += discarded;
    return discarded;
  }

  private start(sourceKey: string, messageId: number, count: number, now: number): Reassembly {
    const fromSource = this.bySource.get(sourceKey);
    if (fromSource !== undefined && fromSource.size >= this.limits.maxPerSource) {
      this.remove(first(fromSource.values()));
      this.stats.evictedPerSource++;
    }
    if (this.byAge.size >= this.limits.maxTotal) {
      this.remove(first(this.byAge.values()));
      this.stats.evictedTotal++;
    }
    // Looked up again: an eviction above may have dropped this source's (then empty) map.
    let target = this.bySource.get(sourceKey);
    if (target === undefined) {
      target = new Map();
      this.bySource.set(sourceKey, target);
    }
    const r: Reassembly = { sourceKey, messageId, count, started: now, pieces: new Map(), bytes: 0 };
    target.set(messageId, r);
    this.byAge.add(r);
    return r;
  }

  /** Evicts the source's own other reassemblies, oldest first, until `cost` more fits its budget. */
  private makeSourceRoom(cost: number, keep: Reassembly): void {
    const budget = this.limits.maxBytesPerSource;
    if (this.chargedFor(keep.sourceKey) + cost <= budget) return;
    for (const r of this.bySource.get(keep.sourceKey)!.values()) {
      if (r === keep) continue;
      this.remove(r);
      this.stats.evictedSourceBytes++;
      if (this.chargedFor(keep.sourceKey) + cost <= budget) return;
    }
  }

  /**
   * Evicts reassemblies other than `keep` until `cost` more fits in maxBytes: first the same
   * source's own (oldest first), then the globally oldest. So a source that floods the buffers
   * mostly pays for its own flood: it displaces others only once it is down to one message.
   */
  private makeRoom(cost: number, keep: Reassembly): void {
    if (this.charged() + cost <= this.limits.maxBytes) return;
    // `keep` is in this map, so removing the others never drops the map under our feet.
    for (const r of this.bySource.get(keep.sourceKey)!.values()) {
      if (r === keep) continue;
      this.remove(r);
      this.stats.evictedBytes++;
      if (this.charged() + cost <= this.limits.maxBytes) return;
    }
    for (const r of this.byAge) {
      if (r === keep) continue;
      this.remove(r);
      this.stats.evictedBytes++;
      if (this.charged() + cost <= this.limits.maxBytes) return;
    }
  }

  private charged(): number {
    return this.held + this.heldPieces * PIECE_COST;
  }

  private complete(r: Reassembly): Uint8Array {
    const whole = new Uint8Array(r.bytes);
    let offset = 0;
    for (let i = 0; i < r.count; i++) {
      const piece = r.pieces.get(i)!;
      whole.set(piece, offset);
      offset += piece.length;
    }
    this.remove(r);
    this.stats.completed++;
    return whole;
  }

  private remove(r: Reassembly): void {
    this.byAge.delete(r);
    const fromSource = this.bySource.get(r.sourceKey);
    if (fromSource !== undefined) {
      fromSource.delete(r.messageId);
      if (fromSource.size === 0) this.bySource.delete(r.sourceKey);
    }
    this.held -= r.bytes;
    this.heldPieces -= r.pieces.size;
    const left = this.chargedFor(r.sourceKey) - r.bytes - r.pieces.size * PIECE_COST;
    if (left > 0) this.chargedBySource.set(r.sourceKey, left);
    else this.chargedBySource.delete(r.sourceKey);
  }
}

function first<T>(values: Iterator<T>): T {
  return values.next().value as T;
}
