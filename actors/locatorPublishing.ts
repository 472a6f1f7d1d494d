/**
 * This node as a publisher, at run time: the publisher's records (location/publisher.ts) routed to
 * their salted roots, and the wait for those roots' acknowledgements (location/publishAcks.ts). A
 * first publish carries a fresh nonce so each root that stores its pointer answers with a
 * PublishAck, and so does an unpublish, answered by each root it reaches; republishes carry none
 * (soft state needs no answer). Timers live in the ObjectLocator actor (`armPublishTimeout`), which
 * calls `timedOut` back.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { LOCATION_MODULE_ID, type LocationMsg, type OwnerClaim, type PublishAck, type PublishMsg, type UnpublishMsg } from '../location/messages';
import type { PointerStore } from '../location/pointerStore';
import { saltedRoot } from '../location/saltedRoots';
import { nextHop } from '../routing/nextHop';
import { encodeLocation } from '../wire/locationCodec';
import type { HandOverHost } from './locatorHandOver';
import { Publisher, type PublisherOptions, type RecordSigner } from '../location/publisher';
import { PublishAcks, type PublishAckStats, type PublishWaiter, type UnpublishAckStats, type UnpublishWaiter } from '../location/publishAcks';
import type { RandomBytes } from '../security/identity';

/** What the publishing side needs from the locator. */
export interface PublishingHost {
  now(): number;
  /** Routes a location message toward `object`'s salted root `salt`. */
  routeToRoot(object: Guid, salt: number, msg: LocationMsg): void;
  /** Asks the actor to call `timedOut(id)` after `ms`. */
  armPublishTimeout(id: number, ms: number): void;
  /** The node's injected random source (nonces). */
  readonly random: RandomBytes;
}

/** How publishing is counted (part of LocatorStats). */
export interface PublishingStats extends PublishAckStats, UnpublishAckStats {
  /** Objects this node published (one per `publish` call, whatever the number of salted roots). */
  published: number;
  /** Publications walked again to refresh their pointers' expiry (one per object per round). */
  republished: number;
}

/** The wait's bounds. */
export interface PublishingLimits {
  /** How long a publish waits for every salted root's acknowledgement (ms; DEFAULTS.publishAckTimeoutMs). */
  readonly ackTimeoutMs: number;
  /** A salted root not heard from after this long gets its record again (ms; DEFAULTS.publishAckResendMs). */
  readonly ackResendMs: number;
  /** Most publishes waiting at once (DEFAULTS.maxPendingPublishAcks). */
  readonly maxPending: number;
}

export class LocatorPublishing {
  readonly publisher: Publisher;
  readonly acks: PublishAcks;

  constructor(
    private readonly host: PublishingHost,
    opts: PublisherOptions,
    signer: RecordSigner,
    private readonly limits: PublishingLimits,
    private readonly stats: PublishingStats,
  ) {
    this.publisher = new Publisher(opts, signer);
    this.acks = new PublishAcks({ salts: opts.salts, limit: limits.maxPending, random: host.random }, stats, stats);
  }

  /**
   * Advertises that this node serves `object`: a publish walks to each salted root. With a `waiter`,
   * the records carry a nonce and the waiter hears when every root acknowledged, or the bound ran out.
   */
  publish(object: Guid, tag: string, owner?: OwnerClaim, waiter?: PublishWaiter): void {
    const now = this.host.now();
    const records = this.publisher.publish(object, tag, now, owner);
    this.stats.published++;
    const wait = waiter ? this.acks.open(object, waiter, now) : undefined;
    if (!wait) {
      this.route(records);
      return;
    }
    const asking = records.map((r) => ({ ...r, ackNonce: wait.nonce }));
    this.acks.sent(wait.id, asking);
    this.host.armPublishTimeout(wait.id, Math.min(this.limits.ackResendMs, this.limits.ackTimeoutMs));
    this.route(asking);
  }

  /**
   * Withdraws `object`: an unpublish walks the same paths and removes the pointers. With a `waiter`,
   * the records carry a nonce and the waiter hears when every salted root acknowledged that the
   * unpublish reached it, or the bound ran out; an object not published resolves it at once with
   * no roots. A publish of `object` still waiting for its acknowledgements ends (AbortedError).
   */
  unpublish(object: Guid, waiter?: UnpublishWaiter): boolean {
    const records = this.publisher.unpublish(object);
    if (!records) {
      waiter?.resolve({ object, tried: 0, acknowledged: 0, roots: [] });
      return false;
    }
    this.acks.withdrawn(object);
    const wait = waiter ? this.acks.open(object, waiter, this.host.now(), 'unpublish') : undefined;
    if (!wait) {
      this.routeUnpublishes(records);
      return true;
    }
    const asking = records.map((r) => ({ ...r, ackNonce: wait.nonce }));
    this.acks.sentUnpublish(wait.id, asking);
    this.host.armPublishTimeout(wait.id, Math.min(this.limits.ackResendMs, this.limits.ackTimeoutMs));
    this.routeUnpublishes(asking);
    return true;
  }

