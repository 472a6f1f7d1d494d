/**
 * Domain messages: what the rest of the runtime sees of a frame. The codec (wire/codec.ts) is the
 * only code that touches protobuf objects; it turns bytes into these and back.
 */
import type { Guid } from '../routing/guid';
import type { FragmentInfo, NodeHandle } from '../routing/handle';

/** Wire format version carried in every frame; a frame of another version is dropped and counted. */
export const WIRE_VERSION = 1;

export type { NodeHandle, FragmentInfo } from '../routing/handle';

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
}

export interface Ping {
  readonly nonce: number;
}
export interface Pong {
  readonly nonce: number;
}

/** The body of a frame: exactly one message. Later issues add their own kinds here. */
export type Body =
  | { readonly kind: 'route'; readonly route: RouteMsg }
  | { readonly kind: 'ping'; readonly ping: Ping }
  | { readonly kind: 'pong'; readonly pong: Pong };

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
