/**
 * The per-hop work of a node's router, as plain calls: from the router actor's actions for API calls,
 * and straight from the transport for datagrams (datagramPath.ts; no actor event per hop). Decodes
 * each frame once, asks the pure `nextHop`, runs the message's upcall module, then forwards, delivers
 * or drops — counting every outcome.
 */
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { DecodeError, LimitExceededError, TimeoutError } from '../errors';
import type { Guid, IdSpace } from '../routing/guid';
import { nextHop, nextHopAvoiding } from '../routing/nextHop';
import type { RoutingTable } from '../routing/routingTable';
import { Reassembler } from '../routing/reassembler';
import { splitPayload } from '../routing/fragmenter';
import { sameAddress } from '../routing/handle';
import type { Address, Transport } from '../transport/types';
import { DropLog, PeerRateLimiter, peerKey } from '../routing/rateLimiter';
import { type Delivery, type ForwardContext, type UpcallModule } from '../upcalls/types';
import { decodeFrame, directFrameOverhead, encodeFrame, guidCheck, routeFrameOverhead } from '../wire/codec';
import { WIRE_VERSION, type Body, type DirectMsg, type Frame, type NodeHandle, type Ping, type Pong, type RouteMsg, type Writable } from '../routing/messages';
import { provesIdentity, type SecurityProvider } from '../security/provider';

/** A token bucket per sender address: `perSec` datagrams a second, `burst` at once. */
export interface PeerRateLimit {
  readonly perSec: number;
  readonly burst: number;
}

export interface RouterCoreOptions {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  readonly transport: Transport;
  /** Current time from the node's clock (virtual in the simulator). */
  readonly now: () => number;
  readonly log: bunyan;
  /** Largest datagram sent; defaults to the transport's MTU. */
  readonly mtu?: number;
  /**
   * Schedules a one-shot timer on the node's clock from outside the router actor's own event (the
   * router actor itself arms the timers asked for during its events, without an extra event).
   */
  readonly timerSink?: (ms: number, fire: () => void) => void;
  /** Acknowledge every forwarded hop and fail over to backups without one (needs timerSink). */
  readonly hopAcks?: boolean;
  /** Per-peer datagram rate limit; default DEFAULTS.peerRatePerSec and peerRateBurst, false for none. */
  readonly rateLimit?: PeerRateLimit | false;
  /** A neighbour failed to acknowledge a hop: membership checks it at once. */
  readonly onSuspect?: (node: NodeHandle) => void;
  /** When it authenticates, every ping carries a challenge and every pong proves the answerer's GUID. */
  readonly security?: SecurityProvider;
}

/** A forwarded frame waiting for its HopAck. */
interface PendingHop {
  /** The routed message; absent for a DirectMsg frame, which is only ever sent again to the same node. */
  readonly msg?: RouteMsg;
  readonly to: NodeHandle;
  /** The frame as sent: a retransmission sends the same bytes (the same frame id, so either copy's HopAck counts). */
  readonly bytes: Uint8Array;
  /** Sends so far to this neighbour, and the wait after the last one (ms). */
  sends: number;
  waitMs: number;
  /** Neighbours that already failed this message (GUID hex). */
  readonly avoid: Set<string>;
}

/** What a locally originated route asks for (already validated by the node's API). */
export interface RouteRequest {
  readonly dest: Guid;
  readonly payload: Uint8Array;
  readonly fuzzy: boolean;
  readonly ttl: number;
  readonly moduleId: number;
}

