/**
 * The router's runtime: the per-hop work of a node's router, as plain calls — from the router actor's
 * actions for API calls, and straight from the transport for datagrams (datagramPath.ts; no actor
 * event per hop). It decodes each frame once and encodes what it sends (the only part of the router
 * that sees wire/), asks the pure `nextHop`, has the upcall host run the message's module, then
 * forwards, delivers or drops — counting every outcome. The protocol it runs lives in routing/:
 * reliable hops (reliableHops.ts), pings and challenges (pings.ts), duplicate suppression
 * (duplicates.ts); one routing step and its hop are forwarder.ts's. This file wires them to the
 * transport, the clock and the node's events.
 */
import { MessageLog } from './messageLog';
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { DecodeError } from '../errors';
import type { RoutingTable } from '../routing/routingTable';
import { Reassembler } from '../routing/reassembler';
import { splitPayload } from '../routing/fragmenter';
import type { Address, Clock, Transport } from '../transport/types';
import { DropLog, PeerRateLimiter, peerKey } from '../routing/rateLimiter';
import type { Delivery } from '../upcalls/contract';
import { UpcallHost } from '../upcalls/host';
import { decodeFrame, encodeFrame, guidCheck } from '../wire/codec';
import { chunkSizes, type ChunkSizes } from './chunkSizes';
import { WIRE_VERSION, type Body, type DirectMsg, type Frame, type NodeHandle, type ReplyInfo, type RouteMsg, type Writable } from '../routing/messages';
import { ReliableHops } from '../routing/reliableHops';
import { Pings, type PingDone, type PingOptions } from '../routing/pings';
import { DuplicateFilter } from '../routing/duplicates';
import { newRouterStats, type RouteRequest, type RouterRuntimeOptions, type RouterStats } from './routerTypes';
import { RequestIds } from '../routing/pendingRequests';
import { RequestRuntime } from './requestRuntime';
import { NodeTimers, type Cancel } from './nodeTimers';
import { PeerHealth } from '../routing/peerHealth';
import { ConfirmRuntime, ROUTE_CONFIRM_MODULE_ID } from './confirmRuntime';
import { DirectSender } from './directSender';
import { isMembership, isResolveOnlyMembership, type Relay } from './resolveOnlyGate';
import { Forwarder } from './forwarder';

/** The clock of a router built without one (a unit test of frame handling): its timers never fire. */
const INERT_CLOCK: Clock = { now: () => 0, setTimeout: () => undefined, clearTimeout: () => {} };

export type { PingDone, PingOptions, PingReply } from '../routing/pings';
export type { PeerRateLimit, RouteRequest, RouterRuntimeOptions, RouterStats } from './routerTypes';

export class RouterRuntime {
  readonly stats: RouterStats = newRouterStats();
  /** The node's upcall modules and their dispatch; counts into `stats`. */
  readonly upcalls: UpcallHost;
  /** Requests this node sent and answers it gives (node.request); counts into `stats`. */
  readonly requests: RequestRuntime;
  /** Confirmed routes (route's `confirm`): end-to-end acknowledgements, retries, neighbour scores. */
  readonly confirms: ConfirmRuntime;
  readonly reassembler = new Reassembler();
  readonly mtu: number;
  private readonly self: NodeHandle;
  private readonly table: RoutingTable;
  private readonly transport: Transport;
  /** Current time on the node's clock. */
  readonly now: () => number;
  /** The node's logger. */
  readonly log: bunyan;
  private readonly idBytes: 20 | 32;
  private readonly levels: number;
  private readonly pings: Pings;
  private readonly hops: ReliableHops;
  private readonly duplicates: DuplicateFilter;
  /** Routing steps: next hop, the module's forward upcall, the (acknowledged) send (forwarder.ts). */
  private readonly forwarder: Forwarder;
  /** Round-trip estimates and when each peer was last heard from: hop and ping timeouts, liveness. */
  readonly health = new PeerHealth();
  /** The node's timers: every timer the router, membership and the modules ask for, each cancellable. */
  readonly timers: NodeTimers;
  private readonly hopAcks: boolean;
  /** Route ids: uint32, never 0 (an absent routeId). */
  private readonly routeIds = new RequestIds();
  /** Payload bytes a fragment of each kind of frame can carry (chunkSizes). */
  private readonly chunks: ChunkSizes;
  /** The first 4 bytes of this node's GUID: a DirectMsg for another node carries a different check. */
  private readonly selfCheck: number;
  /** Absent when the node was asked for no rate limit (a benchmark's single load generator). */
  private readonly rateLimiter?: PeerRateLimiter;
  /** Drops by reason, logged at most once per DEFAULTS.dropLogIntervalMs each. */
  private readonly dropLog: DropLog;
  /** Per-datagram records at debug level (received, sent, dropped). */
  private readonly messages: MessageLog;
  private nextMessageId = 0;

