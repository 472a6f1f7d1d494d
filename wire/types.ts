/**
 * Domain messages: what the rest of the runtime sees of a frame. The codec (wire/codec.ts) is the
 * only code that touches protobuf objects; it turns bytes into these and back.
 */
import type { Guid } from '../routing/guid';
import type { FragmentInfo, NodeHandle } from '../routing/handle';

/** Wire format version carried in every frame; a frame of another version is dropped and counted. */
export const WIRE_VERSION = 1;

export type { NodeHandle, FragmentInfo } from '../routing/handle';

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
  /** Hops the message took before this one (0 .. DEFAULTS.maxTtl). */
  readonly hops: number;
}

export interface Ping {
  readonly nonce: number;
  /** A random challenge the answering node signs to prove its GUID (absent with the `none` provider). */
  readonly challenge?: Uint8Array;
  /** The pinger wants the answerer's admission hint in the Pong (`Pong.admitBelowUs`). */
  readonly admission?: boolean;
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

// ---------------------------------------------------------------------------------------------
// Object location (DOLR). These travel as the payload of RouteMsgs owned by the location module
// (LOCATION_MODULE_ID), so every hop toward a salted root sees them through the forward upcall.
// Encoded by wire/locationCodec.ts as the `LocationMsg` message of messages.proto.

/** Advertises that `server` serves `object`: leaves a pointer at every hop to the salted root. */
export interface PublishMsg {
  readonly object: Guid;
  readonly server: NodeHandle;
  /** Application tag matched by locate queries (UTF-8, ≤ DEFAULTS.maxTagBytes). */
  readonly tag: string;
  /** Which salted root this copy walks to (0 .. DEFAULTS.maxSalts-1). */
  readonly saltIndex: number;
  /** The publisher's sequence for this object: higher replaces lower; an older record is a replay. */
  readonly sequence: number;
  /** How long a pointer lives without republish (ms, ≤ DEFAULTS.maxPointerLifetimeMs). */
  readonly lifetimeMs: number;
  /** Latency accumulated from the server along the publish path (ms): the hop's distance estimate. */
  readonly pathLatency: number;
  /** An extra pointer copy (JSAC pointer caching): store it, never forward it. */
  readonly extra: boolean;
  /** The server's credential and its signature of the record (security/records.ts); absent with `none`. */
  readonly publisherKey?: Uint8Array;
  readonly signature?: Uint8Array;
}

/** Withdraws the pointers `server` left for `object` along the same path. */
export interface UnpublishMsg {
  readonly object: Guid;
  readonly server: NodeHandle;
  readonly saltIndex: number;
  /** Removes pointers of this sequence or older. */
  readonly sequence: number;
  readonly extra: boolean;
  /** As in PublishMsg: the server's credential and signature of the record. */
  readonly publisherKey?: Uint8Array;
  readonly signature?: Uint8Array;
}

/** Looks for replicas of `object`; diverted to a server at the first hop holding a matching pointer. */
export interface LocateMsg {
  /** The origin's id for this locate (uint32). */
  readonly locateId: number;
  readonly object: Guid;
  /** Where results go. */
  readonly origin: NodeHandle;
  /** Only pointers whose tag equals the query match; empty matches any tag (≤ DEFAULTS.maxTagBytes). */
  readonly query: string;
  /** Replicas still wanted (1 .. DEFAULTS.maxReplicas). */
  readonly wanted: number;
  /** Servers already found or diverted to: never chosen again (≤ DEFAULTS.maxReplicas entries). */
  readonly exclude: readonly Guid[];
  readonly saltIndex: number;
  /** Latency accumulated along the path so far (ms). */
  readonly pathLatency: number;
  /** sendToObject: the module that receives `payload` at each replica reached. */
  readonly moduleId: number;
  /** sendToObject: the message for the replica (≤ DEFAULTS.maxInlineObjectPayload bytes); empty for a plain locate. */
  readonly payload: Uint8Array;
  /** true once a pointer node has sent it on to a server. */
  readonly diverted: boolean;
}

/** A server's answer to a diverted locate, sent straight to the origin. */
export interface LocateFound {
  readonly locateId: number;
  readonly object: Guid;
  readonly server: NodeHandle;
  readonly tag: string;
  /** Overlay hops the locate took, including the last one to the server. */
  readonly hops: number;
  /** Latency along the whole path, origin to server (ms). */
  readonly pathLatency: number;
}

/** The salted root's answer when a locate reached it still wanting replicas. */
export interface LocateNotFound {
  readonly locateId: number;
  readonly object: Guid;
  readonly saltIndex: number;
  /** Servers the locate was diverted to on its way (their answers may still be in flight). */
  readonly diverted: readonly Guid[];
  readonly hops: number;
}

export type LocationMsg =
  | { readonly kind: 'publish'; readonly publish: PublishMsg }
  | { readonly kind: 'unpublish'; readonly unpublish: UnpublishMsg }
  | { readonly kind: 'locate'; readonly locate: LocateMsg }
  | { readonly kind: 'found'; readonly found: LocateFound }
  | { readonly kind: 'notFound'; readonly notFound: LocateNotFound };

/** Module id the object-location messages travel under (reserved; applications use 0 .. 65279). */
export const LOCATION_MODULE_ID = 0xfff0;

// ---------------------------------------------------------------------------------------------
// Membership: join, neighbour tables, leave. These travel as the payload of RouteMsgs owned by the
// membership module (MEMBERSHIP_MODULE_ID). Encoded by wire/membershipCodec.ts as `MembershipMsg`.

/** A joining node asks a bootstrap node to route this to its own GUID's surrogate root. */
export interface JoinRequest {
  readonly joining: NodeHandle;
  /** The joining node's id for this attempt (uint32), echoed in the reply. */
  readonly joinId: number;
}

/** Acknowledged multicast from the surrogate to every node sharing the joining node's longest prefix. */
export interface JoinMulticast {
  readonly joining: NodeHandle;
  readonly joinId: number;
  /** The receiver covers every node sharing this many leading digits with itself (0 .. digits). */
  readonly level: number;
  /** Tree id at the sender (uint32): the receiver acknowledges with it. */
  readonly multicastId: number;
  /** Empty slots of the joining node's table as level*base+digit (≤ DEFAULTS.maxJoinHoles), for concurrent joins. */
  readonly holes: readonly number[];
}

/** A subtree of the multicast is done: every node in it has added the joining node. */
export interface JoinMulticastAck {
  readonly multicastId: number;
  /** The nodes the subtree reached (≤ DEFAULTS.maxJoinReached). */
  readonly reached: readonly NodeHandle[];
}

/** The surrogate's answer once the multicast is acknowledged: the joining node's first neighbours. */
export interface JoinReply {
  readonly joinId: number;
  readonly surrogate: NodeHandle;
  /** Digits the surrogate shares with the joining node: the deepest level to fill first. */
  readonly level: number;
  /** Nodes sharing that prefix, then the surrogate's leaf set (≤ DEFAULTS.maxJoinReached in all). */
  readonly neighbours: readonly NodeHandle[];
}

/** Asks a node for the entries it knows at one level (nearest-neighbour table filling and repair). */
export interface NeighbourRequest {
  readonly requestId: number;
  readonly level: number;
  /** At most this many entries per slot, best first (absent: all the slot holds). */
  readonly perSlot?: number;
  /** Asks for the leaf set instead of a level's entries (leaf-set maintenance); absent: false. */
  readonly leafSet?: boolean;
}

/** A node's routing-table entries at the asked level, plus its backpointers at that level. */
export interface NeighbourReply {
  readonly requestId: number;
  readonly level: number;
  /** ≤ DEFAULTS.maxNeighbourReply handles. */
  readonly nodes: readonly NodeHandle[];
}

/** "I measured you at rttMs": the receiver may add the sender to its table, and keeps a backpointer if listed. */
export interface Adopt {
  readonly rttMs: number;
  /** The sender lists the receiver in its own table (so the receiver records a backpointer). */
  readonly listsYou: boolean;
  /** Sent in answer to an Adopt; never answered (absent on a first Adopt). */
  readonly answer?: true;
  /** The sender counts on being listed: the receiver answers only if it is not (absent: answers if it is). */
  readonly expectListed?: true;
}

/** A node leaving on purpose tells a node that lists it, with a node to put in its place. */
export interface LeaveNotice {
  readonly leaving: NodeHandle;
  readonly replacement?: NodeHandle;
}

/** Object pointers handed to a node that now roots them (join) or takes over from a leaving root. */
export interface PointerHandOver {
  /** ≤ DEFAULTS.maxHandOverPointers records. */
  readonly pointers: readonly PublishMsg[];
}

export type MembershipMsg =
  | { readonly kind: 'joinRequest'; readonly joinRequest: JoinRequest }
  | { readonly kind: 'multicast'; readonly multicast: JoinMulticast }
  | { readonly kind: 'multicastAck'; readonly multicastAck: JoinMulticastAck }
  | { readonly kind: 'joinReply'; readonly joinReply: JoinReply }
  | { readonly kind: 'neighbourRequest'; readonly neighbourRequest: NeighbourRequest }
  | { readonly kind: 'neighbourReply'; readonly neighbourReply: NeighbourReply }
  | { readonly kind: 'adopt'; readonly adopt: Adopt }
  | { readonly kind: 'leave'; readonly leave: LeaveNotice }
  | { readonly kind: 'handOver'; readonly handOver: PointerHandOver };

/** Module id the membership messages travel under (reserved). */
export const MEMBERSHIP_MODULE_ID = 0xfff1;