/** Counters of everything the router did; read through `node.stats`. */
export interface RouterStats {
  framesIn: number;
  /** Frames dropped because they could not be decoded, by DecodeError reason. */
  decodeErrors: Record<string, number>;
  routesStarted: number;
  fragmentsSent: number;
  forwarded: number;
  delivered: number;
  /** Exact routes that reached the root of a GUID no node holds. */
  droppedNoExactMatch: number;
  /** Messages delivered where their TTL ran out. */
  ttlExpired: number;
  droppedByUpcall: number;
  /** Messages a module handled itself instead of forwarding (e.g. locates diverted to a server). */
  takenByUpcall: number;
  /** Messages sent straight to a known node's address (replies, diverted locates, extra pointers). */
  sentDirect: number;
  /** Messages that ended here for a module this node does not have. */
  droppedNoModule: number;
  upcallErrors: number;
  pingsAnswered: number;
  pingsRefused: number;
  /** Pings sent with a challenge for the answerer to sign (an authenticating provider, a peer not yet proven). */
  pingsChallenged: number;
  /** Pings sent again for want of a pong (a round trip measured across one includes the wait). */
  pingsResent: number;
  /** Forwarded hops that got no acknowledgement in time, and the retries to another neighbour. */
  hopTimeouts: number;
  hopFailovers: number;
  /** Hop frames sent again to the same neighbour after a silent wait. */
  hopRetransmits: number;
  /** Hops sent without waiting for an acknowledgement because too many were pending. */
  hopsUntracked: number;
  /** Messages dropped after every neighbour tried for one hop stayed silent (maxHopAttempts). */
  hopsGivenUp: number;
  /** Second copies of a message (made by a failover) dropped at the destination. */
  duplicates: number;
  /** Datagrams dropped unread because their sender exceeded its rate (DEFAULTS.peerRatePerSec). */
  rateLimited: number;
  /** Decoded frames whose handling threw (a bug, or input no check foresaw); dropped, never rethrown. */
  frameErrors: number;
}

/** A pong: the round trip and who answered (a peer's GUID is learnt this way from its address). */
export interface PingReply {
  readonly rtt: number;
  readonly peer: NodeHandle;
  /** The peer proved it holds the key behind its GUID (always true when the provider does not authenticate, or no proof was asked). */
  readonly proven: boolean;
  /** The ping carried a challenge and the pong answered it: only then does `proven` say anything about the peer's key. */
  readonly challenged: boolean;
  /**
   * By the pong's word, a round trip (ms) below this enters the peer's routing table: Infinity = any,
   * 0 = none. Undefined when the ping did not ask (`PingOptions.admission`).
   */
  readonly admitBelowMs?: number;
}

/** What a ping asks of its answerer. */
export interface PingOptions {
  /**
   * Default true. False asks for no proof even when the provider authenticates: a liveness check of
   * a peer that already proved its GUID at that address (its pong admits nothing).
   */
  readonly challenge?: boolean;
  /**
   * Default false. True asks for the answerer's admission hint (`PingReply.admitBelowMs`): a joining
   * node's measurement reads it; a liveness check would only make the answerer look up a table slot
   * and add bytes to its pong for nothing.
   */
  readonly admission?: boolean;
}

/**
 * Called once when a ping ends: with the reply, or with the error (timeout, refused, closed).
 * Called synchronously from the event that ends it, so protocol steps chained on pings run in the
 * node's own (possibly virtual) time, never on the microtask queue.
 */
export type PingDone = (reply: PingReply | undefined, err?: Error) => void;

interface PendingPing {
  readonly sentAt: number;
  readonly done: PingDone;
  readonly challenge?: Uint8Array;
  readonly admission: boolean;
}

export class RouterCore {
  readonly stats: RouterStats = {
    framesIn: 0, decodeErrors: {}, routesStarted: 0, fragmentsSent: 0, forwarded: 0, delivered: 0,
    droppedNoExactMatch: 0, ttlExpired: 0, droppedByUpcall: 0, takenByUpcall: 0, sentDirect: 0, droppedNoModule: 0, upcallErrors: 0,
    pingsAnswered: 0, pingsRefused: 0, pingsChallenged: 0, pingsResent: 0, hopTimeouts: 0, hopFailovers: 0, hopRetransmits: 0, hopsUntracked: 0, hopsGivenUp: 0, duplicates: 0, rateLimited: 0, frameErrors: 0,
  };
  readonly modules = new Map<number, UpcallModule>();
  readonly reassembler = new Reassembler();
  readonly mtu: number;
  private readonly self: NodeHandle;
  private readonly table: RoutingTable;
  private readonly transport: Transport;
  /** Current time on the node's clock. */
  readonly now: () => number;
  private readonly log: bunyan;
  private readonly idBytes: 20 | 32;
  private readonly levels: number;
  private readonly pings = new Map<number, PendingPing>();
  private readonly hops = new Map<number, PendingHop>();
  private readonly timerSink?: (ms: number, fire: () => void) => void;
  private readonly hopAcks: boolean;
  private readonly onSuspect?: (node: NodeHandle) => void;
  private readonly security?: SecurityProvider;
  /** Messages delivered here lately ("source:routeId:fragment", "d:sender:frameId") → when; oldest first, bounded by DEFAULTS.maxRecentDeliveries. */
  private readonly recent = new Map<string, number>();
  private nextRouteId = 1;
  /** Timers asked for during the current event (a router actor event or a datagram); armed when it ends. */
  private readonly timersDue: Array<{ ms: number; fire: () => void }> = [];
  /** True while an event is being handled (a router actor event, or a datagram on the plain-call path). */
  inEvent = false;
  /** Payload bytes a fragment can carry once the frame's own fields are paid for. */
  private readonly chunkBytes: number;
  /** The same for a message sent straight to a peer (a DirectMsg has no routing fields to pay for). */
  private readonly directChunkBytes: number;
  /** The first 4 bytes of this node's GUID: a DirectMsg for another node carries a different check. */
  private readonly selfCheck: number;
  private nextFrameId = 1;
  /** Absent when the node was asked for no rate limit (a benchmark's single load generator). */
  private readonly rateLimiter?: PeerRateLimiter;
  /** Drops by reason, logged at most once per DEFAULTS.dropLogIntervalMs each. */
  private readonly dropLog: DropLog;
  private nextMessageId = 0;
  /**
   * Ping nonces count up from a random start when the provider authenticates: a pong to a liveness
   * ping (no challenge) is matched by its nonce alone, which an off-path sender must not guess.
   */
  private nextNonce = 0;