  /** DirectMsg frames out (directSender.ts). */
  private readonly direct: DirectSender;
  /** A resolve-only node's gateways (absent on a full node): see actors/resolveOnlyGate.ts. */
  private readonly relay?: Relay;

  constructor(opts: RouterRuntimeOptions) {
    this.self = opts.self;
    this.table = opts.table;
    this.transport = opts.transport;
    this.now = opts.now;
    this.log = opts.log;
    this.idBytes = opts.space.bytes as 20 | 32;
    this.levels = opts.space.digits;
    this.timers = new NodeTimers(opts.clock ?? INERT_CLOCK);
    this.hopAcks = opts.hopAcks === true && opts.clock !== undefined;
    this.mtu = opts.mtu ?? opts.transport.mtu;
    this.chunks = chunkSizes(this.mtu, this.self);
    this.selfCheck = guidCheck(this.self.guid);
    this.relay = opts.relay;
    const limit = opts.rateLimit ?? { perSec: DEFAULTS.peerRatePerSec, burst: DEFAULTS.peerRateBurst };
    if (limit) this.rateLimiter = new PeerRateLimiter(limit.perSec, limit.burst, DEFAULTS.maxRateLimitedPeers);
    this.dropLog = new DropLog(DEFAULTS.dropLogIntervalMs, (reason, dropped) => this.log.warn({ reason, dropped }, 'dropping input'));
    this.messages = new MessageLog(this.log);
    this.upcalls = new UpcallHost(this.stats, this.log);
    this.requests = new RequestRuntime({
      self: this.self, upcalls: this.upcalls, reassembler: this.reassembler, log: this.log, now: () => this.now(), after: (ms, fire) => this.after(ms, fire),
      route: (req) => this.route(req), sendReply: (to, moduleId, payload, hops, reply) => this.sendDirect(to, moduleId, payload, hops, true, reply),
    }, this.stats);
    const after = (ms: number, fire: () => void): Cancel => this.after(ms, fire);
    const onSuspect = opts.onSuspect;
    this.hops = new ReliableHops(
      {
        sendBytes: (to, bytes) => {
          if (this.messages.on) this.messages.sent('hop', to, bytes.length);
          this.transport.send(to, bytes);
        },
        after,
        now: () => this.now(),
        waitFor: (to, fallbackMs) => this.health.rto(to.guid.hex, fallbackMs),
        acked: (to, rttMs) => this.health.sample(to.guid.hex, rttMs, this.now(), to.address),
        suspect: (node) => onSuspect?.(node),
        // A confirmed route's detour first hop was sent to resume at level 0: its failover starts there too.
        failover: (msg, avoid) => this.forwarder.step(msg.level < 0 ? { ...msg, level: 0 } : msg, undefined, avoid, true),
      },
      this.stats,
    );
    this.forwarder = new Forwarder({
      self: this.self, table: this.table, health: this.health, upcalls: this.upcalls, requests: this.requests, hops: this.hops, hopAcks: this.hopAcks, relay: this.relay,
      arrive: (msg, ttlExpired, from) => this.arrive(msg, ttlExpired, from),
      sendFrame: (to, body) => this.sendFrame(to, body), encode: (frameId, body) => this.encode(frameId, body),
    }, this.stats);
    this.pings = new Pings({ send: (to, body) => this.sendFrame(to, body), after }, this.stats, {
      self: this.self.guid,
      address: this.self.address,
      security: opts.security,
      resend: this.hopAcks,
      admitBelow: (pinger) => this.table.admitBelow(pinger),
      onProofDemanded: opts.onProofDemanded,
      sampled: (sender, rttMs) => this.health.sample(sender.guid.hex, rttMs, this.now(), sender.address),
    });
    this.direct = new DirectSender({
      self: this.self, table: this.table, chunks: this.chunks, hopAcks: this.hopAcks, openNetwork: opts.security?.authenticates === true, hops: this.hops,
      nextMessageId: () => this.nextMessageId++ >>> 0,
      arriveHere: (direct) => this.arrive(this.directToRoute(direct, this.self), false, undefined),
      sendFrame: (to, body) => this.sendFrame(to, body), encode: (frameId, body) => this.encode(frameId, body), latencyOf: (node) => this.forwarder.latencyOf(node),
    }, this.stats);
    this.duplicates = new DuplicateFilter(this.stats);
    this.confirms = new ConfirmRuntime({
      self: this.self, table: this.table, after, step: (msg) => this.forwarder.step(msg), distrust: opts.onDistrusted ?? ((node) => this.table.remove(node.guid)),
      sendVia: (msg, to, resume, retry) => this.forwarder.via(msg, { kind: 'forward', to, level: resume - 1 }, undefined, undefined, retry),
      sendAck: (to, payload, hops) => this.sendDirect(to, ROUTE_CONFIRM_MODULE_ID, payload, hops),
    }, this.stats);
  }

