/**
 * Object location at run time: the location module (forward/deliver/update upcalls for the location
 * messages at every hop) wired to its node. The protocol is location/'s: the per-hop rules
 * (decisions.ts), the locate tracker, the publisher, pointer hand-over and the served-once memory.
 * This class decodes, asks them, and sends what they decide, in the order they decide it. Timers
 * live in the ObjectLocator actor, which calls in here.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { extraPointerTargets, locateHop, unpublishHop } from '../location/decisions';
import { LocatorHandOver } from './locatorHandOver';
import { LocateTracker, type LocateRequest } from '../location/locateTracker';
import { LOCATION_MODULE_ID, type LocateFound, type LocateMsg, type LocateNotFound, type LocationMsg, type OwnerClaim, type PublishMsg, type UnpublishMsg } from '../location/messages';
import type { PublishWaiter, UnpublishWaiter } from '../location/publishAcks';
import { acknowledgeAtRoot, acknowledgeUnpublishAtRoot, LocatorPublishing } from './locatorPublishing';
import type { PointerStore } from '../location/pointerStore';
import { PointerIntake } from './pointerIntake';
import { OwnerClaims } from './ownerClaims';
import { OwnerNotices } from './ownerNotices';
import type { Publisher } from '../location/publisher';
import { phaseOffsetOf } from '../location/republishSchedule';
import { RecordGate } from '../location/recordGate';
import { saltedRoot } from '../location/saltedRoots';
import type { Delivery, ForwardContext, ForwardVerdict, UpcallModule } from '../upcalls/contract';
import { decodeLocation, encodeLocation } from '../wire/locationCodec';
import type { LocatorHost, LocatorOptions } from './locatorTypes';
import type { LocatorStats } from './locatorStats';
import { noneProvider } from '../security/noneProvider';
import { secureRandom } from '../security/identity';
import { LocateAnswers } from './locateAnswers';

export type { LocateRequest, LocateResult, LocateSink } from '../location/locateTracker';
export type { PublishResult, PublishWaiter, UnpublishResult, UnpublishWaiter } from '../location/publishAcks';

export type { LocatorHost, LocatorOptions } from './locatorTypes';
export type { LocatorStats } from './locatorStats';

export class LocatorRuntime implements UpcallModule {
  readonly id = LOCATION_MODULE_ID;
  readonly name = 'location';
  readonly store: PointerStore;
  /** Signature and replay checks on every record before it is acted on (location/recordGate.ts). */
  readonly gate: RecordGate;
  /** Every check a pointer passes before it is kept (signature, owner, latency): actors/pointerIntake.ts. */
  readonly intake: PointerIntake;
  /** Owner notices back along a squatter's path (actors/ownerNotices.ts). */
  private readonly notices: OwnerNotices;
  /** This node's ownership claims, owned-object GUIDs and grants. */
  readonly claims: OwnerClaims;
  /** Seconds on the network's wall clock (owner grants). */
  readonly wallSeconds: () => number;
  readonly stats: LocatorStats = {
    published: 0, republished: 0, pointersStored: 0, pointersRefused: 0, extraPointersSent: 0, locatesStarted: 0,
    locatesDiverted: 0, locatesFound: 0, locatesNotFound: 0, locatesTimedOut: 0, attemptsTimedOut: 0,
    staleReplies: 0, forgedAnswers: 0, staleDiverts: 0, malformed: 0, pointersHandedOver: 0, pointersTakenOver: 0,
    ownerClaimsInvalid: 0, publishesFromStrangers: 0, answersWithheld: 0, ownerRefused: 0, ownersTakenOver: 0, ownersFull: 0, ownerNoticesSent: 0, ownerNoticesTaken: 0, ownerNoticesRefused: 0,
    publishesAcknowledged: 0, publishesUnacknowledged: 0, publishAcksSent: 0, publishAcksUnmatched: 0, publishRecordsResent: 0,
    unpublishesAcknowledged: 0, unpublishesUnacknowledged: 0, unpublishAcksSent: 0, unpublishRecordsResent: 0, publishesWithdrawnWaiting: 0,
  };
  /** This node's publications and the wait for their acknowledgements (actors/locatorPublishing.ts). */
  readonly publishing: LocatorPublishing;
  private readonly tracker: LocateTracker;
  private readonly idBytes: 20 | 32;
  /** Signs this server's answers and checks the ones this node's locates get. */
  private readonly answers: LocateAnswers;
  /** Pointers passed to the nodes that now root them (joins, leaves). */
  private readonly handOvers: LocatorHandOver;

  constructor(
    private readonly host: LocatorHost,
    private readonly opts: LocatorOptions,
  ) {
    this.idBytes = host.space.bytes as 20 | 32;
    this.gate = new RecordGate(host.security ?? noneProvider);
    this.answers = new LocateAnswers(host.security ?? noneProvider, host.self, () => this.wallSeconds(), this.gate);
    const wallSeconds = host.wallSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.wallSeconds = wallSeconds;
    this.intake = new PointerIntake(
      // Getters: a host may swap its table (tests do), and the intake must see the current one.
      { get self() { return host.self; }, get table() { return host.table; }, now: () => host.now(), wallSeconds, pointersHeld: () => host.pointersHeld() },
      this.gate, this.stats, opts.ownership,
    );
    this.store = this.intake.store;
    this.notices = new OwnerNotices(host, this.intake, this.stats);
    this.claims = new OwnerClaims(host.security ?? noneProvider, host.self.guid, opts.ownership ?? DEFAULTS.objectOwnership);
    this.publishing = new LocatorPublishing(
      {
        now: () => host.now(),
        routeToRoot: (object, salt, msg) => this.routeToRoot(object, salt, msg),
        armPublishTimeout: (id, ms) => host.armPublishTimeout(id, ms),
        random: host.random ?? secureRandom,
      },
      {
        self: host.self, salts: opts.salts, pointerLifetimeMs: opts.pointerLifetimeMs,
        // Receivers renew pointers with an unchanged copy within this window: re-send, don't re-sign.
        renewMs: this.gate.renewMs,
        republishMs: opts.republishMs,
        // The node's phases start where its GUID says: deterministic, and different node to node.
        phaseOffset: phaseOffsetOf(host.self.guid.bytes),
      },
      this.gate,
      { ackTimeoutMs: DEFAULTS.publishAckTimeoutMs, ackResendMs: DEFAULTS.publishAckResendMs, maxPending: DEFAULTS.maxPendingPublishAcks },
      this.stats,
    );
    this.answers.serving = { host, publisher: this.publisher, stats: this.stats };
    this.handOvers = new LocatorHandOver(host, this.store, this.stats, {
      took: (p, from) => this.took(p, from),
      routeToRoot: (object, salt, msg) => this.routeToRoot(object, salt, msg),
    });
    this.tracker = new LocateTracker(
      {
        sendLocate: (locate) => this.routeToRoot(locate.object, locate.saltIndex, { kind: 'locate', locate }),
        armTimeout: (id, salt, ms) => this.host.armTimeout(id, salt, ms),
      },
      {
        self: host.self, salts: opts.salts, attemptTimeoutMs: opts.attemptTimeoutMs, random: host.random,
        ...(this.answers.authenticates ? { padding: DEFAULTS.locatePaddingBytes, ownedPadding: DEFAULTS.ownedLocatePaddingBytes, answerHolds: (f: LocateFound, from: NodeHandle | undefined, owned: boolean) => this.answers.holds(f, from, owned) } : {}),
      },
      this.stats,
    );
  }

  get inFlight(): number {
    return this.tracker.inFlight;
  }

  // ---- This node as a publisher -------------------------------------------------------------

  /** The publications this node serves. */
  get publisher(): Publisher {
    return this.publishing.publisher;
  }

  /**
   * Advertises that this node serves `object`: a publish walks to each salted root. A `waiter` hears
   * when every salted root acknowledged storing the pointer (or the wait ran out).
   */
  publish(object: Guid, tag: string, owner?: OwnerClaim, waiter?: PublishWaiter): void {
    this.publishing.publish(object, tag, owner, waiter);
  }

  /**
   * Withdraws `object`: an unpublish walks the same paths and removes the pointers. A `waiter` hears
   * when every salted root acknowledged that the unpublish reached it (or the wait ran out).
   */
  unpublish(object: Guid, waiter?: UnpublishWaiter): boolean {
    return this.publishing.unpublish(object, waiter);
  }

  /** Soft state: every publication walks its paths again, refreshing the pointers' expiry. */
  republishAll(): void {
    this.publishing.republishAll();
  }

  /** Soft state on the schedule: the publications due now walk their paths again. */
  republishDue(): void {
    this.publishing.republishDue(this.opts.salts);
  }

  /** How long until `republishDue` has work (ms), or `fallbackMs` without a schedule. */
  nextRepublishDelay(fallbackMs: number): number {
    return this.publishing.nextRepublishDelay(fallbackMs);
  }

  /** The actor's timer for publish wait `id` fired: it ends with TimeoutError (the publication stays). */
  publishTimedOut(id: number): void {
    this.publishing.timedOut(id);
  }

  /** Drops expired pointers; true while any remain (the actor keeps sweeping). */
  sweep(): boolean {
    return this.intake.sweep();
  }

  /**
   * A pointer handed over by a node that joined or left: kept here, and, unless this node is its
   * root, published on toward the root so the path to it carries the pointer again.
   */
  acceptPointer(handed: PublishMsg, from?: NodeHandle): void {
    this.handOvers.accept(handed, from);
  }

  // ---- Pointer hand-over (actors/locatorHandOver.ts) -----------------------------------------

  /** The `update` upcall: a node that joined gets the pointers it is now the next hop for. */
  update(node: NodeHandle, joined: boolean): void {
    if (joined) this.handOvers.joined(node);
  }

  /**
   * The `leaving` upcall: the nodes leaving at the same moment are known and gone from the table, so
   * every pointer this node roots goes to the node that roots it without this one and them.
   */
  leaving(): void {
    this.handOvers.leaving();
  }

  /** This node leaves: every pointer it roots goes to the node that roots it without this one. */
  handOverOnLeave(): void {
    this.handOvers.onLeave();
  }

  // ---- This node as a client ----------------------------------------------------------------

  /** Starts a locate toward salted root 0; results and the outcome go to `req.sink`. */
  startLocate(req: LocateRequest): number {
    return this.tracker.start(req, this.host.now());
  }

  /** Ends a locate early (AbortSignal): the sink gets `reason`. */
  abort(id: number, reason: Error): void {
    this.tracker.abort(id, reason);
  }

  /** The actor's timer for one salted root fired: answers still missing from it are taken as lost. */
  attemptTimedOut(id: number, salt: number): void {
    this.tracker.attemptTimedOut(id, salt);
  }

  /** Ends every locate and every publish's wait for acknowledgements (node closing). */
  shutdown(reason: Error): void {
    this.tracker.shutdown(reason);
    this.publishing.shutdown(reason);
  }

  // ---- The upcalls: every location message at every hop -------------------------------------

  forward(ctx: ForwardContext): ForwardVerdict {
    if (ctx.fragment) return false; // location messages always fit one datagram; a fragment is forged
    const msg = this.decode(ctx.payload);
    if (!msg) return false;
    const linkLatency = this.host.table.get(ctx.nextHop.guid)?.latency ?? 0;
    switch (msg.kind) {
      case 'publish': {
        const p = msg.publish;
        if (p.extra) return false; // extra copies are sent straight to their holder, never routed
        // A forged, replayed or squatting record goes no further.
        if (!this.took(p, ctx.from)) return false;
        const path = this.intake.pathLatency(p, ctx.from);
        this.sendExtras(ctx.nextHop, ctx.hops, (to, lat) => ({ kind: 'publish', publish: { ...withoutNonce(p), extra: true, pathLatency: path + lat } }));
        ctx.payload = encodeLocation({ kind: 'publish', publish: { ...p, pathLatency: path + linkLatency } });
        return;
      }
      case 'unpublish': {
        const u = msg.unpublish;
        if (u.extra) return false;
        if (!this.intake.admitUnpublish(u)) return false;
        unpublishHop(this.store, u);
        this.sendExtras(ctx.nextHop, ctx.hops, () => ({ kind: 'unpublish', unpublish: { ...withoutNonce(u), extra: true } }));
        return;
      }
      case 'locate': {
        const l = msg.locate;
        if (l.diverted) return false; // a diverted locate travels straight to its server
        const rest = this.divert(l, ctx.hops);
        if (!rest) return 'taken';
        ctx.payload = encodeLocation({ kind: 'locate', locate: { ...rest, pathLatency: rest.pathLatency + linkLatency } });
        return;
      }
      default:
        return false; // answers and hand-overs are sent straight to their node, never routed
    }
  }

  deliver(d: Delivery): void {
    const msg = this.decode(d.payload);
    if (!msg) return;
    switch (msg.kind) {
      case 'publish':
        if (this.took(msg.publish, d.from) && !d.ttlExpired) acknowledgeAtRoot(this.host, this.store, this.stats, this.publishing, msg.publish, d.hops);
        return;
      case 'publishAck':
        // Only a message that came over the network names its sender; the root's own ack is a plain call.
        if (d.from) this.publishing.acked(msg.ack, d.from);
        else this.stats.publishAcksUnmatched++;
        return;
      case 'ownerNotice':
        this.notices.received(msg.notice.record, d.from);
        return;
      case 'unpublish':
        if (!this.intake.admitUnpublish(msg.unpublish)) return;
        unpublishHop(this.store, msg.unpublish);
        if (!d.ttlExpired) acknowledgeUnpublishAtRoot(this.host, this.stats, this.publishing, msg.unpublish, d.hops);
        return;
      case 'locate': {
        const l = msg.locate;
        if (l.diverted) {
          this.answers.serve(l, d.hops, d.payload.length);
          return;
        }
        // The salted root (or where the TTL ran out): last chance for a pointer here.
        const rest = this.divert(l, d.hops);
        if (rest) {
          const notFound: LocateNotFound = { locateId: l.locateId, locateKey: l.locateKey, object: l.object, saltIndex: l.saltIndex, diverted: rest.exclude, hops: d.hops };
          this.host.sendDirect(l.origin, LOCATION_MODULE_ID, encodeLocation({ kind: 'notFound', notFound }), d.hops);
        }
        return;
      }
      case 'found':
        this.tracker.found(msg.found, this.host.now(), d.from);
        return;
      case 'notFound':
        this.tracker.notFound(msg.notFound);
        return;
      case 'handOver':
        for (const p of msg.handOver.pointers) {
          this.stats.pointersTakenOver++;
          this.acceptPointer(p, d.from);
        }
        return;
    }
  }

  // ---- Internals ------------------------------------------------------------------------------

  private decode(bytes: Uint8Array): LocationMsg | undefined {
    try {
      return decodeLocation(bytes, { idBytes: this.idBytes });
    } catch {
      this.stats.malformed++;
      return undefined;
    }
  }

  private routeToRoot(object: Guid, salt: number, msg: LocationMsg): void {
    this.host.route({ dest: saltedRoot(object, salt), payload: encodeLocation(msg), fuzzy: true, ttl: DEFAULTS.defaultTtl, moduleId: LOCATION_MODULE_ID });
  }

  /** Takes a publish's pointer (actors/pointerIntake.ts); one refused for another owner gets an owner notice back. */
  private took(p: PublishMsg, from: NodeHandle | undefined): boolean {
    const outcome = this.intake.take(p, from);
    if (outcome === 'owned') this.notices.refused(p, from);
    this.notices.flush();
    return outcome === 'stored';
  }

  /** JSAC pointer caching: copies to the next hop's backups and this node's nearest neighbours. */
  private sendExtras(nextHop: NodeHandle, hopIndex: number, make: (to: NodeHandle, latency: number) => LocationMsg): void {
    const { extra } = this.opts;
    if (extra.hops === 0) return;
    for (const to of extraPointerTargets(this.host.table, nextHop, hopIndex, extra)) {
      const latency = this.host.table.get(to.guid)?.latency ?? 0;
      this.stats.extraPointersSent++;
      this.host.sendDirect(to, LOCATION_MODULE_ID, encodeLocation(make(to, latency)), hopIndex);
    }
  }

  /**
   * Sends the locate on to the nearest matching servers this node knows of; returns what is
   * still wanted (to go on toward the root), or undefined when every wanted replica is covered.
   */
  private divert(l: LocateMsg, hops: number): LocateMsg | undefined {
    const pointers = locateHop(this.store, l, this.host.now());
    if (pointers.length === 0) return l;
    const exclude = [...l.exclude, ...pointers.map((p) => p.server.guid)];
    for (const p of pointers) {
      this.stats.locatesDiverted++;
      const diverted: LocateMsg = { ...l, wanted: 1, exclude, diverted: true, pathLatency: l.pathLatency + p.latency };
      this.host.sendDirect(p.server, LOCATION_MODULE_ID, encodeLocation({ kind: 'locate', locate: diverted }), hops);
    }
    const wanted = l.wanted - pointers.length;
    return wanted > 0 ? { ...l, wanted, exclude } : undefined;
  }
}

/** An extra copy (of a publish or an unpublish) is acted on, never acknowledged: it carries no nonce. */
function withoutNonce<T extends PublishMsg | UnpublishMsg>(p: T): T {
  if (p.ackNonce === undefined) return p;
  const { ackNonce: _nonce, ...rest } = p;
  return rest as T;
}
