/**
 * Routing messages: the frame envelope and the bodies a node exchanges hop by hop. wire/codec.ts
 * maps them to and from protobuf; nothing else sees a protobuf object.
 */
import type { Guid } from './guid';
import type { FragmentInfo, NodeHandle } from './handle';

/** Wire format version carried in every frame; a frame of another version is dropped and counted. */
export const WIRE_VERSION = 1;

export type { NodeHandle, FragmentInfo } from './handle';

/**
 * A message under construction: its optional fields are set one at a time, so a field that is
 * absent stays off the object (and off the wire), then it is handed on as the readonly type.
 */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A message routed through the overlay toward a GUID. */
export interface RouteMsg {
  /** The node that sent it first. */
  readonly source: NodeHandle;
  /** Destination GUID. */
  readonly dest: Guid;
  /** true: deliver at the surrogate root (PrefixRouteMsg); false: only at the node with this exact GUID. */
  readonly fuzzy: boolean;
  /** Most hops allowed (1 .. DEFAULTS.maxTtl). */
  readonly ttl: number;
  /** Hops taken so far. */
  readonly hops: number;
  /** Routing level the next node starts at (0 .. digits): surrogate routing's progress so far. */
  readonly level: number;
  /** Upcall module that owns the payload (0 = the application's default module). */
  readonly moduleId: number;
  /** Payload bytes (a fragment's piece when `fragment` is set). */
  readonly payload: Uint8Array;
  /** Present when this is one fragment of a larger message. */
  readonly fragment?: FragmentInfo;
  /** The previous hop waits for a HopAck (and fails over to a backup without one). */
  readonly ackWanted?: boolean;
  /** Set by the source (uint32): with the source and fragment index it names the message end to end. */
  readonly routeId?: number;
  /**
   * Set by the source (uint32, never 0) when the message is a request: the destination answers it with
   * a reply (DirectMsg.reply) sent straight back to `source`.
   */
  readonly requestId?: number;
  /**
   * Set by the source (uint32, never 0) when it wants an end-to-end acknowledgement: this copy's
   * number, which the destination's acknowledgement names (routing/routeConfirms.ts).
   */
  readonly confirm?: number;
}

/** Acknowledges a forwarded route frame to the hop that sent it. */
export interface HopAck {
  /** The acknowledged frame's messageId. */
  readonly frameId: number;
}

/**
 * A message sent straight to one known peer (DirectMsg on the wire): the frame's sender is its
 * source, the receiver its destination. The receiver turns it into a RouteMsg that ends at itself.
 */
export interface DirectMsg {
  /** The receiver's GUID, first 4 bytes big-endian (a check that the datagram reached the right node). */
  readonly destCheck: number;
  readonly moduleId: number;
  readonly payload: Uint8Array;
  readonly fragment?: FragmentInfo;
  /** Hops the message took before this one (0 .. DEFAULTS.maxTtl); for a reply, the hops its request took. */
  readonly hops: number;
  /** Present when this answers a request (every fragment of a large reply carries it). */
  readonly reply?: ReplyInfo;
}

/**
 * How a destination answered a request: 'ok' carries the reply; the others say why there is none,
 * so the requester knows at once instead of waiting for its timeout.
 * - noSuchNode: an exact request reached the root of a GUID no node holds (answered by that root);
 * - noModule: the destination has no module with a deliver upcall for the request's module id;
 * - noReply: deliver returned (or resolved) nothing;
 * - failed: deliver threw or rejected, or its reply was not bytes or a string, or was too large;
 * - ttlExpired: the request's TTL ran out before it reached its destination (answered where it did).
 */
export const REPLY_STATUSES = ['ok', 'noSuchNode', 'noModule', 'noReply', 'failed', 'ttlExpired'] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

/** The reply fields of a DirectMsg. */
export interface ReplyInfo {
  /** The request's id (RouteMsg.requestId, never 0). */
  readonly replyTo: number;
  readonly status: ReplyStatus;
}

export interface Ping {
  readonly nonce: number;
  /** A random challenge the answering node signs to prove its GUID (absent with the `none` provider). */
  readonly challenge?: Uint8Array;
  /** The pinger wants the answerer's admission hint in the Pong (`Pong.admitBelowUs`). */
  readonly admission?: boolean;
  /**
   * Bytes of padding (zeros on the wire) a ping with a challenge brings, so the pong's credential and
   * proof are no more bytes than the challenge and padding (DEFAULTS.challengePaddingBytes).
   */
  readonly padding?: number;
}
export interface Pong {
  readonly nonce: number;
  /** The answering node's credential (for `signed`, its public key); present exactly with `proof`. */
  readonly credential?: Uint8Array;
  /** Its answer to the Ping's challenge (security/challenge.ts). */
  readonly proof?: Uint8Array;
  /**
   * A round trip (µs) the pinger must beat to enter the answerer's routing table; absent (0): any
   * would do. A joining node uses it to tell which nodes will list it without asking each one.
   * Only in answer to a Ping that asked for it (`Ping.admission`).
   */
  readonly admitBelowUs?: number;
}

/** The body of a frame: exactly one message. Later issues add their own kinds here. */
export type Body =
  | { readonly kind: 'route'; readonly route: RouteMsg }
  | { readonly kind: 'ping'; readonly ping: Ping }
  | { readonly kind: 'pong'; readonly pong: Pong }
  | { readonly kind: 'ack'; readonly ack: HopAck }
  | { readonly kind: 'direct'; readonly direct: DirectMsg };

/** The envelope of every datagram. */
export interface Frame {
  /** WIRE_VERSION of the sender. */
  readonly version: number;
  /** The node that sent this datagram (the previous hop, not the route's source). */
  readonly sender: NodeHandle;
  /** Per-sender datagram id (uint32), for duplicate suppression and acknowledgements. */
  readonly messageId: number;
  readonly body: Body;
}
