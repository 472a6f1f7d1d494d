/**
 * Membership messages: join, neighbour tables, leave. They travel as the payload of RouteMsgs owned
 * by the membership module (MEMBERSHIP_MODULE_ID). wire/membershipCodec.ts encodes them as
 * `MembershipMsg`.
 */
import type { NodeHandle } from '../routing/handle';

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
  /**
   * Bit d set: only slot d's entries and the backpointers whose digit at `level` is d (a joining
   * node asking for its empty slots); absent or 0: every slot.
   */
  readonly slots?: number;
  /** Asks for the leaf set instead of a level's entries (leaf-set maintenance); absent: false. */
  readonly leafSet?: boolean;
  /** A NeighbourRetry's cookie, echoed: the requester receives at its address, so it may get a full answer. */
  readonly cookie?: Uint8Array;
  /**
   * Bytes of padding (zeros on the wire): a request to a node that may not know this node's address
   * yet brings enough bytes for the NeighbourRetry that answers it (DEFAULTS.neighbourRequestPaddingBytes).
   */
  readonly padding?: number;
}

/**
 * The answer to a NeighbourRequest from an address not yet proven to receive what is sent to it,
 * when the full answer would be larger than the request: the request is to be sent again with this
 * cookie (routing/returnRoutability.ts), as QUIC's Retry and DTLS's cookie exchange do.
 */
export interface NeighbourRetry {
  readonly requestId: number;
  readonly cookie: Uint8Array;
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
  /** Ignored bytes (a count): an adopt is as large as the challenge ping it may draw (DEFAULTS.adoptPaddingBytes). */
  readonly padding?: number;
}

/**
 * A node leaving on purpose tells a node that lists it, with a node to put in its place. Under an
 * authenticating provider it is a statement signed by the leaving node (security/leaveStatement.ts):
 * its time, credential and signature travel with it; under `none` the three are absent and the
 * receiver acts only once the leaving node stops answering (membership/leaveGate.ts).
 */
export interface LeaveNotice {
  readonly leaving: NodeHandle;
  readonly replacement?: NodeHandle;
  /** When the leaving node issued it (whole ms on its clock: wall time on real networks). */
  readonly issuedAtMs?: number;
  /** The leaving node's credential (for `signed`, its public key). */
  readonly credential?: Uint8Array;
  /** Its signature of the statement {leaving, replacement, issuedAtMs}. */
  readonly signature?: Uint8Array;
}

/**
 * Nodes that fill some of a joining node's holes, sent to it by a node its multicast reached (at once
 * from its own table, or later when it learns such a node): the joining node measures them and adopts
 * those its table has room for, so nodes that join at the same time fill each other's holes.
 */
export interface JoinCandidates {
  /** ≤ DEFAULTS.maxJoinCandidates handles. */
  readonly nodes: readonly NodeHandle[];
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
  | { readonly kind: 'candidates'; readonly candidates: JoinCandidates }
  | { readonly kind: 'neighbourRetry'; readonly neighbourRetry: NeighbourRetry };

/** Module id the membership messages travel under (reserved). */
export const MEMBERSHIP_MODULE_ID = 0xfff1;