  constructor(opts: RouterCoreOptions) {
    this.self = opts.self;
    this.table = opts.table;
    this.transport = opts.transport;
    this.now = opts.now;
    this.log = opts.log;
    this.idBytes = opts.space.bytes as 20 | 32;
    this.levels = opts.space.digits;
    this.timerSink = opts.timerSink;
    this.hopAcks = opts.hopAcks === true && opts.timerSink !== undefined;
    this.onSuspect = opts.onSuspect;
    this.security = opts.security;
    this.mtu = opts.mtu ?? opts.transport.mtu;
    // The widest headers any hop could add (IPv6 sender, hops = ttl, …): every piece fits on every link.
    this.chunkBytes = this.mtu - routeFrameOverhead({
      source: this.self, dest: this.self.guid, fuzzy: true, ttl: DEFAULTS.maxTtl, hops: DEFAULTS.maxTtl,
      level: 0, moduleId: 0xffff, payload: new Uint8Array(0),
    });
    this.directChunkBytes = this.mtu - directFrameOverhead(this.self);
    this.selfCheck = guidCheck(this.self.guid);
    const limit = opts.rateLimit ?? { perSec: DEFAULTS.peerRatePerSec, burst: DEFAULTS.peerRateBurst };
    if (limit) this.rateLimiter = new PeerRateLimiter(limit.perSec, limit.burst, DEFAULTS.maxRateLimitedPeers);
    this.dropLog = new DropLog(DEFAULTS.dropLogIntervalMs, (reason, dropped) => this.log.warn({ reason, dropped }, 'dropping input'));
    if (this.security?.authenticates) {
      const start = this.security.createNonce();
      this.nextNonce = start.length >= 4 ? ((start[0] << 24) | (start[1] << 16) | (start[2] << 8) | start[3]) >>> 0 : 0;
    }
  }

  /** A one-shot timer on the node's clock: armed by the router actor (no extra event when asked during one). */
  after(ms: number, fire: () => void): void {
    if (this.inEvent) this.timersDue.push({ ms, fire });
    else this.timerSink?.(ms, fire);
  }

  /** How many timers are waiting to be armed: where an event (perhaps nested in another) starts taking its own. */
  get timersPending(): number {
    return this.timersDue.length;
  }

