/**
 * The pointers a node holds for objects published through it (JSAC 2004 §III-B): soft state, each
 * with an expiry the publisher renews by republishing. One pointer per (object, server); per object
 * they are kept nearest first, so a locate diverts to the closest replica by reading the front.
 *
 * Bounded three ways (DESIGN.md §3, rule 5): per object the farthest pointer gives way to a closer one;
 * per publisher (server) and in total new pointers are refused once the bound is reached. Every outcome is counted in `stats`.
 *
 * An expired pointer behaves exactly as an absent one, whether or not `sweep` has run yet: it is never
 * served, and `put` drops the object's expired pointers before deciding, so a replay check or a bound
 * never depends on when the last sweep happened.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { checkPointer, comparePointers, copyPointer, indexOfServer, insertSorted, isPositiveInteger, renewed } from './pointerList';

export { comparePointers } from './pointerList';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { OwnerClaim } from './messages';

/** One pointer: `server` serves `object`, as this node last heard it. */
export interface Pointer {
  /** The object's GUID. */
  readonly object: Guid;
  /** The node that serves the object (the publisher). */
  readonly server: NodeHandle;
  /** Application tag a locate query must equal (an empty query matches any tag). */
  readonly tag: string;
  /** The publisher's sequence: higher replaces lower, lower is a replay. */
  readonly sequence: number;
  /** Time in ms (the node's clock) from which the pointer is expired. */
  readonly expiresAt: number;
  /** This node's distance estimate to the server (ms); nearest is served first. */
  readonly latency: number;
  /** The salted root whose publish path left this pointer. */
  readonly saltIndex: number;
  /** An extra copy from pointer caching (JSAC §V-B.3), not on the publish path itself. */
  readonly extra: boolean;
  /** The previous hop on the publish path, for handing the pointer over later. */
  readonly from?: NodeHandle;
  /**
   * A signed record's proof, kept so a hand-over carries it and the receiver can verify it too: the
   * server's credential, its signature, and the lifetime it signed (expiresAt is this node's own).
   */
  readonly signed?: SignedPart;
}

/** The parts of a signed publish a pointer keeps (security/records.ts). */
export interface SignedPart {
  /** The server's credential (for the `signed` provider: its raw 32-byte ed25519 public key). */
  readonly publisherKey: Uint8Array;
  /** The server's signature of the publish record. */
  readonly signature: Uint8Array;
  /** The pointer lifetime the server signed, in ms. */
  readonly lifetimeMs: number;
  /** The publish's ownership claim (location/ownership.ts), passed on in a hand-over. */
  readonly owner?: OwnerClaim;
}

/**
 * What `put` did. 'added': a new record is stored (a new server, or a newer sequence replacing an
 * older one). 'refreshed': the same record (equal sequence) had its expiry and latency renewed.
 * 'replay': an older sequence than the one held; ignored. 'full': refused by a bound.
 */
export type PutOutcome = 'added' | 'refreshed' | 'replay' | 'full';

export interface PointerStoreLimits {
  /** Most pointers per object; DEFAULTS.maxPointersPerObject. */
  readonly maxPerObject: number;
  /** Most pointers in all; DEFAULTS.maxPointers. */
  readonly maxTotal: number;
  /** Most pointers naming one server (publisher), over all objects; DEFAULTS.maxPointersPerPublisher. */
  readonly maxPerPublisher: number;
}

export interface PointerStoreStats {
  /** Puts that stored a new record (including `replaced`). */
  added: number;
  /** …of which replaced an older sequence from the same server. */
  replaced: number;
  /** Puts that renewed an equal-sequence record. */
  refreshed: number;
  /** Puts refused as replays (older sequence than held). */
  replays: number;
  /** Farthest pointers dropped to make room for a closer one for the same object. */
  evicted: number;
  /** Puts refused because the object had maxPerObject nearer pointers. */
  fullPerObject: number;
  /** Puts refused because the store held maxTotal pointers. */
  fullTotal: number;
  /** Puts refused because their server already had maxPerPublisher pointers here. */
  fullPerPublisher: number;
  /** Pointers taken out by `remove`. */
  removed: number;
  /** Expired pointers dropped, by `sweep` or lazily by `put`. */
  expired: number;
}

const NO_POINTERS: readonly Pointer[] = [];

