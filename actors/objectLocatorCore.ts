/**
 * Object location at run time: the location module (forward/deliver upcalls for publish,
 * unpublish and locate messages at every hop) and the bookkeeping of this node's publications and
 * locates in flight. The per-hop rules are the pure functions of location/; this class applies
 * them and sends what they decide. Timers live in the ObjectLocator actor, which calls in here.
 */
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { NotFoundError, TimeoutError } from '../errors';
import type { Guid, IdSpace } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';
import { extraPointerTargets, latencyEstimate, locateHop, publishHop, unpublishHop } from '../location/decisions';
import { PointerStore } from '../location/pointerStore';
import { saltedRoot } from '../location/saltedRoots';
import { nextHop } from '../routing/nextHop';
import type { Delivery, ForwardContext, ForwardVerdict, UpcallModule } from '../upcalls/contract';
import { decodeLocation, encodeLocation } from '../wire/locationCodec';
import { LOCATION_MODULE_ID, type LocateFound, type LocateMsg, type LocateNotFound, type LocationMsg, type PublishMsg, type UnpublishMsg } from '../location/messages';
import type { Channel } from '../api/channel';
import type { RouteRequest } from './routerRuntime';
import { publishRecord, RecordGate, unpublishRecord } from '../location/recordGate';
import { noneProvider } from '../security/noneProvider';
import type { SecurityProvider } from '../security/provider';

/** One replica a locate found. */
export interface LocateResult {
  readonly object: Guid;
  /** The node serving the replica. */
  readonly server: NodeHandle;
  readonly tag: string;
  /** Overlay hops from the origin to the server. */
  readonly hops: number;
  /** Latency along that path (ms), by the nodes' own measurements. */
  readonly pathLatency: number;
  /** Time from the start of the locate until this answer arrived (ms, on the node's clock). */
  readonly elapsedMs: number;
}

/** What the locator needs from its node. */
export interface LocatorHost {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  readonly log: bunyan;
  now(): number;
  route(req: RouteRequest): void;
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number): void;
  /** Hands a message to a local module as a delivery (sendToObject at a replica). */
  deliverLocal(delivery: Delivery): void;
  /** Asks the actor for a timeout of this attempt of a locate. */
  armTimeout(locateId: number, salt: number, ms: number): void;
  /** Tells the actor the pointer store is no longer empty (so it sweeps). */
  pointersHeld(): void;
  /** Signs this node's records and checks everyone's; absent = `none` (nothing signed or checked). */
  readonly security?: SecurityProvider;
}

export interface LocatorOptions {
  readonly salts: number;
  readonly pointerLifetimeMs: number;
  readonly attemptTimeoutMs: number;
  /** JSAC pointer caching: backups of the next hop, nearest neighbours, on the first `hops` hops. */
  readonly extra: { readonly backups: number; readonly neighbours: number; readonly hops: number };
}

export interface LocateRequest {
  readonly object: Guid;
  readonly query: string;
  readonly replicas: number;
  readonly moduleId: number;
  readonly payload: Uint8Array;
  /** Salted roots tried at once; sendToObject uses 1 so that only `replicas` servers get the message. */
  readonly fanout: number;
  readonly sink: Channel<LocateResult>;
}

interface Publication {
  readonly object: Guid;
  readonly tag: string;
  sequence: number;
}

/** One salted root a locate is trying. */
interface Attempt {
  /** The root answered NotFound (or was never reached: then the timer ends the attempt). */
  rootAnswered: boolean;
  /** Servers this attempt diverted to whose answer has not come (GUID hex). */
  readonly pending: Set<string>;
}

interface LocateState {
  readonly id: number;
  readonly req: LocateRequest;
  readonly startedAt: number;
  /** Next salt index to try. */
  nextSalt: number;
  /** Attempts not finished yet, by salt index. */
  readonly attempts: Map<number, Attempt>;
  /** Server GUID hex → result. */
  readonly found: Map<string, LocateResult>;
  /** Servers diverted to and not yet answered: GUID hex → GUID and the salt that diverted. */
  readonly pending: Map<string, { guid: Guid; salt: number }>;
  /** Some salted root answered that it had nothing more. */
  rootAnswered: boolean;
}