  /** The timers asked for since `from` (the event just handled; its caller arms them). */
  takeTimers(from = 0): Array<{ ms: number; fire: () => void }> {
    return this.timersDue.splice(from);
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
      return;
    }
    let frame;
    try {
      frame = decodeFrame(bytes, { idBytes: this.idBytes });
    } catch (err) {
      const reason = err instanceof DecodeError ? ((err as DecodeError & { reason?: string }).reason ?? 'decode') : 'internal';
      this.stats.decodeErrors[reason] = (this.stats.decodeErrors[reason] ?? 0) + 1;
      this.dropLog.drop(`decode:${reason}`, now);
      return;
    }
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
        if (body.route.ackWanted) this.sendFrame(from, { kind: 'ack', ack: { frameId: frame.messageId } });
        this.step(body.route, frame.sender);
        return;
      case 'ack': {
        // Only from where the frame went: a third party cannot cancel another node's retransmissions.
        const p = this.hops.get(body.ack.frameId);
        if (p !== undefined && sameAddress(p.to.address, from)) this.hops.delete(body.ack.frameId);
        return;
      }
      case 'direct':
        if (frame.messageId !== 0) {
          // An acknowledged DirectMsg: answer every copy, deliver the first (a lost HopAck brings a second).
          this.sendFrame(from, { kind: 'ack', ack: { frameId: frame.messageId } });
          if (!this.firstDelivery(`d:${frame.sender.guid.hex}:${frame.messageId}`)) return;
        }
        this.receiveDirect(body.direct, frame.sender);
        return;
      case 'ping':
        // Answer where the datagram came from: that is the path the pinger measures.
        this.stats.pingsAnswered++;
        this.sendFrame(from, { kind: 'pong', pong: this.answerPing(body.ping, frame.sender) });
        return;
      case 'pong':
        this.settlePing(body.pong, frame.sender);
        return;
    }
  }

  /** Starts a route from this node: splits the payload when one frame would exceed the MTU. */
  route(req: RouteRequest): void {
    this.stats.routesStarted++;
    const base = {
      source: this.self, dest: req.dest, fuzzy: req.fuzzy, ttl: req.ttl, hops: 0, level: 0,
      moduleId: req.moduleId, routeId: this.newRouteId(),
    };
    if (req.payload.length <= this.chunkBytes) {
      this.step({ ...base, payload: req.payload });
      return;
    }
    const pieces = splitPayload(req.payload, this.chunkBytes);
    const messageId = this.nextMessageId++ >>> 0;
    this.stats.fragmentsSent += pieces.length;
    for (let index = 0; index < pieces.length; index++) {
      this.step({ ...base, payload: pieces[index], fragment: { messageId, index, count: pieces.length } });
    }
  }

  /**
   * Sends a message straight to a known node, past routing, as DirectMsg frames: no source, destination
   * or routing fields travel (the frame's sender is the source). `hops` is what the message had taken so far.
   */
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops = 0, acked = true): void {
    this.stats.sentDirect++;
    const base = { destCheck: guidCheck(to.guid), moduleId, hops: Math.min(hops, DEFAULTS.maxTtl - 1) };
    if (to.guid.equals(this.self.guid)) {
      this.arrive(this.directToRoute({ ...base, payload }, this.self), false, undefined);
      return;
    }
    // Larger than one datagram (a long neighbour list): fragmented, and reassembled there.
    const pieces = payload.length <= this.directChunkBytes ? [payload] : splitPayload(payload, this.directChunkBytes);
    if (pieces.length === 1) {
      this.sendDirectFrame(to, { ...base, payload }, acked);
      return;
    }
    const messageId = this.nextMessageId++ >>> 0;
    this.stats.fragmentsSent += pieces.length;
    for (let index = 0; index < pieces.length; index++) {
      const fragment = { messageId, index, count: pieces.length };
      this.sendDirectFrame(to, { ...base, payload: pieces[index], fragment }, acked);
    }
  }

  /**
   * One DirectMsg frame. With hop acknowledgements on (and `acked`) it carries a frame id and is sent
   * again until acknowledged, as a hop to a route's destination is: a locate's diverted copy and its
   * answer have no other retry. A sender with its own request timeouts (membership) passes false.
   */
  private sendDirectFrame(to: NodeHandle, direct: DirectMsg, acked: boolean): void {
    if (!this.hopAcks || !acked || this.hops.size >= DEFAULTS.maxPendingHops) {
      if (this.hopAcks && acked) this.stats.hopsUntracked++;
      this.sendFrame(to.address, { kind: 'direct', direct });
      return;
    }
    const frameId = this.takeFrameId();
    const bytes = this.encode(frameId, { kind: 'direct', direct });
    this.transport.send(to.address, bytes);
    this.track(frameId, undefined, to, bytes, undefined);
  }

  /** A DirectMsg frame: ends here, as an exact route to this node's GUID would, unless it was meant for another node. */
  private receiveDirect(d: DirectMsg, sender: NodeHandle): void {
    if (d.destCheck !== this.selfCheck) {
      // Sent to a node that was at this address before: dropped, as an exact route to a GUID no one holds.
      this.stats.droppedNoExactMatch++;
      return;
    }
    this.arrive(this.directToRoute(d, sender), false, sender);
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

  /**
   * Sends a ping; `done` gets the round trip and the answering peer. The router actor times it out.
   */
  ping(to: Address, done: PingDone, opts: PingOptions = {}): number {
    const nonce = this.nextNonce++ >>> 0;
    if (this.pings.size >= DEFAULTS.maxPendingPings) {
      this.stats.pingsRefused++;
      done(undefined, new LimitExceededError(`more than ${DEFAULTS.maxPendingPings} pings pending`));
      return nonce;
    }
    const nonceToSign = opts.challenge !== false && this.security?.authenticates ? this.security.createNonce() : undefined;
    if (nonceToSign) this.stats.pingsChallenged++;
    const admission = opts.admission === true;
    this.pings.set(nonce, { sentAt: this.now(), done, challenge: nonceToSign, admission });
    const ping: Writable<Ping> = { nonce };
    if (nonceToSign) ping.challenge = nonceToSign;
    if (admission) ping.admission = true;
    this.sendFrame(to, { kind: 'ping', ping });
    // One lost ping or pong must not fail a live neighbour on a lossy link: sent again while unanswered.
    if (this.hopAcks) this.after(DEFAULTS.pingResendMs, () => this.resendPing(ping, to, DEFAULTS.pingResends));
    return nonce;
  }

  /** Sends an unanswered ping again (the same nonce: any copy's pong settles it), `left` more times. */
  private resendPing(ping: Ping, to: Address, left: number): void {
    if (left <= 0 || !this.pings.has(ping.nonce)) return;
    this.stats.pingsResent++;
    this.sendFrame(to, { kind: 'ping', ping });
    if (left > 1) this.after(DEFAULTS.pingResendMs, () => this.resendPing(ping, to, left - 1));
  }

  /** Called by the router actor's delayed event; a ping already answered is gone and ignored. */
  pingTimedOut(nonce: number): void {
    const p = this.pings.get(nonce);
    if (!p) return;
    this.pings.delete(nonce);
    p.done(undefined, new TimeoutError(`ping ${nonce} got no pong`));
  }

  /** Frees reassembly buffers whose message never completed. */
  sweep(): void {
    this.reassembler.sweep(this.now());
  }

  /** Rejects what is still waiting; called when the node closes. */
  shutdown(reason: Error): void {
    const pending = [...this.pings.values()];
    this.pings.clear();
    for (const p of pending) p.done(undefined, reason);
  }

  /** One routing step at this node: deliver here, drop, or forward one hop. */
  private step(msg: RouteMsg, from?: NodeHandle, avoid?: Set<string>, retry = false): void {
    const hop = avoid ? nextHopAvoiding(this.table, msg.dest, msg.level, avoid) : nextHop(this.table, msg.dest, msg.level);
    if (hop.kind === 'root') {
      if (!msg.fuzzy && !msg.dest.equals(this.self.guid)) {
        // Exact routing ends at the root of a GUID no node holds: dropped, as the spec says.
        this.stats.droppedNoExactMatch++;
        return;
      }
      this.arrive(msg, false, from);
      return;
    }
    if (msg.hops >= msg.ttl) {
      this.stats.ttlExpired++;
      this.arrive(msg, true, from);
      return;
    }
    let payload = msg.payload;
    // A retry after a silent hop already passed this node's module once.
    const module = retry ? undefined : this.modules.get(msg.moduleId);
    if (module?.forward) {
      const ctx: ForwardContext = {
        dest: msg.dest, source: msg.source, hops: msg.hops, fuzzy: msg.fuzzy, nextHop: hop.to,
        fragment: msg.fragment, payload, from,
      };
      let verdict;
      try {
        verdict = module.forward(ctx);
      } catch (err) {
        // A failing module must not take the node down; the message still goes on.
        this.stats.upcallErrors++;
        this.log.warn({ err, module: module.name }, 'forward upcall threw');
      }
      if (verdict === false) {
        this.stats.droppedByUpcall++;
        return;
      }
      if (verdict === 'taken') {
        this.stats.takenByUpcall++;
        return;
      }
      payload = ctx.payload;
    }
    this.stats.forwarded++;
    this.forwardTo(hop.to, { ...msg, payload, hops: msg.hops + 1, level: hop.level + 1 }, avoid);
  }

  /**
   * Sends a routed frame one hop. With a timer available the hop is acknowledged: without a HopAck
   * in time the same frame is sent again (DEFAULTS.hopRetransmits, backing off); still silent, the
   * neighbour is reported as suspect and the message goes to the slot's next entry (or on by
   * surrogate routing), at most maxHopAttempts neighbours.
   */
  private forwardTo(to: NodeHandle, route: RouteMsg, avoid: Set<string> | undefined): void {
    if (!this.hopAcks) {
      this.sendFrame(to.address, { kind: 'route', route });
      return;
    }
    if (this.hops.size >= DEFAULTS.maxPendingHops) {
      this.stats.hopsUntracked++;
      this.sendFrame(to.address, { kind: 'route', route: { ...route, ackWanted: false } });
      return;
    }
    const frameId = this.takeFrameId();
    const bytes = this.encode(frameId, { kind: 'route', route: { ...route, ackWanted: true } });
    this.transport.send(to.address, bytes);
    this.track(frameId, route, to, bytes, avoid);
  }

  /** Holds a frame just sent until its HopAck, with its first timeout armed. */
  private track(frameId: number, msg: RouteMsg | undefined, to: NodeHandle, bytes: Uint8Array, avoid: Set<string> | undefined): void {
    // A node outside the table (a reply to a locate's origin) may be anywhere: assume it is far.
    const latency = this.table.get(to.guid)?.latency ?? DEFAULTS.hopAckUnknownLatencyMs;
    const waitMs = DEFAULTS.hopAckMinTimeoutMs + 4 * latency;
    this.hops.set(frameId, { msg, to, bytes, sends: 1, waitMs, avoid: avoid ?? new Set() });
    this.after(waitMs, () => this.hopTimedOut(frameId));
  }

  /** No HopAck in time: send the frame again (backing off), then fail over to another neighbour. */
  private hopTimedOut(frameId: number): void {
    const p = this.hops.get(frameId);
    if (!p) return;
    this.stats.hopTimeouts++;
    if (p.sends <= retransmitsFor(p)) {
      this.stats.hopRetransmits++;
      p.sends++;
      p.waitMs = Math.min(2 * p.waitMs, DEFAULTS.hopAckMaxWaitMs);
      this.transport.send(p.to.address, p.bytes);
      this.after(p.waitMs, () => this.hopTimedOut(frameId));
      return;
    }
    this.hops.delete(frameId);
    // Suspected only now: on a lossy link one silent send is common, and a suspect check that is
    // itself lost would drop a live neighbour from the table.
    this.onSuspect?.(p.to);
    if (p.msg === undefined) {
      this.stats.hopsGivenUp++;
      return;
    }
    p.avoid.add(p.to.guid.hex);
    if (p.avoid.size >= DEFAULTS.maxHopAttempts) {
      this.stats.hopsGivenUp++;
      return;
    }
    this.stats.hopFailovers++;
    // Back to the level this hop was chosen at, and hops as they were before it.
    this.step({ ...p.msg, hops: p.msg.hops - 1, level: p.msg.level - 1, ackWanted: false }, undefined, p.avoid, true);
  }

  /** The message ends here: reassemble if it is a fragment, then hand it to its module. */
  private arrive(msg: RouteMsg, ttlExpired: boolean, from: NodeHandle | undefined): void {
    if (msg.routeId) {
      // A hop that failed over may have sent a second copy of a message that did arrive: once only.
      if (!this.firstDelivery(`${msg.source.guid.hex}:${msg.routeId}:${msg.fragment?.index ?? -1}`)) return;
    }
    let payload = msg.payload;
    if (msg.fragment) {
      const whole = this.reassembler.accept(msg.source.guid.hex, msg.fragment, msg.payload, this.now());
      if (!whole) return;
      payload = whole;
    }
    this.deliverLocal({
      dest: msg.dest, source: msg.source, hops: msg.hops, fuzzy: msg.fuzzy, ttlExpired,
      moduleId: msg.moduleId, payload, from,
    });
  }

  /**
   * False (counted as a duplicate) when `key` was delivered within DEFAULTS.duplicateWindowMs;
   * remembers it otherwise. The window outlasts every retransmission and failover of one message,
   * and no more: a restarted node numbers its messages from the start again, and must be heard.
   */
  private firstDelivery(key: string): boolean {
    const now = this.now();
    const at = this.recent.get(key);
    if (at !== undefined && now - at < DEFAULTS.duplicateWindowMs && now >= at) {
      this.stats.duplicates++;
      return false;
    }
    this.recent.delete(key);
    this.recent.set(key, now);
    if (this.recent.size > DEFAULTS.maxRecentDeliveries) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }

  /** Hands a message that ends here to its module; counted, and a throwing module is contained. */
  deliverLocal(delivery: Delivery): void {
    const module = this.modules.get(delivery.moduleId);
    if (!module?.deliver) {
      this.stats.droppedNoModule++;
      return;
    }
    this.stats.delivered++;
    try {
      module.deliver(delivery);
    } catch (err) {
      this.stats.upcallErrors++;
      this.log.warn({ err, module: module.name }, 'deliver upcall threw');
    }
  }

  private settlePing(pong: Pong, sender: NodeHandle): void {
    const p = this.pings.get(pong.nonce);
    if (!p) return;
    this.pings.delete(pong.nonce);
    const proven = !p.challenge || (pong.credential !== undefined && pong.proof !== undefined &&
      provesIdentity(this.security!, sender.guid, pong.credential, p.challenge, this.self.guid, pong.proof));
    const admitBelowMs = p.admission ? admitFromHint(pong.admitBelowUs) : undefined;
    p.done({ rtt: this.now() - p.sentAt, peer: sender, proven, challenged: p.challenge !== undefined, admitBelowMs });
  }

  /**
   * A pong; with a challenge (and an authenticating provider) it carries this node's proof, bound to
   * the pinger; the admission hint only when the ping asked for it.
   */
  private answerPing(ping: Ping, pinger: NodeHandle): Pong {
    const admit = ping.admission ? admitHint(this.table.admitBelow(pinger.guid)) : undefined;
    if (!ping.challenge || !this.security?.authenticates) return { nonce: ping.nonce, ...admit };
    const proof = this.security.answerChallenge(ping.challenge, pinger.guid);
    return proof ? { nonce: ping.nonce, credential: this.security.credential(), proof, ...admit } : { nonce: ping.nonce, ...admit };
  }

  private newRouteId(): number {
    const id = this.nextRouteId;
    this.nextRouteId = (id + 1) >>> 0 || 1;
    return id;
  }

  /** Encodes and sends a frame that wants no HopAck: its datagram id is 0, which protobuf leaves off the wire. */
  private sendFrame(to: Address, body: Body): void {
    this.transport.send(to, this.encode(0, body));
  }

  private encode(frameId: number, body: Body): Uint8Array {
    return encodeFrame({ version: WIRE_VERSION, sender: this.self, messageId: frameId, body });
  }

  /** A datagram id for a frame that wants a HopAck: never 0, which marks frames that want none. */
  private takeFrameId(): number {
    const frameId = this.nextFrameId;
    this.nextFrameId = (frameId + 1) >>> 0 || 1;
    return frameId;
  }
}

