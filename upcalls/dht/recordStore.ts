/**
 * The records one node holds (pure: time as an argument), one per salted key: a root's or replica's
 * copy. A record replaces the one held only when its version (seq) is higher, so an older record
 * sent late never wins; only the publisher's remove drops it. Records lapse at their expiry unless
 * the publisher republishes. Bounded (dhtMaxRecords).
 *
 * Owned keys (under the `signed` provider, where every record is checked to be its publisher's before
 * it gets here): the publisher of the live record owns the key here, and another publisher's record
 * is refused ('notOwner') until the owner removes it or it lapses — the first publisher whose record
 * verified holds the key, as object ownership does for location (location/ownership.ts).
 */
import type { Guid } from '../../routing/guid';
import type { DhtRecord } from './messages';

/** A record as held here: with its absolute expiry and the key and salt it is stored under. */
export interface HeldRecord {
  readonly key: Guid;
  readonly salt: number;
  readonly record: DhtRecord;
  readonly expiresAt: number;
}

export type PutOutcome = 'stored' | 'refreshed' | 'older' | 'full' | 'notOwner';

/**
 * Orders two records of one key: by version, then — two publishers can pick the same version — by
 * publisher GUID and by value bytes, so every root keeps the same one whatever order puts came in.
 * Zero only for the same record.
 */
export function compareRecords(a: DhtRecord, b: DhtRecord): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  if (a.publisher.hex !== b.publisher.hex) return a.publisher.hex < b.publisher.hex ? -1 : 1;
  return Buffer.compare(a.value, b.value);
}

export class RecordStore {
  /** salted key hex → record. */
  private readonly held = new Map<string, HeldRecord>();

  /** `owned`: a live record's publisher owns its key here (see the file comment). */
  constructor(
    private readonly maxRecords: number,
    private readonly owned = false,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Bytes of values held (what a node stores for the mesh). */
  get valueBytes(): number {
    let n = 0;
    for (const h of this.held.values()) n += h.record.value.length;
    return n;
  }

  /** Stores `record` under `salted` (hex) at `now`. A lower version than the one held is refused; the same version refreshes its expiry. */
  put(salted: string, key: Guid, salt: number, record: DhtRecord, now: number): PutOutcome {
    const had = this.held.get(salted);
    if (had && had.expiresAt > now) {
      if (this.owned && had.record.publisher.hex !== record.publisher.hex) return 'notOwner';
      const order = compareRecords(record, had.record);
      if (order < 0) return 'older';
      if (order === 0) {
        this.held.set(salted, { ...had, expiresAt: Math.max(had.expiresAt, now + record.ttlMs) });
        return 'refreshed';
      }
    } else if (!had && this.held.size >= this.maxRecords) {
      return 'full';
    }
    this.held.set(salted, { key, salt, record, expiresAt: now + record.ttlMs });
    return 'stored';
  }

  /** The live record under `salted`, if any. */
  get(salted: string, now: number): HeldRecord | undefined {
    const h = this.held.get(salted);
    return h && h.expiresAt > now ? h : undefined;
  }

  /**
   * Drops the record under `salted` if `publisher` (hex) published it, and its version is at most
   * `upTo` (a signed removal's: a replay of it never drops a newer put); answers what it did.
   */
  remove(salted: string, publisher: string, upTo = Infinity): 'removed' | 'notPublisher' | 'newer' | 'none' {
    const h = this.held.get(salted);
    if (!h) return 'none';
    if (h.record.publisher.hex !== publisher) return 'notPublisher';
    if (h.record.seq > upTo) return 'newer';
    this.held.delete(salted);
    return 'removed';
  }

  /** Every live record, for re-replication. */
  *entries(now: number): IterableIterator<[string, HeldRecord]> {
    for (const e of this.held) if (e[1].expiresAt > now) yield e;
  }

  /** Drops lapsed records; answers how many. */
  expire(now: number): number {
    let n = 0;
    for (const [k, h] of this.held) {
      if (h.expiresAt <= now) {
        this.held.delete(k);
        n++;
      }
    }
    return n;
  }

  /** The earliest expiry, or Infinity. */
  nextExpiry(): number {
    let next = Infinity;
    for (const h of this.held.values()) if (h.expiresAt < next) next = h.expiresAt;
    return next;
  }
}