  /** A one-shot timer on the node's clock, armed when the current event ends; the answer cancels it. */
  after(ms: number, fire: () => void): Cancel {
    return this.timers.after(ms, fire);
  }

  /** True while an event is being handled (a router actor event, a datagram, a timer). */
  get inEvent(): boolean {
    return this.timers.inEvent;
  }

  /** Neighbours in the routing table (the node is ALONE at 0). */
  tableSize(): number {
    return this.table.size;
  }

  /** One datagram from the transport: decoded once, then handled by kind. Never throws. */
  receive(bytes: Uint8Array, from: Address): void {
    this.stats.framesIn++;
    const now = this.now();
    // Before decoding: a flooding peer costs a map lookup per datagram, not a decode.
    if (this.rateLimiter && !this.rateLimiter.allow(peerKey(from), now)) {
      this.stats.rateLimited++;
      this.dropLog.drop('rateLimited', now);
      if (this.messages.on) this.messages.dropped('rateLimited', from);
      return;
    }
    let frame;
    try {
      frame = decodeFrame(bytes, { idBytes: this.idBytes });
    } catch (err) {
      const reason = err instanceof DecodeError ? ((err as DecodeError & { reason?: string }).reason ?? 'decode') : 'internal';
      this.stats.decodeErrors[reason] = (this.stats.decodeErrors[reason] ?? 0) + 1;
      this.dropLog.drop(`decode:${reason}`, now);
      if (this.messages.on) this.messages.dropped(`decode:${reason}`, from);
      return;
    }
    if (this.messages.on) this.messages.received(frame.body.kind, from, bytes.length);
    // Any frame from a neighbour's own address is proof of life: it needs no heartbeat ping (membership/liveness.ts).
    this.health.heard(frame.sender.guid.hex, now, from);
    try {
      this.handle(frame, from);
    } catch (err) {
      // A frame that decodes yet trips a check deeper in must not throw out of the router actor.
      this.stats.frameErrors++;
      this.log.warn({ err, kind: frame.body.kind }, 'frame handling threw; dropped');
    }
  }