export class PointerStore {
  readonly maxPerObject: number;
  readonly maxTotal: number;
  readonly maxPerPublisher: number;
  readonly stats: PointerStoreStats = {
    added: 0,
    replaced: 0,
    refreshed: 0,
    replays: 0,
    evicted: 0,
    fullPerObject: 0,
    fullTotal: 0,
    fullPerPublisher: 0,
    removed: 0,
    expired: 0,
  };

  /** Object GUID hex → its pointers, nearest first; never an empty list. */
  private readonly byObject = new Map<string, Pointer[]>();
  private total = 0;
  /** Server GUID hex → pointers held naming it; an entry exists only while its count is above 0. */
  private readonly byPublisher = new Map<string, number>();

  constructor(limits: Partial<PointerStoreLimits> = {}) {
    const maxPerObject = limits.maxPerObject ?? DEFAULTS.maxPointersPerObject;
    const maxTotal = limits.maxTotal ?? DEFAULTS.maxPointers;
    if (!isPositiveInteger(maxPerObject)) throw new InvalidArgumentError(`maxPerObject must be an integer ≥ 1, got ${maxPerObject}`);
    if (!isPositiveInteger(maxTotal)) throw new InvalidArgumentError(`maxTotal must be an integer ≥ 1, got ${maxTotal}`);
    const maxPerPublisher = limits.maxPerPublisher ?? DEFAULTS.maxPointersPerPublisher;
    if (!isPositiveInteger(maxPerPublisher)) throw new InvalidArgumentError(`maxPerPublisher must be an integer ≥ 1, got ${maxPerPublisher}`);
    this.maxPerObject = maxPerObject;
    this.maxTotal = maxTotal;
    this.maxPerPublisher = maxPerPublisher;
  }

  /** Pointers held naming `serverGuid` as their server, counting expired ones not yet swept. */
  heldFor(serverGuid: Guid): number {
    return this.byPublisher.get(serverGuid.hex) ?? 0;
  }

  /** Servers with at least one pointer held. */
  get publishers(): number {
    return this.byPublisher.size;
  }

  /** Pointers held, counting expired ones not yet swept. */
  get size(): number {
    return this.total;
  }

  /** Objects with at least one pointer held. */
  get objects(): number {
    return this.byObject.size;
  }

  /** Stores or renews a pointer; see PutOutcome. The pointer is copied, never kept by reference. */
  put(p: Pointer, now: number): PutOutcome {
    checkPointer(p);
    const key = p.object.hex;
    let list = this.byObject.get(key);
    if (list !== undefined && this.dropExpired(key, list, now)) list = undefined;
    const incoming = copyPointer(p);

    if (list !== undefined) {
      const at = indexOfServer(list, p.server.guid.hex);
      if (at >= 0) {
        const held = list[at];
        if (p.sequence < held.sequence) {
          this.stats.replays++;
          return 'replay';
        }
        list.splice(at, 1);
        if (p.sequence === held.sequence) {
          insertSorted(list, renewed(held, incoming));
          this.stats.refreshed++;
          return 'refreshed';
        }
        insertSorted(list, incoming);
        this.stats.added++;
        this.stats.replaced++;
        return 'added';
      }
      if (list.length >= this.maxPerObject) {
        // Keep the nearest maxPerObject: locates only ever want the closest replicas.
        if (comparePointers(incoming, list[list.length - 1]) >= 0) {
          this.stats.fullPerObject++;
          return 'full';
        }
        if (this.publisherFull(incoming)) return 'full';
        this.uncount(list.pop()!);
        this.count(incoming);
        insertSorted(list, incoming);
        this.stats.evicted++;
        this.stats.added++;
        return 'added';
      }
    }

    // The total bound refuses rather than evicts: choosing a victim across objects would be O(total).
    if (this.total >= this.maxTotal) {
      this.stats.fullTotal++;
      return 'full';
    }
    if (this.publisherFull(incoming)) return 'full';
    if (list === undefined) {
      list = [];
      this.byObject.set(key, list);
    }
    insertSorted(list, incoming);
    this.count(incoming);
    this.total++;
    this.stats.added++;
    return 'added';
  }