export interface LocatorStats {
  published: number;
  republished: number;
  pointersStored: number;
  pointersRefused: number;
  extraPointersSent: number;
  locatesStarted: number;
  locatesDiverted: number;
  locatesFound: number;
  locatesNotFound: number;
  locatesTimedOut: number;
  attemptsTimedOut: number;
  staleReplies: number;
  /** Diverted locates that reached a server no longer serving the object (or another tag). */
  staleDiverts: number;
  malformed: number;
}

export class ObjectLocatorCore implements UpcallModule {
  readonly id = LOCATION_MODULE_ID;
  readonly name = 'location';
  readonly store = new PointerStore();
  readonly published = new Map<string, Publication>();
  /** Signature and replay checks on every record before it is acted on (location/recordGate.ts). */
  readonly gate: RecordGate;
  readonly stats: LocatorStats = {
    published: 0, republished: 0, pointersStored: 0, pointersRefused: 0, extraPointersSent: 0, locatesStarted: 0,
    locatesDiverted: 0, locatesFound: 0, locatesNotFound: 0, locatesTimedOut: 0, attemptsTimedOut: 0,
    staleReplies: 0, staleDiverts: 0, malformed: 0,
  };
  private readonly locates = new Map<number, LocateState>();
  /** sendToObject messages already handed over here ("origin:locateId"), oldest first: a message that
   *  reaches this replica by two salted paths is delivered once. Bounded by DEFAULTS.maxServedRemembered. */
  private readonly served = new Set<string>();
  private readonly idBytes: 20 | 32;
  private nextLocateId = 1;
  private sequenceBase = 0;

  constructor(
    private readonly host: LocatorHost,
    private readonly opts: LocatorOptions,
  ) {
    this.idBytes = host.space.bytes as 20 | 32;
    this.gate = new RecordGate(host.security ?? noneProvider);
  }

  get inFlight(): number {
    return this.locates.size;
  }

  // ---- This node as a publisher -------------------------------------------------------------

  /** Advertises that this node serves `object`: a publish walks to each salted root. */
  publish(object: Guid, tag: string): void {
    const key = object.hex;
    const prev = this.published.get(key);
    // A fresh sequence on every publish: it replaces what an earlier publication left behind.
    const pub: Publication = { object, tag, sequence: this.nextSequence(prev) };
    this.published.set(key, pub);
    this.stats.published++;
    this.sendPublications(pub);
  }

  /** Withdraws `object`: an unpublish walks the same paths and removes the pointers. */
  unpublish(object: Guid): boolean {
    const pub = this.published.get(object.hex);
    if (!pub) return false;
    this.published.delete(object.hex);
    // Withdraws the publication's current sequence; ranks just above that publish (security/records.ts).
    const signed = this.gate.sign({ kind: 'unpublish', object, server: this.host.self, sequence: pub.sequence });
    for (let salt = 0; salt < this.opts.salts; salt++) {
      const unpublish: UnpublishMsg = { object, server: this.host.self, saltIndex: salt, sequence: pub.sequence, extra: false, ...signed };
      this.routeToRoot(object, salt, { kind: 'unpublish', unpublish });
    }
    return true;
  }

  /** Soft state: every publication walks its paths again, refreshing the pointers' expiry. */
  republishAll(): void {
    for (const pub of this.published.values()) {
      this.stats.republished++;
      // Signed records get a new sequence each round: the refresh is then a fresh record, and a copy of
      // an old round replayed later is refused instead of keeping a withdrawn server's pointers alive.
      if (this.gate.authenticates) pub.sequence = this.nextSequence(pub);
      this.sendPublications(pub);
    }
  }

  /** Drops expired pointers; true while any remain (the actor keeps sweeping). */
  sweep(): boolean {
    this.store.sweep(this.host.now());
    if (this.gate.authenticates) this.gate.guard.sweep(this.host.now());
    return this.store.size > 0;
  }