  private handle(frame: Frame, from: Address): void {
    const body = frame.body;
    switch (body.kind) {
      case 'route':
        // The codec allows a level up to the GUID's bit count (1-bit digits); this node has fewer levels.
        if (body.route.level > this.levels) {
          this.stats.decodeErrors.level = (this.stats.decodeErrors.level ?? 0) + 1;
          this.dropLog.drop('decode:level', this.now());
          return;
        }
        // Refused unacknowledged: a resolve-only node is never a hop (the sender fails over).
        if (this.relay) {
          this.stats.refusedAsHop++;
          return;
        }
        if (isResolveOnlyMembership(body.route.moduleId, frame.sender, body.route.source)) {
          this.stats.resolveOnlyRefused++;
          return;
        }
        if (body.route.ackWanted) this.sendFrame(from, { kind: 'ack', ack: { frameId: frame.messageId } });
        this.forwarder.step(body.route, frame.sender);
        return;
      case 'ack':
        this.hops.acked(body.ack.frameId, from);
        return;
      case 'direct':
        // A direct message comes from its sender itself: one that names another address than its
        // datagram's source is a forgery that would have its answers (adopts, challenges, replies)
        // reflected to that address.
        if (peerKey(from) !== peerKey(frame.sender.address)) {
          this.stats.directMisaddressed++;
          return;
        }
        if (frame.messageId !== 0) {
          // An acknowledged DirectMsg: answer every copy, deliver the first (a lost HopAck brings a second).
          this.sendFrame(from, { kind: 'ack', ack: { frameId: frame.messageId } });
          if (!this.duplicates.firstDelivery(`d:${frame.sender.guid.hex}:${frame.messageId}`, this.now())) return;
        }
        this.receiveDirect(body.direct, frame.sender, from);
        return;
      case 'ping':
        // Answer where the datagram came from: that is the path the pinger measures.
        this.pings.answer(body.ping, frame.sender, from);
        return;
      case 'pong':
        this.pings.settle(body.pong, frame.sender, this.now(), from);
        return;
    }
  }

  /** Starts a route from this node: splits the payload when one frame would exceed the MTU. */
  route(req: RouteRequest & { readonly requestId?: number }): void {
    this.stats.routesStarted++;
    const base: Omit<RouteMsg, 'payload'> = {
      source: this.self, dest: req.dest, fuzzy: req.fuzzy, ttl: req.ttl, hops: 0, level: 0,
      moduleId: req.moduleId, routeId: this.routeIds.next(), ...(req.requestId ? { requestId: req.requestId } : {}),
    };
    // A confirmed route's copy number takes fewer bytes than a request id: the request's pieces fit it.
    const chunkBytes = req.requestId || req.confirm ? this.chunks.request : this.chunks.route;
    const send = req.confirm ? (msg: RouteMsg) => this.confirms.start(msg, req.redundancy ?? 1) : (msg: RouteMsg) => this.forwarder.step(msg);
    if (req.payload.length <= chunkBytes) {
      send({ ...base, payload: req.payload });
      return;
    }
    const pieces = splitPayload(req.payload, chunkBytes);
    const messageId = this.nextMessageId++ >>> 0;
    this.stats.fragmentsSent += pieces.length;
    for (let index = 0; index < pieces.length; index++) {
      send({ ...base, payload: pieces[index], fragment: { messageId, index, count: pieces.length } });
    }
  }