  /**
   * Removes the pointer `serverGuid` left for `object`, if its sequence is at most `upToSequence`
   * (any sequence when omitted). An unpublish must not withdraw a newer publish that overtook it.
   */
  remove(object: Guid, serverGuid: Guid, upToSequence?: number): boolean {
    const key = object.hex;
    const list = this.byObject.get(key);
    if (list === undefined) return false;
    const at = indexOfServer(list, serverGuid.hex);
    if (at < 0) return false;
    if (upToSequence !== undefined && list[at].sequence > upToSequence) return false;
    this.uncount(list.splice(at, 1)[0]);
    this.total--;
    this.stats.removed++;
    if (list.length === 0) this.byObject.delete(key);
    return true;
  }

  /**
   * Up to `limit` unexpired pointers for `object`, nearest first, whose tag equals `query` (an empty
   * query matches every tag) and whose server's GUID hex is not in `exclude`.
   */
  match(object: Guid, query: string, exclude: ReadonlySet<string>, now: number, limit: number): Pointer[] {
    if (!((limit | 0) === limit && limit >= 0)) throw new InvalidArgumentError(`limit must be an integer ≥ 0, got ${limit}`);
    const found: Pointer[] = [];
    if (limit === 0) return found;
    const list = this.byObject.get(object.hex) ?? NO_POINTERS;
    const anyTag = query === '';
    const checkExclude = exclude.size > 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.expiresAt <= now) continue;
      if (!anyTag && p.tag !== query) continue;
      if (checkExclude && exclude.has(p.server.guid.hex)) continue;
      found.push(p);
      if (found.length === limit) break;
    }
    return found;
  }

  /** Every unexpired pointer for `object`, nearest first (a copy). */
  get(object: Guid, now: number): Pointer[] {
    const list = this.byObject.get(object.hex) ?? NO_POINTERS;
    const live: Pointer[] = [];
    for (let i = 0; i < list.length; i++) if (list[i].expiresAt > now) live.push(list[i]);
    return live;
  }

  /** Every unexpired pointer held, object by object (hand-over on join and leave). */
  *all(now: number): IterableIterator<Pointer> {
    for (const list of this.byObject.values()) {
      for (let i = 0; i < list.length; i++) if (list[i].expiresAt > now) yield list[i];
    }
  }

  /** Whether an unexpired pointer from `serverGuid` for `object` is held. */
  has(object: Guid, serverGuid: Guid, now: number): boolean {
    const list = this.byObject.get(object.hex);
    if (list === undefined) return false;
    const at = indexOfServer(list, serverGuid.hex);
    return at >= 0 && list[at].expiresAt > now;
  }

  /** Whether any pointer (even an expired one not yet swept) is held for the object with this GUID hex. */
  hasObject(objectHex: string): boolean {
    return this.byObject.has(objectHex);
  }

  /** Drops every expired pointer; returns how many. The only whole-store pass, run on a timer. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [key, list] of this.byObject) {
      const before = list.length;
      this.dropExpired(key, list, now);
      dropped += before - list.length;
    }
    return dropped;
  }

  /**
   * True (counted) when a new pointer would give its server more than maxPerPublisher here: one
   * peer publishing (or claiming to publish) without end cannot take the whole store.
   */
  private publisherFull(p: Pointer): boolean {
    if ((this.byPublisher.get(p.server.guid.hex) ?? 0) < this.maxPerPublisher) return false;
    this.stats.fullPerPublisher++;
    return true;
  }

  private count(p: Pointer): void {
    const key = p.server.guid.hex;
    this.byPublisher.set(key, (this.byPublisher.get(key) ?? 0) + 1);
  }

  private uncount(p: Pointer): void {
    const key = p.server.guid.hex;
    const n = (this.byPublisher.get(key) ?? 0) - 1;
    if (n > 0) this.byPublisher.set(key, n);
    else this.byPublisher.delete(key);
  }

  /** Drops `list`'s expired pointers in place (counted); true when none remain and the object is gone. */
  private dropExpired(key: string, list: Pointer[], now: number): boolean {
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p.expiresAt > now) list[kept++] = p;
      else this.uncount(p);
    }
    const dropped = list.length - kept;
    if (dropped === 0) return false;
    list.length = kept;
    this.total -= dropped;
    this.stats.expired += dropped;
    if (kept > 0) return false;
    this.byObject.delete(key);
    return true;
  }
}
