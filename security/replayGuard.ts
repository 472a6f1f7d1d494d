/**
 * Remembers, per (publisher, object), the newest signed record accepted, and rejects any record that
 * is not newer. A signature proves who wrote a record, not when: without this an attacker could
 * resend an old publish to bring back a withdrawn pointer, or an old unpublish to remove a live one.
 *
 * Pure: no I/O, time comes in as `now`. Bounded: at most `maxEntries` pairs, and at most
 * `maxPerPublisher` per publisher, so one publisher flooding fresh object ids evicts its own oldest
 * entries first; beyond that the least recently accepted pair goes. A pair not renewed for
 * `retentionMs` counts as forgotten whether or not `sweep` has run, so verdicts never depend on when
 * the last sweep happened. A forgotten or evicted pair accepts its next record as fresh: the bounds
 * trade that for memory, and every eviction is counted.
 *
 * Use: `check` first (cheap) to skip verifying the signature of a replay, then verify the signature,
 * then `admit`. Never admit before verifying: a forged record with a huge sequence would lock the
 * real publisher out.
 */
import { InvalidArgumentError } from '../errors';
import { DEFAULTS } from './../defaults';

/** 'fresh': newer than anything accepted. 'duplicate': equal to the newest accepted. 'replay': older. */
export type ReplayVerdict = 'fresh' | 'duplicate' | 'replay';

export interface ReplayGuardLimits {
  /** Most pairs remembered; DEFAULTS.replayGuardEntries. */
  readonly maxEntries: number;
  /** Most pairs per publisher; DEFAULTS.replayGuardEntriesPerPublisher. */
  readonly maxPerPublisher: number;
  /** A pair idle this long is forgotten (ms); DEFAULTS.replayGuardRetentionMs. */
  readonly retentionMs: number;
}

export interface ReplayGuardStats {
  /** Records admitted as fresh. */
  accepted: number;
  /** Records refused for equalling the newest accepted. */
  duplicates: number;
  /** Records refused for being older than the newest accepted (or not a number). */
  replays: number;
  /** Pairs dropped because the guard held maxEntries. */
  evicted: number;
  /** Pairs dropped because their publisher held maxPerPublisher. */
  evictedPerPublisher: number;
  /** Pairs forgotten after retentionMs without a fresh record. */
  expired: number;
}

interface Entry {
  order: number;
  acceptedAt: number;
  readonly publisher: string;
}

export class ReplayGuard {
  readonly limits: ReplayGuardLimits;
  readonly stats: ReplayGuardStats = { accepted: 0, duplicates: 0, replays: 0, evicted: 0, evictedPerPublisher: 0, expired: 0 };
  /**
   * "publisher/object" → entry, least recently accepted first. Not a BoundedMap: a pair is evicted by
   * its publisher's own bound before the global one, the two indexes are kept in step, and expiry
   * sweeps the same order, so the eviction is not the plain oldest-first rule.
   */
  private readonly entries = new Map<string, Entry>();
  /** publisher → its pair keys, least recently accepted first. */
  private readonly byPublisher = new Map<string, Set<string>>();

  constructor(limits: Partial<ReplayGuardLimits> = {}) {
    const maxEntries = limits.maxEntries ?? DEFAULTS.replayGuardEntries;
    const maxPerPublisher = limits.maxPerPublisher ?? DEFAULTS.replayGuardEntriesPerPublisher;
    const retentionMs = limits.retentionMs ?? DEFAULTS.replayGuardRetentionMs;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidArgumentError(`maxEntries must be an integer ≥ 1, got ${maxEntries}`);
    if (!Number.isInteger(maxPerPublisher) || maxPerPublisher < 1) {
      throw new InvalidArgumentError(`maxPerPublisher must be an integer ≥ 1, got ${maxPerPublisher}`);
    }
    if (!(retentionMs > 0)) throw new InvalidArgumentError(`retentionMs must be > 0, got ${retentionMs}`);
    this.limits = { maxEntries, maxPerPublisher, retentionMs };
  }

