/**
 * Sending a message straight to one known node, past routing, as DirectMsg frames: split into pieces
 * when it exceeds a datagram, and, with hop acknowledgements on, each piece resent until acknowledged
 * — except, on an open network, to a node that is no admitted peer (routing/admittedPeer.ts): an
 * answer to an address a request merely named goes once, so a forged source draws no train of resends.
 */
import { DEFAULTS } from '../defaults';
import { isAdmittedPeer } from '../routing/admittedPeer';
import { splitPayload } from '../routing/fragmenter';
import type { Address } from '../routing/handle';
import type { Body, DirectMsg, NodeHandle, ReplyInfo } from '../routing/messages';
import type { ReliableHops } from '../routing/reliableHops';
import type { RoutingTable } from '../routing/routingTable';
import { guidCheck } from '../wire/codec';
import type { ChunkSizes } from './chunkSizes';
import type { RouterStats } from './routerTypes';

/** What the direct sender needs from the router. */
export interface DirectSenderPort {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly chunks: ChunkSizes;
  /** Hop acknowledgements are on (a clock drives their timers). */
  readonly hopAcks: boolean;
  /** The provider authenticates: the node may be reached by anyone, and answers are not resent to strangers. */
  readonly openNetwork: boolean;
  readonly hops: ReliableHops;
  /** The next per-node message id (shared with routes' fragments). */
  nextMessageId(): number;
  /** A direct message to this node itself: delivered here. */
  arriveHere(direct: DirectMsg): void;
  /** Encodes and sends a frame that wants no HopAck. */
  sendFrame(to: Address, body: Body): void;
  encode(frameId: number, body: Body): Uint8Array;
  latencyOf(node: NodeHandle): number | undefined;
}

export class DirectSender {
  constructor(
    private readonly port: DirectSenderPort,
    private readonly stats: RouterStats,
  ) {}

  /**
   * No source, destination or routing fields travel (the frame's sender is the source). `hops` is
   * what the message had taken so far; a reply to a request carries `reply` on every fragment.
   */
  send(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number, acked: boolean, reply?: ReplyInfo): void {
    const port = this.port;
    this.stats.sentDirect++;
    const base = { destCheck: guidCheck(to.guid), moduleId, hops: Math.min(hops, DEFAULTS.maxTtl - 1), ...(reply ? { reply } : {}) };
    const chunkBytes = reply ? port.chunks.reply : port.chunks.direct;
    if (to.guid.equals(port.self.guid)) {
      port.arriveHere({ ...base, payload });
      return;
    }
    // Larger than one datagram (a long neighbour list): fragmented, and reassembled there.
    const pieces = payload.length <= chunkBytes ? [payload] : splitPayload(payload, chunkBytes);
    // A `none` mesh is a closed one (simulations, trusted hosts) and keeps its answers reliable under loss.
    if (acked && port.openNetwork && !isAdmittedPeer(port.table, to)) {
      acked = false;
      this.stats.directUnacked++;
    }
    if (pieces.length === 1) {
      this.frame(to, { ...base, payload }, acked);
      return;
    }
    const messageId = port.nextMessageId();
    this.stats.fragmentsSent += pieces.length;
    for (let index = 0; index < pieces.length; index++) {
      const fragment = { messageId, index, count: pieces.length };
      this.frame(to, { ...base, payload: pieces[index], fragment }, acked);
    }
  }

  /**
   * One DirectMsg frame. With hop acknowledgements on (and `acked`) it carries a frame id and is sent
   * again until acknowledged, as a hop to a route's destination is: a locate's diverted copy and its
   * answer have no other retry. A sender with its own request timeouts (membership) passes false.
   */
  private frame(to: NodeHandle, direct: DirectMsg, acked: boolean): void {
    const port = this.port;
    // claimFrameId counts a hop it cannot track, and is asked only for one that wants tracking.
    const frameId = port.hopAcks && acked ? port.hops.claimFrameId() : 0;
    if (frameId === 0) {
      port.sendFrame(to.address, { kind: 'direct', direct });
      return;
    }
    port.hops.send(frameId, undefined, to, port.encode(frameId, { kind: 'direct', direct }), undefined, port.latencyOf(to));
  }
}
