/**
 * What a node checks before it keeps a pointer for someone else's object, in order: the record's
 * signature and freshness (location/recordGate.ts), the publish's ownership claim and the owner
 * recorded here (location/ownership.ts), and how much of the claimed path latency to believe
 * (location/latencyTrust.ts); then the pointer store decides where it goes. Every refusal is
 * counted. With `none` (or ownership turned off) only what applied before runs, unchanged.
 */
import { DEFAULTS } from '../defaults';
import { publishHop } from '../location/decisions';
import { trustedPathLatency } from '../location/latencyTrust';
import type { PublishMsg, UnpublishMsg } from '../location/messages';
import { OwnerBook, type CheckedClaim } from '../location/ownership';
import { PointerStore } from '../location/pointerStore';
import { publishRecord, unpublishRecord, type RecordGate } from '../location/recordGate';
import { latencyEstimate } from '../location/decisions';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';
import { certifiesObject } from '../security/ownership';
import type { LocatorStats } from './locatorStats';

export interface IntakeHost {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  now(): number;
  /** Seconds on the network's wall clock (owner grants expire by it). */
  wallSeconds(): number;
  /** The store is no longer empty (the actor starts sweeping). */
  pointersHeld(): void;
}

export class PointerIntake {
  readonly store = new PointerStore();
  /** Who owns each object this node holds pointers for (used only when `enforcesOwners`). */
  readonly owners: OwnerBook;

  constructor(
    private readonly host: IntakeHost,
    readonly gate: RecordGate,
    private readonly stats: LocatorStats,
    ownership: boolean = DEFAULTS.objectOwnership,
  ) {
    this.enforcesOwners = ownership && gate.authenticates;
    this.owners = new OwnerBook(DEFAULTS.maxObjectOwners, stats);
  }

  /** Ownership is checked: an authenticating provider and the node's `objectOwnership` on. */
  readonly enforcesOwners: boolean;

  /**
   * Stores a publish's pointer; false when the record itself was refused (forged, replayed, owned by
   * another key, an invalid claim: counted) and must go no further. `from` handed it over.
   */
  take(p: PublishMsg, from: NodeHandle | undefined): boolean {
    const now = this.host.now();
    const firstAt = this.gate.authenticates ? this.gate.admit(p, publishRecord(p), now) : now;
    if (firstAt === undefined) return false;
    // A duplicate renews the pointer only within the gate's window after its first copy (location/recordGate.ts).
    let lifetimeMs = this.gate.lifetimeLeft(p.lifetimeMs, firstAt, now);
    if (this.enforcesOwners) {
      const claim = this.checkClaim(p);
      if (claim === undefined) {
        this.stats.ownerClaimsInvalid++;
        return false;
      }
      const verdict = this.owners.admit(p.object.hex, claim, this.store.get(p.object, now).length > 0);
      if (verdict === 'refuse' || verdict === 'full') return false;
      if (verdict === 'takeover') this.dropUnauthorised(p, claim, now);
      // A granted server's pointer lives no longer than its grant.
      if (p.owner?.grant) lifetimeMs = Math.min(lifetimeMs, (p.owner.grant.expiresAt - this.host.wallSeconds()) * 1000);
    }
    if (lifetimeMs <= 0) {
      this.stats.pointersRefused++;
      return false;
    }
    const wasEmpty = this.store.size === 0;
    let latency = 0;
    if (!p.server.guid.equals(this.host.self.guid)) {
      const path = this.gate.authenticates ? trustedPathLatency(this.host.table, p.server.guid, p.pathLatency, from) : p.pathLatency;
      latency = latencyEstimate(this.host.table, p.server, path);
    }
    const outcome = publishHop(this.store, p, latency, from, now, lifetimeMs);
    if (outcome === 'added' || outcome === 'refreshed') this.stats.pointersStored++;
    else this.stats.pointersRefused++;
    if (wasEmpty && this.store.size > 0) this.host.pointersHeld();
    return true;
  }

  /**
   * The path latency this node passes on for a publish `from` handed it: under an authenticating
   * provider the claim as location/latencyTrust.ts bounds it, else the claim as it came.
   */
  pathLatency(p: PublishMsg, from: NodeHandle | undefined): number {
    if (!this.gate.authenticates || p.server.guid.equals(this.host.self.guid)) return p.pathLatency;
    return trustedPathLatency(this.host.table, p.server.guid, p.pathLatency, from);
  }

  /**
   * Whether an unpublish may withdraw pointers here: signed by the server and not a replay. No owner
   * check is needed: an unpublish removes only its own server's pointer.
   */
  admitUnpublish(u: UnpublishMsg): boolean {
    return !this.gate.authenticates || this.gate.admit(u, unpublishRecord(u), this.host.now()) !== undefined;
  }

  /** Drops expired pointers, stale replay entries and owners without pointers; true while pointers remain. */
  sweep(): boolean {
    const now = this.host.now();
    this.store.sweep(now);
    if (this.gate.authenticates) this.gate.guard.sweep(now);
    if (this.owners.size > 0) this.owners.sweep((hex) => this.store.hasObject(hex));
    return this.store.size > 0;
  }

  /**
   * The publish's claim, checked: undefined when it does not hold (a self-certifying name that does
   * not give the object, a server that is not the owner without a valid, unexpired grant).
   */
  private checkClaim(p: PublishMsg): CheckedClaim | undefined {
    const o = p.owner;
    if (o === undefined) return { proven: false };
    const proven = o.nameHash !== undefined;
    if (proven && !certifiesObject(p.object, o.key, o.nameHash!)) return undefined;
    if (!sameBytes(o.key, p.publisherKey)) {
      const g = o.grant;
      if (g === undefined || g.expiresAt <= this.host.wallSeconds()) return undefined;
      if (!this.gate.grantHolds(o.key, p.object, p.server.guid, g.expiresAt, g.signature)) return undefined;
    }
    return { keyHex: Buffer.from(o.key).toString('hex'), proven };
  }

  /** A proven owner took over: pointers of servers that did not claim it are dropped. */
  private dropUnauthorised(p: PublishMsg, claim: CheckedClaim, now: number): void {
    for (const held of this.store.get(p.object, now)) {
      const key = held.signed?.owner?.key;
      if (key !== undefined && Buffer.from(key).toString('hex') === claim.keyHex) continue;
      this.store.remove(p.object, held.server.guid);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;
}
