/**
 * End-to-end confirmation of routes that ask for it (node.route(dest, payload, { confirm: true })).
 * A hop acknowledgement proves only that the next node received a frame; a member that acknowledges
 * and then drops (a black hole) is invisible to it. So the destination answers a confirmed route with
 * a small acknowledgement sent straight back to the source, naming the copy that reached it; without
 * one in time the source sends the message again through a first hop it has not tried
 * (routing/firstHops.ts), and the first hop of a copy that went unacknowledged loses score
 * (routing/neighbourScore.ts). With `redundancy` d, each round sends d copies at once through d
 * distinct first hops; the destination delivers one (duplicates.ts: same source and route id).
 *
 * This file holds the source's bookkeeping and the acknowledgement's bytes, pure: the caller
 * (actors/confirmRuntime.ts) sends, arms the timers and acts on the verdicts.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from './guid';
import type { NodeHandle, RouteMsg } from './messages';

/** The built-in module id of route acknowledgements (a DirectMsg, never routed). */
export const ROUTE_CONFIRM_MODULE_ID = 0xfff8;

/** Confirmation counters, part of the router's stats (`node.stats.router`). */
export interface ConfirmStats {
  /** Confirmed routes (each fragment counted) sent. */
  confirmsStarted: number;
  /** Confirmed routes acknowledged by their destination. */
  confirmsAcked: number;
  /** Confirmed routes given up after every round went unacknowledged (or no first hop was left). */
  confirmsFailed: number;
  /** Rounds sent again through other first hops after one went unacknowledged. */
  confirmRetries: number;
  /** Copies sent (every copy of every round: redundancy × rounds at most). */
  confirmCopies: number;
  /** Confirmed routes sent unconfirmed because DEFAULTS.maxPendingConfirms were waiting. */
  confirmsUntracked: number;
  /** Acknowledgements sent by this node as a confirmed route's destination (one per copy). */
  confirmAcksSent: number;
  /** Acknowledgements refused: for no waiting route, or not from a node that may answer it. */
  confirmAcksRefused: number;
}

export function newConfirmStats(): ConfirmStats {
  return { confirmsStarted: 0, confirmsAcked: 0, confirmsFailed: 0, confirmRetries: 0, confirmCopies: 0, confirmsUntracked: 0, confirmAcksSent: 0, confirmAcksRefused: 0 };
}

/** One copy sent: its number (RouteMsg.confirm) and its first hop (GUID hex). */
export interface ConfirmCopy {
  readonly attempt: number;
  /** The round it was sent in (1, 2, ...). */
  readonly round: number;
  readonly firstHop: NodeHandle;
  acked: boolean;
}

/** A confirmed route waiting for its acknowledgement. */
export interface PendingConfirm {
  readonly key: string;
  /** The message as the source first built it (hops 0, level 0, no confirm number). */
  readonly msg: RouteMsg;
  readonly redundancy: number;
  /** Rounds sent so far. */
  rounds: number;
  /** Every copy sent, in order; attempt n is copies[n - 1]. */
  readonly copies: ConfirmCopy[];
  /** First hops tried (GUID hex): never tried again for this message. */
  readonly tried: Set<string>;
  /** An acknowledgement came: no more rounds; the entry stays until the round's timer to score the other copies. */
  acked: boolean;
  /** Cancels the current round's timer. */
  cancel: () => void;
}

/** The key naming one confirmed message at its source: route id and fragment index. */
export function confirmKey(routeId: number, fragmentIndex: number | undefined): string {
  return `${routeId}:${fragmentIndex ?? -1}`;
}

/** What the destination sends back: route id (4 bytes), fragment index + 1 (2; 0 = whole), copy number (2). */
export interface RouteAck {
  readonly routeId: number;
  readonly fragmentIndex?: number;
  readonly attempt: number;
}

const ACK_BYTES = 8;

export function encodeRouteAck(ack: RouteAck): Uint8Array {
  const bytes = new Uint8Array(ACK_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, ack.routeId >>> 0);
  view.setUint16(4, ack.fragmentIndex === undefined ? 0 : ack.fragmentIndex + 1);
  view.setUint16(6, ack.attempt);
  return bytes;
}

/** The acknowledgement in `bytes`, or undefined for anything else (never throws). */
export function decodeRouteAck(bytes: Uint8Array): RouteAck | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ACK_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const routeId = view.getUint32(0);
  const fragment = view.getUint16(4);
  const attempt = view.getUint16(6);
  if (routeId === 0 || attempt === 0) return undefined;
  return fragment === 0 ? { routeId, attempt } : { routeId, fragmentIndex: fragment - 1, attempt };
}

/**
 * Whether `replier` may acknowledge a route for `dest`: for an exact route only the destination
 * itself; for a fuzzy one any node (the source cannot know the surrogate root in advance).
 */
export function mayConfirm(msg: { readonly dest: Guid; readonly fuzzy: boolean }, replier: Guid): boolean {
  return msg.fuzzy || replier.equals(msg.dest);
}

/** The confirmed routes this node waits on; at most `limit` (DEFAULTS.maxPendingConfirms). */
export class ConfirmTable {
  private readonly pending = new Map<string, PendingConfirm>();

  constructor(private readonly limit: number = DEFAULTS.maxPendingConfirms) {}

  get size(): number {
    return this.pending.size;
  }

  get full(): boolean {
    return this.pending.size >= this.limit;
  }

  /** Opens a confirmed message (the caller checked `full`). */
  open(msg: RouteMsg, redundancy: number): PendingConfirm {
    const key = confirmKey(msg.routeId!, msg.fragment?.index);
    const p: PendingConfirm = { key, msg, redundancy, rounds: 0, copies: [], tried: new Set(), acked: false, cancel: () => {} };
    this.pending.set(key, p);
    return p;
  }

  get(key: string): PendingConfirm | undefined {
    return this.pending.get(key);
  }

  /** The copy an acknowledgement names, or undefined when no such message or copy waits. */
  copyOf(ack: RouteAck): { pending: PendingConfirm; copy: ConfirmCopy } | undefined {
    const pending = this.pending.get(confirmKey(ack.routeId, ack.fragmentIndex));
    const copy = pending?.copies[ack.attempt - 1];
    return pending && copy ? { pending, copy } : undefined;
  }

  close(key: string): void {
    this.pending.get(key)?.cancel();
    this.pending.delete(key);
  }

  /** Every waiting entry, closed (the node closes). */
  drain(): void {
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
  }
}
