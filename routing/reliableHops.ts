/**
 * Reliable hops: a forwarded frame is held until the next node acknowledges it (HopAck). Without an
 * acknowledgement in time the same bytes are sent again, the wait doubling (DEFAULTS.hopRetransmits
 * times, at most DEFAULTS.hopAckMaxWaitMs a wait); still silent, the neighbour is reported as suspect
 * and the message fails over to another neighbour (the slot's next entry, or on by surrogate routing),
 * at most DEFAULTS.maxHopAttempts neighbours in all.
 *
 * Pure: frames are opaque bytes encoded by the caller (a retransmission resends the same bytes, so
 * either copy's HopAck counts), sends and timers go through a small port, and routing a failed-over
 * message again is the caller's (the port's `failover`).
 */
import { DEFAULTS } from '../defaults';
import { sameAddress, type Address, type NodeHandle } from './handle';
import type { RouteMsg } from './messages';
import { RequestIds } from './pendingRequests';

/** Reliable-hop counters, part of the router's stats (`node.stats.router`). */
export interface HopStats {
  /** Forwarded hops that got no acknowledgement in time. */
  hopTimeouts: number;
  /** Messages sent again through another neighbour after one stayed silent. */
  hopFailovers: number;
  /** Hop frames sent again to the same neighbour after a silent wait. */
  hopRetransmits: number;
  /** Hops sent without waiting for an acknowledgement because too many were pending. */
  hopsUntracked: number;
  /** Messages dropped after every neighbour tried for one hop stayed silent (maxHopAttempts). */
  hopsGivenUp: number;
}

/** What reliable hops need from the node. */
export interface HopPort {
  /** Sends bytes already encoded: a frame's first send, or a retransmission of it. */
  sendBytes(to: Address, bytes: Uint8Array): void;
  /** A one-shot timer on the node's clock; the answer cancels it. */
  after(ms: number, fire: () => void): () => void;
  /** The node's clock (ms): an acknowledgement's round trip is measured on it. */
  now(): number;
  /**
   * The wait for a HopAck from `to` (ms): its measured retransmission timeout (routing/peerHealth.ts),
   * or `fallbackMs` (from its table latency) when none is measured yet.
   */
  waitFor(to: NodeHandle, fallbackMs: number): number;
  /** `to` acknowledged a frame `rttMs` after its first send: a round-trip sample, and proof of life. */
  acked(to: NodeHandle, rttMs: number): void;
  /** A neighbour stayed silent through every send of one frame: membership checks it at once. */
  suspect(node: NodeHandle): void;
  /**
   * Routes `msg` again from this node (its hops and level back to where this hop was chosen),
   * avoiding the neighbours (GUID hex) that already failed it; its module is not asked again.
   */
  failover(msg: RouteMsg, avoid: Set<string>): void;
}

/** A frame waiting for its HopAck. */
export interface PendingHop {
  /** The routed message; absent for a DirectMsg frame, which is only ever sent again to the same node. */
  readonly msg?: RouteMsg;
  readonly to: NodeHandle;
  /** The frame as sent, resent unchanged. */
  readonly bytes: Uint8Array;
  /** Sends so far to this neighbour, and the wait after the last one (ms). */
  sends: number;
  /** When the frame was first sent to this neighbour (ms). */
  readonly sentAt: number;
  waitMs: number;
  /** Neighbours that already failed this message (GUID hex). */
  readonly avoid: Set<string>;
  /** Cancels the wait for this send's HopAck: an acknowledged hop leaves no timer armed. */
  cancel: () => void;
}

export class ReliableHops {
  /** Frame id → its pending hop; at most `maxPending` (DEFAULTS.maxPendingHops), beyond it hops go untracked. */
  private readonly pending = new Map<number, PendingHop>();
  /** Frame ids: uint32, never 0 (which marks a frame that wants no HopAck). */
  private readonly frameIds = new RequestIds();

  constructor(
    private readonly port: HopPort,
    private readonly stats: HopStats,
    private readonly maxPending: number = DEFAULTS.maxPendingHops,
  ) {}

  /** Hops awaiting their acknowledgement. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * A frame id for the next frame that wants a HopAck (never 0, which marks frames that want none),
   * or 0 when too many hops are pending: that frame goes unacknowledged, and is counted.
   */
  claimFrameId(): number {
    if (this.pending.size >= this.maxPending) {
      this.stats.hopsUntracked++;
      return 0;
    }
    return this.frameIds.next();
  }

  /**
   * Sends a frame (encoded with a `frameId` from claimFrameId) and holds it until its HopAck, with
   * its first timeout armed. `latencyMs` is the neighbour's measured latency, undefined for a node
   * outside the routing table (a reply to a locate's origin), which may be anywhere: assumed far.
   */
  send(frameId: number, msg: RouteMsg | undefined, to: NodeHandle, bytes: Uint8Array, avoid: Set<string> | undefined, latencyMs: number | undefined): void {
    this.port.sendBytes(to.address, bytes);
    const waitMs = this.port.waitFor(to, DEFAULTS.hopAckMinTimeoutMs + 4 * (latencyMs ?? DEFAULTS.hopAckUnknownLatencyMs));
    const cancel = this.port.after(waitMs, () => this.timedOut(frameId));
    this.pending.set(frameId, { msg, to, bytes, sends: 1, sentAt: this.port.now(), waitMs, avoid: avoid ?? new Set(), cancel });
  }

  /** A HopAck, counted only from where the frame went: a third party cannot cancel another node's retransmissions. */
  acked(frameId: number, from: Address): void {
    const p = this.pending.get(frameId);
    if (p === undefined || !sameAddress(p.to.address, from)) return;
    this.pending.delete(frameId);
    p.cancel();
    this.port.acked(p.to, this.port.now() - p.sentAt);
  }

  /** No HopAck in time: send the frame again (backing off), then fail over to another neighbour. */
  private timedOut(frameId: number): void {
    const p = this.pending.get(frameId);
    if (!p) return;
    this.stats.hopTimeouts++;
    if (p.sends <= retransmitsFor(p)) {
      this.stats.hopRetransmits++;
      p.sends++;
      p.waitMs = Math.min(2 * p.waitMs, DEFAULTS.hopAckMaxWaitMs);
      this.port.sendBytes(p.to.address, p.bytes);
      p.cancel = this.port.after(p.waitMs, () => this.timedOut(frameId));
      return;
    }
    this.pending.delete(frameId);
    // Suspected only now: on a lossy link one silent send is common, and a suspect check that is
    // itself lost would drop a live neighbour from the table.
    this.port.suspect(p.to);
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
    this.port.failover({ ...p.msg, hops: p.msg.hops - 1, level: p.msg.level - 1, ackWanted: false }, p.avoid);
  }
}

/**
 * Retransmissions a pending hop gets before it fails over. A hop to the message's destination itself
 * (or a DirectMsg frame) has no useful backup (any other node is the root of that GUID without it,
 * where an exact route is dropped), so it spends the sends every attempt together would have had on
 * that one neighbour.
 */
export function retransmitsFor(p: { readonly msg?: RouteMsg; readonly to: NodeHandle }): number {
  if (p.msg !== undefined && !p.to.guid.equals(p.msg.dest)) return DEFAULTS.hopRetransmits;
  return DEFAULTS.maxHopAttempts * (DEFAULTS.hopRetransmits + 1) - 1;
}