/**
 * Retransmissions a pending hop gets before it fails over. A hop to the message's destination itself
 * (or a DirectMsg frame) has no useful backup (any other node is the root of that GUID without it,
 * where an exact route is dropped), so it spends the sends every attempt together would have had on that one neighbour.
 */
function retransmitsFor(p: PendingHop): number {
  if (p.msg !== undefined && !p.to.guid.equals(p.msg.dest)) return DEFAULTS.hopRetransmits;
  return DEFAULTS.maxHopAttempts * (DEFAULTS.hopRetransmits + 1) - 1;
}

// A Pong's admit_below_us: µs rounded up, 0 (left off the wire) for any latency, the largest uint32 for none.
const ADMIT_NONE = 0xffff_ffff;

/** The hint for a table's `admitBelow` (ms). */
function admitHint(ms: number): { admitBelowUs?: number } {
  if (ms === Number.POSITIVE_INFINITY) return {};
  return { admitBelowUs: ms <= 0 ? ADMIT_NONE : Math.min(ADMIT_NONE - 1, Math.ceil(ms * 1000)) };
}

/** The latency bound (ms) a Pong's hint gives. */
function admitFromHint(us: number | undefined): number {
  if (us === undefined || us === 0) return Number.POSITIVE_INFINITY;
  return us === ADMIT_NONE ? 0 : us / 1000;
}