  /**
   * A pointer handed over by a node that joined or left: kept here, and, unless this node is its
   * root, published on toward the root so the path to it carries the pointer again.
   */
  acceptPointer(p: PublishMsg): void {
    if (!this.storePointer(p, undefined)) return;
    const dest = saltedRoot(p.object, p.saltIndex);
    if (nextHop(this.host.table, dest, 0).kind !== 'root') this.routeToRoot(p.object, p.saltIndex, { kind: 'publish', publish: p });
  }

  // ---- This node as a client ----------------------------------------------------------------

  /** Starts a locate toward salted root 0; results and the outcome go to `req.sink`. */
  startLocate(req: LocateRequest): number {
    const id = this.nextLocateId;
    this.nextLocateId = (id + 1) >>> 0 || 1;
    const st: LocateState = {
      id, req, startedAt: this.host.now(), nextSalt: 0, attempts: new Map(), found: new Map(), pending: new Map(), rootAnswered: false,
    };
    this.locates.set(id, st);
    this.stats.locatesStarted++;
    req.sink.onCancel = () => this.locates.delete(id);
    this.progress(st);
    return id;
  }

  /** Ends a locate early (AbortSignal): the sink gets `reason`. */
  abort(id: number, reason: Error): void {
    const st = this.locates.get(id);
    if (!st) return;
    this.locates.delete(id);
    st.req.sink.fail(reason);
  }

  /** The actor's timer for one salted root fired: answers still missing from it are taken as lost. */
  attemptTimedOut(id: number, salt: number): void {
    const st = this.locates.get(id);
    const attempt = st?.attempts.get(salt);
    if (!st || !attempt) return;
    this.stats.attemptsTimedOut++;
    for (const server of attempt.pending) st.pending.delete(server);
    st.attempts.delete(salt);
    this.progress(st);
  }

