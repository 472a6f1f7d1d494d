/**
 * Who may publish an object at this node (trust on first use, with self-certifying objects as the
 * strong form). The first pointer for an object fixes its owner here: the owner key its publish
 * claimed, or "open" when it claimed none. While the object has a live pointer here, a later publish
 * is accepted only when:
 * - the object is open (anyone may serve it), or
 * - its claim names the recorded owner key (the server is the owner, or carries the owner's grant:
 *   the claim was checked before it got here).
 * A claim proven by a self-certifying GUID (the object is the hash of the owner's key and a name)
 * beats anything recorded on first use: it becomes the owner, and pointers of servers it did not
 * authorise are dropped. Once a proven owner is recorded, only its key is accepted.
 *
 * The record ends with the object's last pointer here (it expired or was withdrawn): `admit` is told
 * whether the object still has one, and `sweep` drops the rest. Bounded: at most `limit` objects
 * (DEFAULTS.maxObjectOwners); a new object past the bound is refused (counted).
 *
 * Pure: the claim's validity (signatures, the GUID's derivation) is decided by the caller and passed
 * in; no clock, no I/O.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';

/** What this node holds for one object. */
export type OwnerRecord =
  | { readonly open: true }
  | { readonly open: false; readonly keyHex: string; readonly proven: boolean };

/** A publish's ownership claim, already checked by the caller. */
export interface CheckedClaim {
  /** The owner's credential, hex (the claimed owner; absent: an open publish). */
  readonly keyHex?: string;
  /** The object GUID is the self-certifying hash of the claimed key and a name (verified). */
  readonly proven: boolean;
}

/** What `admit` decided: refuse, accept, or accept with a new owner that displaces earlier servers. */
export type OwnerVerdict = 'accept' | 'refuse' | 'full' | 'takeover';

/** Counters of the ownership checks, part of the locator's stats (`node.stats.location`). */
export interface OwnershipStats {
  /** Publishes refused because the object has another owner here. */
  ownerRefused: number;
  /** Objects whose first-use owner gave way to a proven (self-certifying) owner. */
  ownersTakenOver: number;
  /** Publishes of a new object refused because the owner book was full. */
  ownersFull: number;
}

export class OwnerBook {
  /** Object GUID hex → its owner here. */
  private readonly owners = new Map<string, OwnerRecord>();

  constructor(
    readonly limit: number = DEFAULTS.maxObjectOwners,
    readonly stats: OwnershipStats = { ownerRefused: 0, ownersTakenOver: 0, ownersFull: 0 },
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new InvalidArgumentError(`limit must be an integer ≥ 1, got ${limit}`);
  }

  get size(): number {
    return this.owners.size;
  }

  /** The owner recorded for an object (GUID hex), if any. */
  get(objectHex: string): OwnerRecord | undefined {
    return this.owners.get(objectHex);
  }

  /**
   * Whether a publish of `objectHex` with `claim` may leave a pointer here; records the owner on
   * first use and on a takeover. `live`: the object still has an unexpired pointer here (without one
   * the old record is gone).
   */
  admit(objectHex: string, claim: CheckedClaim, live: boolean): OwnerVerdict {
    let held = this.owners.get(objectHex);
    if (held !== undefined && !live) {
      this.owners.delete(objectHex);
      held = undefined;
    }
    const claimed: OwnerRecord = claim.keyHex === undefined ? { open: true } : { open: false, keyHex: claim.keyHex, proven: claim.proven };
    if (held === undefined) {
      if (this.owners.size >= this.limit) {
        this.stats.ownersFull++;
        return 'full';
      }
      this.owners.set(objectHex, claimed);
      return 'accept';
    }
    if (!held.open && held.keyHex === claim.keyHex) {
      // The same owner, now proven: upgrade the record (nothing to displace).
      if (claim.proven && !held.proven) this.owners.set(objectHex, claimed);
      return 'accept';
    }
    if (claim.proven && (held.open || !held.proven)) {
      this.owners.set(objectHex, claimed);
      this.stats.ownersTakenOver++;
      return 'takeover';
    }
    if (held.open) return 'accept';
    this.stats.ownerRefused++;
    return 'refuse';
  }

  /**
   * Records `claim` as the object's owner whatever was recorded (an owner notice from upstream, which
   * the caller checked). Refused (false) only past the bound for a new object.
   */
  force(objectHex: string, claim: CheckedClaim): boolean {
    if (!this.owners.has(objectHex) && this.owners.size >= this.limit) {
      this.stats.ownersFull++;
      return false;
    }
    this.owners.set(objectHex, claim.keyHex === undefined ? { open: true } : { open: false, keyHex: claim.keyHex, proven: claim.proven });
    return true;
  }

  /** Drops the records of objects without a live pointer here; returns how many. */
  sweep(live: (objectHex: string) => boolean): number {
    let dropped = 0;
    for (const key of this.owners.keys()) {
      if (live(key)) continue;
      this.owners.delete(key);
      dropped++;
    }
    return dropped;
  }
}