  /** Soft state: every publication walks its paths again, refreshing the pointers' expiry. */
  republishAll(): void {
    this.stats.republished += this.publisher.size;
    this.route(this.publisher.republishAll(this.host.now()));
  }

  /**
   * Soft state on the schedule: the publications due now walk their paths again (each at its own
   * phase of the period). Without a period, everything (the actor's own period).
   */
  republishDue(salts: number): void {
    if (this.publisher.nextRepublishAt() === undefined) {
      this.republishAll();
      return;
    }
    const records = this.publisher.republishDue(this.host.now());
    this.stats.republished += records.length / salts;
    this.route(records);
  }

  /** How long until `republishDue` has work (ms), or `fallbackMs` without a schedule. */
  nextRepublishDelay(fallbackMs: number): number {
    const at = this.publisher.nextRepublishAt();
    return at === undefined ? fallbackMs : Math.max(0, at - this.host.now());
  }

  /** A salted root's acknowledgement, sent by `from` (this node when it roots the object itself). */
  acked(ack: PublishAck, from: NodeHandle): void {
    this.acks.acked(ack, from);
  }

  /**
   * The actor's timer for publish wait `id` fired: past the bound the wait ends with TimeoutError;
   * before it, the roots not heard from get their records again (a publish or its acknowledgement
   * lost past the hops' own resends, or a route that failed over), and the timer is armed again.
   */
  timedOut(id: number): void {
    const wait = this.acks.unansweredRecords(id);
    if (!wait) return; // settled meanwhile
    const elapsed = this.host.now() - wait.startedAt;
    const left = this.limits.ackTimeoutMs - elapsed;
    if (left <= 0) {
      this.acks.timedOut(id, this.limits.ackTimeoutMs);
      return;
    }
    if (wait.records.kind === 'unpublish') {
      // Always safe to send again: it removes only pointers of its sequence or older, so even once
      // the object is published anew (a higher sequence) it leaves the new pointers alone.
      this.stats.unpublishRecordsResent += wait.records.records.length;
      this.routeUnpublishes(wait.records.records);
    } else {
      // The publication may have been published anew since: only its current records go again.
      const current = this.publisher.get(wait.object);
      const resend = current ? wait.records.records.filter((r) => r.sequence === current.sequence) : [];
      this.stats.publishRecordsResent += resend.length;
      this.route(resend);
    }
    this.host.armPublishTimeout(id, Math.min(this.limits.ackResendMs, left));
  }

  /** Ends every wait (node closing). */
  shutdown(reason: Error): void {
    this.acks.shutdown(reason);
  }

  private route(records: readonly PublishMsg[]): void {
    for (const publish of records) this.host.routeToRoot(publish.object, publish.saltIndex, { kind: 'publish', publish });
  }

  private routeUnpublishes(records: readonly UnpublishMsg[]): void {
    for (const unpublish of records) this.host.routeToRoot(unpublish.object, unpublish.saltIndex, { kind: 'unpublish', unpublish });
  }
}

/**
 * A publish that asked for an acknowledgement reached this node as its salted root and the pointer
 * is here: the nonce goes straight back to the publisher (this node's own wait, when it is both).
 * An extra copy, a record sent here directly to a node that is not the root, or one whose pointer a
 * store bound refused, is not acknowledged.
 */
export function acknowledgeAtRoot(host: HandOverHost, store: PointerStore, stats: PublishAckStats, publishing: LocatorPublishing, p: PublishMsg, hops: number): void {
  if (p.ackNonce === undefined || p.extra) return;
  if (nextHop(host.table, saltedRoot(p.object, p.saltIndex), 0).kind !== 'root') return;
  if (!store.has(p.object, p.server.guid, host.now())) return;
  stats.publishAcksSent++;
  answerPublisher(host, publishing, p, p.ackNonce, hops);
}

/**
 * An unpublish that asked for an acknowledgement reached this node as its salted root (its pointer,
 * if any, removed here as on every hop before): the nonce goes straight back to the publisher, so
 * its unpublish() knows the whole path to this root is clear. Whether this root held the pointer
 * does not matter: a publish lost before it got here left nothing further on. An extra copy, or a
 * record sent to a node that is not the root (a TTL that ran out), is not acknowledged.
 */
export function acknowledgeUnpublishAtRoot(host: HandOverHost, stats: UnpublishAckStats, publishing: LocatorPublishing, u: UnpublishMsg, hops: number): void {
  if (u.ackNonce === undefined || u.extra) return;
  if (nextHop(host.table, saltedRoot(u.object, u.saltIndex), 0).kind !== 'root') return;
  stats.unpublishAcksSent++;
  answerPublisher(host, publishing, u, u.ackNonce, hops);
}

/** The root's PublishAck to the record's server, straight back (or to this node's own wait). */
function answerPublisher(host: HandOverHost, publishing: LocatorPublishing, record: PublishMsg | UnpublishMsg, nonce: Uint8Array, hops: number): void {
  const ack = { object: record.object, saltIndex: record.saltIndex, nonce };
  if (record.server.guid.equals(host.self.guid)) publishing.acked(ack, host.self);
  else host.sendDirect(record.server, LOCATION_MODULE_ID, encodeLocation({ kind: 'publishAck', ack }), hops);
}
