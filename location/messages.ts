/**
 * Object-location messages (DOLR). They travel as the payload of RouteMsgs owned by the location
 * module (LOCATION_MODULE_ID), so every hop toward a salted root sees them through the forward
 * upcall. wire/locationCodec.ts encodes them as the `LocationMsg` message of messages.proto.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';

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
  /** Who may publish the object (location/ownership.ts); absent: an open object, anyone may serve it. */
  readonly owner?: OwnerClaim;
  /**
   * The publisher's random nonce for this publish (PUBLISH_ACK_NONCE_BYTES bytes): the salted root
   * that stores the pointer sends it back in a PublishAck. Absent: no acknowledgement wanted (a
   * republish, a hand-over). Not signed: it is per hop like `pathLatency`, and only the publisher
   * acts on it.
   */
  readonly ackNonce?: Uint8Array;
}

/** Length of a publish's acknowledgement nonce (bytes): 64 random bits no one off the path can guess. */
export const PUBLISH_ACK_NONCE_BYTES = 8;

/**
 * A salted root's acknowledgement of a publish or an unpublish that carried an `ackNonce`, sent
 * straight to the server the record names once the pointer is stored there (publish) or the
 * unpublish has reached it, every pointer on its way removed (location/publishAcks.ts).
 *
 * One kind serves both: the nonce alone names the wait it answers, and the publisher knows whether
 * that wait is a publish or an unpublish. A separate kind would carry the very same three fields and
 * tell the publisher nothing its own table does not; an ack for the wrong one cannot be made without
 * the nonce, which only travels on that record's path.
 */
export interface PublishAck {
  /** The object published. */
  readonly object: Guid;
  /** Which salted root acknowledges (the record's saltIndex). */
  readonly saltIndex: number;
  /** The record's `ackNonce`, echoed. */
  readonly nonce: Uint8Array;
}

/**
 * A publish's ownership claim: the owner's credential, for a self-certifying object the hash of its
 * name (the object GUID is then ownedObjectGuid(key, name): checked at every hop), and for a server
 * that is not the owner the owner's grant to it. The server's record signature covers key and name.
 */
export interface OwnerClaim {
  /** The owner's credential (for `signed`: its raw ed25519 public key). */
  readonly key: Uint8Array;
  /** SHA-256 of the object's name (32 bytes) when the object GUID is self-certifying. */
  readonly nameHash?: Uint8Array;
  /** The owner's grant to this server, when the server is not the owner. */
  readonly grant?: OwnerGrantProof;
}

/** The owner's signature over {object, server GUID, expiry} (security/ownerGrant.ts). */
export interface OwnerGrantProof {
  /** Seconds on the network's wall clock after which the grant no longer holds (uint32). */
  readonly expiresAt: number;
  /** The owner's signature of {object, server GUID, expiresAt} (security/ownership.ts). */
  readonly signature: Uint8Array;
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
  /**
   * As in PublishMsg: the publisher's random nonce for this unpublish (PUBLISH_ACK_NONCE_BYTES
   * bytes). The salted root it reaches answers with a PublishAck carrying it, so the publisher knows
   * every pointer on the path to that root was removed. Absent: no answer wanted (a JSAC extra copy,
   * an older sender). Not signed: only the publisher acts on it.
   */
  readonly ackNonce?: Uint8Array;
}

/** Looks for replicas of `object`; diverted to a server at the first hop holding a matching pointer. */
export interface LocateMsg {
  /**
   * The origin's id for this locate: 64 random bits as two uint32 halves (`locateId`, `locateKey`),
   * drawn from the node's random source, so no one off the path can guess an answer's id.
   */
  readonly locateId: number;
  readonly locateKey: number;
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
  /**
   * The object is self-certifying (LocateOptions.owned): hops divert only to pointers whose ownership
   * claim proved it when they were stored, so a squatter's first-use pointers are passed over.
   */
  readonly owned?: boolean;
  /** Ignored bytes (a count) the locate carries so that it is no smaller than its signed answer (DEFAULTS.locatePaddingBytes). */
  readonly padding?: number;
}

/** A server's answer to a diverted locate, sent straight to the origin. */
export interface LocateFound {
  /** The locate's 64-bit id, echoed. */
  readonly locateId: number;
  readonly locateKey: number;
  readonly object: Guid;
  readonly server: NodeHandle;
  readonly tag: string;
  /** Overlay hops the locate took, including the last one to the server. */
  readonly hops: number;
  /** Latency along the whole path, origin to server (ms). */
  readonly pathLatency: number;
  /**
   * Under an authenticating provider: the server's credential and its signature of the answer
   * (security/locateAnswer.ts: id, object, origin, server handle, tag), so the origin accepts only
   * an answer the named server made for this very locate.
   */
  readonly serverKey?: Uint8Array;
  readonly signature?: Uint8Array;
  /** The server's publication's ownership claim, checked by an origin that asked for an owned object. */
  readonly owner?: OwnerClaim;
}

/** The salted root's answer when a locate reached it still wanting replicas. */
export interface LocateNotFound {
  /** The locate's 64-bit id, echoed. */
  readonly locateId: number;
  readonly locateKey: number;
  readonly object: Guid;
  readonly saltIndex: number;
  /** Servers the locate was diverted to on its way (their answers may still be in flight). */
  readonly diverted: readonly Guid[];
  readonly hops: number;
}

/**
 * Pointers handed to the node that now roots them: a node that joined and is now the next hop toward
 * their salted roots, or the successor of a root that leaves (location/handOver.ts).
 */
export interface PointerHandOver {
  /** ≤ DEFAULTS.maxHandOverPointers records, each checked as a publish. */
  readonly pointers: readonly PublishMsg[];
}

/**
 * The owner of an object, as the next hop toward its salted root knows it: sent back along a publish
 * path when a hop refused the publish for another owner (location/ownership.ts, "upstream wins").
 */
export interface OwnerNotice {
  /** The owner's (or a granted server's) signed publish record; its saltIndex names the path. */
  readonly record: PublishMsg;
}

export type LocationMsg =
  | { readonly kind: 'publish'; readonly publish: PublishMsg }
  | { readonly kind: 'unpublish'; readonly unpublish: UnpublishMsg }
  | { readonly kind: 'locate'; readonly locate: LocateMsg }
  | { readonly kind: 'found'; readonly found: LocateFound }
  | { readonly kind: 'notFound'; readonly notFound: LocateNotFound }
  | { readonly kind: 'handOver'; readonly handOver: PointerHandOver }
  | { readonly kind: 'ownerNotice'; readonly notice: OwnerNotice }
  | { readonly kind: 'publishAck'; readonly ack: PublishAck };

/** Module id the object-location messages travel under (reserved; applications use 0 .. 65279). */
export const LOCATION_MODULE_ID = 0xfff0;