  /** Ends every locate (node closing). */
  shutdown(reason: Error): void {
    for (const st of this.locates.values()) st.req.sink.fail(reason);
    this.locates.clear();
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
        if (!this.storePointer(p, ctx.from)) return false; // a forged or replayed record goes no further
        this.sendExtras(ctx.nextHop, ctx.hops, (to, lat) => ({ kind: 'publish', publish: { ...p, extra: true, pathLatency: p.pathLatency + lat } }));
        ctx.payload = encodeLocation({ kind: 'publish', publish: { ...p, pathLatency: p.pathLatency + linkLatency } });
        return;
      }
      case 'unpublish': {
        const u = msg.unpublish;
        if (u.extra) return false;
        if (!this.admitUnpublish(u)) return false;
        unpublishHop(this.store, u);
        this.sendExtras(ctx.nextHop, ctx.hops, () => ({ kind: 'unpublish', unpublish: { ...u, extra: true } }));
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
        return false; // answers are sent straight to the origin, never routed
    }
  }

  deliver(d: Delivery): void {
    const msg = this.decode(d.payload);
    if (!msg) return;
    switch (msg.kind) {
      case 'publish':
        this.storePointer(msg.publish, d.from);
        return;
      case 'unpublish':
        if (this.admitUnpublish(msg.unpublish)) unpublishHop(this.store, msg.unpublish);
        return;
      case 'locate': {
        const l = msg.locate;
        if (l.diverted) {
          this.serve(l, d.hops);
          return;
        }
        // The salted root (or where the TTL ran out): last chance for a pointer here.
        const rest = this.divert(l, d.hops);
        if (rest) {
          const notFound: LocateNotFound = { locateId: l.locateId, object: l.object, saltIndex: l.saltIndex, diverted: rest.exclude, hops: d.hops };
          this.host.sendDirect(l.origin, LOCATION_MODULE_ID, encodeLocation({ kind: 'notFound', notFound }), d.hops);
        }
        return;
      }
      case 'found':
        this.onFound(msg.found);
        return;
      case 'notFound':
        this.onNotFound(msg.notFound);
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

  private nextSequence(prev: Publication | undefined): number {
    // Sequences only grow, also across unpublish/publish of the same object: the clock keeps them
    // above what a restarted node used before, the counter keeps them distinct within a millisecond.
    const candidate = Math.max(Math.floor(this.host.now()), this.sequenceBase + 1, (prev?.sequence ?? 0) + 1);
    this.sequenceBase = candidate;
    return candidate >>> 0;
  }

  private sendPublications(pub: Publication): void {
    const lifetimeMs = this.opts.pointerLifetimeMs;
    // One signature serves every salted copy: the salt is a per-hop field, not part of the record.
    const signed = this.gate.sign({ kind: 'publish', object: pub.object, server: this.host.self, tag: pub.tag, sequence: pub.sequence, lifetimeMs });
    for (let salt = 0; salt < this.opts.salts; salt++) {
      const publish: PublishMsg = {
        object: pub.object, server: this.host.self, tag: pub.tag, saltIndex: salt, sequence: pub.sequence,
        lifetimeMs, pathLatency: 0, extra: false, ...signed,
      };
      this.routeToRoot(pub.object, salt, { kind: 'publish', publish });
    }
  }

  private routeToRoot(object: Guid, salt: number, msg: LocationMsg): void {
    this.host.route({ dest: saltedRoot(object, salt), payload: encodeLocation(msg), fuzzy: true, ttl: DEFAULTS.defaultTtl, moduleId: LOCATION_MODULE_ID });
  }

  /** Stores a publish's pointer; false when the record itself was refused (forged or replayed, counted by the gate). */
  private storePointer(p: PublishMsg, from: NodeHandle | undefined): boolean {
    const now = this.host.now();
    const firstAt = this.gate.authenticates ? this.gate.admit(p, publishRecord(p), now) : now;
    if (firstAt === undefined) return false;
    // A duplicate lives no longer than the first copy accepted here (location/recordGate.ts).
    const lifetimeMs = p.lifetimeMs - (now - firstAt);
    if (lifetimeMs <= 0) {
      this.stats.pointersRefused++;
      return false;
    }
    const wasEmpty = this.store.size === 0;
    const latency = p.server.guid.equals(this.host.self.guid) ? 0 : latencyEstimate(this.host.table, p.server, p.pathLatency);
    const outcome = publishHop(this.store, p, latency, from, now, lifetimeMs);
    if (outcome === 'added' || outcome === 'refreshed') this.stats.pointersStored++;
    else this.stats.pointersRefused++;
    if (wasEmpty && this.store.size > 0) this.host.pointersHeld();
    return true;
  }

  /** Whether an unpublish may withdraw pointers here: signed by the server and not a replay. */
  private admitUnpublish(u: UnpublishMsg): boolean {
    return !this.gate.authenticates || this.gate.admit(u, unpublishRecord(u), this.host.now()) !== undefined;
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

  /** A diverted locate reached this server: answer the origin, hand over a sendToObject message. */
  private serve(l: LocateMsg, hops: number): void {
    const pub = this.published.get(l.object.hex);
    if (!pub || (l.query !== '' && l.query !== pub.tag)) {
      // A stale pointer led here; the origin's attempt timeout covers the missing answer.
      this.stats.staleDiverts++;
      return;
    }
    const found: LocateFound = { locateId: l.locateId, object: l.object, server: this.host.self, tag: pub.tag, hops, pathLatency: l.pathLatency };
    this.host.sendDirect(l.origin, LOCATION_MODULE_ID, encodeLocation({ kind: 'found', found }), hops);
    if (l.payload.length > 0 && this.firstServe(`${l.origin.guid.hex}:${l.locateId}`)) {
      this.host.deliverLocal({
        dest: l.object, source: l.origin, hops, fuzzy: true, ttlExpired: false, moduleId: l.moduleId, payload: l.payload,
      });
    }
  }

  private firstServe(key: string): boolean {
    if (this.served.has(key)) return false;
    this.served.add(key);
    if (this.served.size > DEFAULTS.maxServedRemembered) this.served.delete(this.served.values().next().value!);
    return true;
  }

  private onFound(f: LocateFound): void {
    const st = this.locates.get(f.locateId);
    if (!st || !st.req.object.equals(f.object)) {
      this.stats.staleReplies++;
      return;
    }
    const key = f.server.guid.hex;
    if (st.found.has(key)) return; // another path reached the same server
    const pending = st.pending.get(key);
    if (pending) {
      st.pending.delete(key);
      const attempt = st.attempts.get(pending.salt);
      attempt?.pending.delete(key);
      if (attempt?.rootAnswered && attempt.pending.size === 0) st.attempts.delete(pending.salt);
    }
    const result: LocateResult = {
      object: f.object, server: f.server, tag: f.tag, hops: f.hops, pathLatency: f.pathLatency,
      elapsedMs: this.host.now() - st.startedAt,
    };
    st.found.set(key, result);
    this.stats.locatesFound++;
    st.req.sink.push(result);
    this.progress(st);
  }

  private onNotFound(n: LocateNotFound): void {
    const st = this.locates.get(n.locateId);
    const attempt = st?.attempts.get(n.saltIndex);
    if (!st || !attempt || attempt.rootAnswered || !st.req.object.equals(n.object)) {
      this.stats.staleReplies++;
      return;
    }
    attempt.rootAnswered = true;
    st.rootAnswered = true;
    for (const g of n.diverted) {
      if (st.found.has(g.hex) || st.pending.has(g.hex)) continue;
      st.pending.set(g.hex, { guid: g, salt: n.saltIndex });
      attempt.pending.add(g.hex);
    }
    // The attempt lives on (with its timer) only while answers it diverted are still coming.
    if (attempt.pending.size === 0) st.attempts.delete(n.saltIndex);
    this.progress(st);
  }

  /**
   * After every event of a locate: done when enough replicas answered; otherwise keep up to
   * `fanout` salted roots searching for what is still wanted; done when nothing is left to wait for.
   */
  private progress(st: LocateState): void {
    if (st.found.size >= st.req.replicas) {
      this.finish(st);
      return;
    }
    let searching = 0;
    for (const a of st.attempts.values()) if (!a.rootAnswered) searching++;
    while (searching < st.req.fanout && st.nextSalt < this.opts.salts) {
      const wanted = st.req.replicas - st.found.size - st.pending.size;
      if (wanted <= 0) break;
      this.launch(st, st.nextSalt++, wanted);
      // A root on this very node answers at once, and that answer may already have ended the locate.
      if (!this.locates.has(st.id)) return;
      searching++;
    }
    if (st.attempts.size === 0) this.finish(st);
  }

  /** Sends the locate toward one salted root, excluding the servers already found or awaited. */
  private launch(st: LocateState, salt: number, wanted: number): void {
    st.attempts.set(salt, { rootAnswered: false, pending: new Set() });
    const exclude = [...[...st.found.values()].map((r) => r.server.guid), ...[...st.pending.values()].map((p) => p.guid)];
    const locate: LocateMsg = {
      locateId: st.id, object: st.req.object, origin: this.host.self, query: st.req.query, wanted, exclude,
      saltIndex: salt, pathLatency: 0, moduleId: st.req.moduleId, payload: st.req.payload, diverted: false,
    };
    this.routeToRoot(st.req.object, salt, { kind: 'locate', locate });
    this.host.armTimeout(st.id, salt, this.opts.attemptTimeoutMs);
  }

  private finish(st: LocateState): void {
    if (!this.locates.delete(st.id)) return;
    if (st.found.size > 0) {
      st.req.sink.end();
      return;
    }
    if (st.rootAnswered) {
      this.stats.locatesNotFound++;
      st.req.sink.fail(new NotFoundError(`no replica of ${st.req.object.hex} matches "${st.req.query}" at any of ${this.opts.salts} roots`));
    } else {
      this.stats.locatesTimedOut++;
      st.req.sink.fail(new TimeoutError(`no salted root of ${st.req.object.hex} answered`));
    }
  }
}