  /**
   * Sends a message straight to a known node, past routing, as DirectMsg frames: no source, destination
   * or routing fields travel (the frame's sender is the source). `hops` is what the message had taken so far.
   * A reply to a request carries `reply` on every fragment (requestRuntime.ts answers its own requests itself).
   */
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops = 0, acked = true, reply?: ReplyInfo): void {
    this.direct.send(to, moduleId, payload, hops, acked, reply);
  }

  /** A DirectMsg frame: ends here, as an exact route to this node's GUID would, unless it was meant for another node. */
  private receiveDirect(d: DirectMsg, sender: NodeHandle, from: Address): void {
    if (d.destCheck !== this.selfCheck) {
      // Sent to a node that was at this address before: dropped, as an exact route to a GUID no one holds.
      this.stats.droppedNoExactMatch++;
      return;
    }
    if (d.reply) return this.requests.receive(d, d.reply, sender, from);
    if (this.relay ? isMembership(d.moduleId) : isResolveOnlyMembership(d.moduleId, sender)) {
      if (this.relay) this.stats.refusedAsHop++;
      else this.stats.resolveOnlyRefused++;
      return;
    }
    if (d.moduleId === ROUTE_CONFIRM_MODULE_ID) return this.confirms.receiveAck(d.payload, sender, peerKey(from) === peerKey(sender.address));
    this.arrive(this.directToRoute(d, sender), false, sender, from);
  }

  /** The route a direct message stands for: from its sender, ending here, one hop more than it had. */
  private directToRoute(d: DirectMsg, sender: NodeHandle): RouteMsg {
    const route: Writable<RouteMsg> = {
      source: sender, dest: this.self.guid, fuzzy: false, ttl: DEFAULTS.maxTtl, hops: d.hops + 1, level: this.levels,
      moduleId: d.moduleId, payload: d.payload,
    };
    if (d.fragment) route.fragment = d.fragment;
    return route;
  }

  /** Sends a ping; `done` gets the round trip and the answering peer, or a TimeoutError after `timeoutMs`. */
  ping(to: Address, timeoutMs: number, done: PingDone, opts: PingOptions = {}): void {
    this.pings.ping(to, done, opts, this.now(), timeoutMs);
  }

  /** Frees reassembly buffers whose message never completed. */
  sweep(): void {
    this.reassembler.sweep(this.now());
  }

  /** Rejects what is still waiting; called when the node closes. */
  shutdown(reason: Error): void {
    this.pings.shutdown(reason);
    this.requests.shutdown(reason);
    this.confirms.shutdown();
  }

  /** The message ends here: reassemble if it is a fragment, then hand it to its module. */
  private arrive(msg: RouteMsg, ttlExpired: boolean, from: NodeHandle | undefined, fromAddress?: Address): void {
    // Every copy is acknowledged, a duplicate too: its source learns that first hop worked.
    if (msg.confirm && !ttlExpired) this.confirms.arrived(msg);
    if (msg.routeId) {
      // A hop that failed over may have sent a second copy of a message that did arrive: once only.
      if (!this.duplicates.firstDelivery(`${msg.source.guid.hex}:${msg.routeId}:${msg.fragment?.index ?? -1}`, this.now())) return;
    }
    let payload = msg.payload;
    if (msg.fragment) {
      const whole = this.reassembler.accept(msg.source.guid.hex, msg.fragment, msg.payload, this.now());
      if (!whole) return;
      payload = whole;
    }
    const delivery: Delivery = {
      dest: msg.dest, source: msg.source, hops: msg.hops, fuzzy: msg.fuzzy, ttlExpired,
      moduleId: msg.moduleId, payload, from, ...(fromAddress ? { fromAddress } : {}),
    };
    if (msg.requestId) this.requests.answer(delivery, msg);
    else this.deliverLocal(delivery);
  }

  /** Hands a message that ends here to its module; counted, and a throwing module is contained. */
  deliverLocal(delivery: Delivery): void {
    this.upcalls.deliver(delivery);
  }

  /** Encodes and sends a frame that wants no HopAck: its datagram id is 0, which protobuf leaves off the wire. */
  private sendFrame(to: Address, body: Body): void {
    const bytes = this.encode(0, body);
    if (this.messages.on) this.messages.sent(body.kind, to, bytes.length);
    this.transport.send(to, bytes);
  }

  private encode(frameId: number, body: Body): Uint8Array {
    return encodeFrame({ version: WIRE_VERSION, sender: this.self, messageId: frameId, body });
  }
}
