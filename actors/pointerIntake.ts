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
import { PointerStore, type Pointer } from '../location/pointerStore';
import { handOverRecord } from '../location/handOver';
import { publishRecord, unpublishRecord, type RecordGate } from '../location/recordGate';
import { latencyEstimate } from '../location/decisions';
import type { NodeHandle } from '../routing/handle';
import { isAdmittedPeer } from '../routing/admittedPeer';
import type { RoutingTable } from '../routing/routingTable';
import { certifiesObject } from '../security/ownership';
import type { LocatorStats } from './locatorStats';

/** What `take` did with a publish (see there). */
export type TakeOutcome = 'stored' | 'refused' | 'owned';

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

  /**
   * Owner notices a takeover in `take` calls for (the new owner's record, to the previous hops of the
   * pointers it displaced): the caller sends them and empties the list after every `take`. At most
   * DEFAULTS.maxPointersPerObject entries per take.
   */
  readonly notices: Array<{ to: NodeHandle; saltIndex: number; record: PublishMsg }> = [];

  /** Ownership is checked: an authenticating provider and the node's `objectOwnership` on. */
  readonly enforcesOwners: boolean;

  /** Publishes refused because their server is a resolve-only node (routing/resolveOnly.ts; a count). */
  resolveOnlyRefused = 0;

  /**
   * Stores a publish's pointer. 'stored': go on (the pointer may still have been refused by a store
   * bound); 'refused': the record itself was refused (forged, replayed, an invalid claim, expired:
   * counted) and must go no further; 'owned': refused because the object has another owner here.
   * `from` handed it over.
   */
  take(p: PublishMsg, from: NodeHandle | undefined): TakeOutcome {
    // No pointer to a resolve-only node: no routing table lists it, so a locate would be led to a
    // server it could only reach by an address, and the node would serve as a root of sorts.
    if (p.server.resolveOnly) {
      this.resolveOnlyRefused++;
      return 'refused';
    }
    const now = this.host.now();
    const firstAt = this.gate.authenticates ? this.gate.admit(p, publishRecord(p), now) : now;
    if (firstAt === undefined) return 'refused';
    // A valid record is then taken only from an admitted peer: one this node
    // lists (at the address it lists) or one that lists this node. An outsider that sends its record
    // straight to every node would otherwise own each object no honest publish has passed yet.
    // Part of ownership enforcement (`objectOwnership`), which is on by default under `signed`.
    if (this.enforcesOwners && from && !from.guid.equals(this.host.self.guid) && !isAdmittedPeer(this.host.table, from)) {
      this.stats.publishesFromStrangers++;
      return 'refused';
    }
    // A duplicate renews the pointer only within the gate's window after its first copy (location/recordGate.ts).
    let lifetimeMs = this.gate.lifetimeLeft(p.lifetimeMs, firstAt, now);
    if (this.enforcesOwners) {
      const claim = this.checkClaim(p);
      if (claim === undefined) {
        this.stats.ownerClaimsInvalid++;
        return 'refused';
      }
      const verdict = this.owners.admit(p.object.hex, claim, this.store.get(p.object, now).length > 0);
      if (verdict === 'refuse') return 'owned';
      if (verdict === 'full') return 'refused';
      if (verdict === 'takeover') {
        // The displaced servers' paths learn of the owner too: a notice to each dropped pointer's previous hop.
        for (const prev of previousHops(this.host.self, this.dropUnauthorised(p, claim, now))) this.notices.push({ ...prev, record: p });
      }
      // A granted server's pointer lives no longer than its grant.
      if (p.owner?.grant) lifetimeMs = Math.min(lifetimeMs, (p.owner.grant.expiresAt - this.host.wallSeconds()) * 1000);
    }
    if (lifetimeMs <= 0) {
      this.stats.pointersRefused++;
      return 'refused';
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
    return 'stored';
  }

  /**
   * The notice for a publish of `refused`'s object refused here for another owner: the recorded
   * owner's record from a pointer held here, on `refused`'s salted path; undefined when none is held.
   */
  ownerNotice(refused: PublishMsg): PublishMsg | undefined {
    const now = this.host.now();
    const owner = this.owners.get(refused.object.hex);
    if (owner === undefined || owner.open) return undefined;
    for (const p of this.store.get(refused.object, now)) {
      const key = p.signed?.owner?.key;
      if (key === undefined || hex(key) !== owner.keyHex) continue;
      return { ...handOverRecord(p, now), saltIndex: refused.saltIndex };
    }
    return undefined;
  }

  /**
   * An owner notice from `from`, which says it is this node's next hop toward the record's salted
   * root (`fromNextHop`, checked by the caller): upstream wins. When the record and its claim hold,
   * its owner replaces what this node recorded on first use (a proven owner here gives way only to
   * the same key), pointers of servers it does not cover are dropped, and the previous hops of those
   * pointers are returned: the notice goes on to them. Counted either way.
   */
  takeNotice(record: PublishMsg, fromNextHop: boolean): Array<{ to: NodeHandle; saltIndex: number }> {
    const none: Array<{ to: NodeHandle; saltIndex: number }> = [];
    if (!this.enforcesOwners || !fromNextHop) {
      this.stats.ownerNoticesRefused++;
      return none;
    }
    const now = this.host.now();
    const claim = this.gate.recordHolds(record, publishRecord(record)) ? this.checkClaim(record) : undefined;
    if (claim === undefined || claim.keyHex === undefined) {
      this.stats.ownerNoticesRefused++;
      return none;
    }
    const held = this.owners.get(record.object.hex);
    if (held !== undefined && !held.open && held.keyHex === claim.keyHex) return none; // already so
    if (held !== undefined && !held.open && held.proven && !claim.proven) {
      this.stats.ownerNoticesRefused++;
      return none;
    }
    this.stats.ownerNoticesTaken++;
    const dropped = this.dropUnauthorised(record, claim, now);
    // With no pointer left the record would end at once; the next publish records the owner anew.
    if (this.store.get(record.object, now).length > 0 || dropped.length > 0) this.owners.force(record.object.hex, claim);
    return previousHops(this.host.self, dropped);
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
    return { keyHex: hex(o.key), proven };
  }

  /** A new owner took over: pointers of servers that did not claim it are dropped (and returned). */
  private dropUnauthorised(p: PublishMsg, claim: CheckedClaim, now: number): Pointer[] {
    const dropped: Pointer[] = [];
    for (const held of this.store.get(p.object, now)) {
      const key = held.signed?.owner?.key;
      if (key !== undefined && hex(key) === claim.keyHex) continue;
      this.store.remove(p.object, held.server.guid);
      dropped.push(held);
    }
    return dropped;
  }
}

/** The distinct (previous hop, salt) pairs of `dropped` pointers, this node left out. */
function previousHops(self: NodeHandle, dropped: readonly Pointer[]): Array<{ to: NodeHandle; saltIndex: number }> {
  const prev = new Map<string, { to: NodeHandle; saltIndex: number }>();
  for (const p of dropped) {
    if (p.from === undefined || p.from.guid.equals(self.guid)) continue;
    prev.set(`${p.from.guid.hex}:${p.saltIndex}`, { to: p.from, saltIndex: p.saltIndex });
  }
  return [...prev.values()];
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;
}