  /** Pairs remembered, counting forgotten ones not yet swept. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * What `admit` would say, without remembering anything. `publisher` is the publisher's public key
   * (or GUID, which stands for it), `order` its sequence or timestamp (see recordOrder in records.ts).
   * Refusals are counted.
   */
  check(publisher: Uint8Array, object: Uint8Array, order: number, now: number): ReplayVerdict {
    const verdict = this.verdict(this.live(pairKey(publisher, object), now), order);
    if (verdict === 'duplicate') this.stats.duplicates++;
    else if (verdict === 'replay') this.stats.replays++;
    return verdict;
  }

  /** Remembers the record and returns true if it is fresh; otherwise counts it and returns false. */
  admit(publisher: Uint8Array, object: Uint8Array, order: number, now: number): boolean {
    const pub = hex(publisher);
    const key = `${pub}/${hex(object)}`;
    const held = this.live(key, now);
    const verdict = this.verdict(held, order);
    if (verdict !== 'fresh') {
      if (verdict === 'duplicate') this.stats.duplicates++;
      else this.stats.replays++;
      return false;
    }
    this.stats.accepted++;
    if (held !== undefined) this.drop(key, held);
    this.insert(key, pub, { order, acceptedAt: now, publisher: pub });
    return true;
  }

  /** The newest order accepted for the pair, or undefined if none is remembered. */
  lastAccepted(publisher: Uint8Array, object: Uint8Array, now: number): number | undefined {
    return this.live(pairKey(publisher, object), now)?.order;
  }

  /**
   * When the newest record accepted for the pair was first accepted, or undefined if none is
   * remembered. An exact duplicate of that record is no proof the publisher is still there, so the
   * location module lets it live no longer than the first copy would have.
   */
  acceptedAt(publisher: Uint8Array, object: Uint8Array, now: number): number | undefined {
    return this.live(pairKey(publisher, object), now)?.acceptedAt;
  }

  /** Forgets pairs idle for retentionMs; returns how many. */
  sweep(now: number): number {
    let n = 0;
    // Map order is acceptance order, so the idle ones are at the front.
    for (const [key, e] of this.entries) {
      if (!this.isExpired(e, now)) break;
      this.drop(key, e);
      this.stats.expired++;
      n++;
    }
    return n;
  }

  private verdict(held: Entry | undefined, order: number): ReplayVerdict {
    if (!Number.isFinite(order)) return 'replay';
    if (held === undefined || order > held.order) return 'fresh';
    return order === held.order ? 'duplicate' : 'replay';
  }

  /** The pair's entry unless it is forgotten (dropping it then, so it is counted once). */
  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined || !this.isExpired(e, now)) return e;
    this.drop(key, e);
    this.stats.expired++;
    return undefined;
  }

  private isExpired(e: Entry, now: number): boolean {
    return now - e.acceptedAt >= this.limits.retentionMs;
  }

  private insert(key: string, pub: string, e: Entry): void {
    let mine = this.byPublisher.get(pub);
    if (mine === undefined) {
      mine = new Set();
      this.byPublisher.set(pub, mine);
    }
    if (mine.size >= this.limits.maxPerPublisher) {
      const oldest = mine.values().next().value as string;
      this.drop(oldest, this.entries.get(oldest)!);
      this.stats.evictedPerPublisher++;
    } else if (this.entries.size >= this.limits.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldest, entry);
      this.stats.evicted++;
    }
    // The publisher's set may have been emptied and deleted by the eviction above.
    if (!this.byPublisher.has(pub)) this.byPublisher.set(pub, mine);
    this.entries.set(key, e);
    mine.add(key);
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    const mine = this.byPublisher.get(e.publisher);
    if (mine === undefined) return;
    mine.delete(key);
    if (mine.size === 0) this.byPublisher.delete(e.publisher);
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function pairKey(publisher: Uint8Array, object: Uint8Array): string {
  return `${hex(publisher)}/${hex(object)}`;
}
