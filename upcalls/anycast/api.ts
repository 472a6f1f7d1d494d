/** The anycast module's public API (what `node.register(anycast())` returns) and its types. */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** What a member's onMessage is told about a send besides its payload. */
export interface AnycastDelivery {
  /** The group's GUID. */
  readonly group: Guid;
  /** The node that sent it. */
  readonly sender: NodeHandle;
  /** The sender's id of this send. */
  readonly sendId: number;
}

/** The options of join(). */
export interface AnycastJoinOptions {
  /** Called with each send this member receives (exactly one member receives each send). */
  readonly onMessage: (payload: Uint8Array, info: AnycastDelivery) => void;
  /** Called when the member learns that the group was torn down (it has left it then). */
  readonly onTornDown?: () => void;
}

/** The options of send(). */
export interface AnycastSendOptions {
  /** Ends the send with AbortedError. */
  readonly signal?: AbortSignal;
}

/** The module's counters and state sizes. */
export interface AnycastStats {
  /** Groups this node is a member of. */
  memberships: number;
  /** Groups this node announced (and refreshes). */
  announced: number;
  /** Group records (open and torn down) this node keeps as a group root. */
  groupRecords: number;
  /** Open groups among them. */
  openGroups: number;
  /** Sends and root requests waiting for an answer. */
  pending: number;
  /** Sends started here. */
  sendsStarted: number;
  /** Sends a member acknowledged. */
  sendsAcked: number;
  /** Sends that failed with UndeliverableError (no member, or a NACK). */
  sendsUndeliverable: number;
  /** Sends that failed with TimeoutError. */
  sendsTimedOut: number;
  /** Sends ended by their signal. */
  sendsAborted: number;
  /** Sends handed to this node's application as a member. */
  delivered: number;
  /** Acknowledgements sent as a member. */
  acksSent: number;
  /** Sends refused here (this node is no member and could not pass it on). */
  nacksSent: number;
  /** Sends passed on to another member by this ex-member. */
  forwarded: number;
  /** Messages that failed to decode: counted and dropped. */
  malformed: number;
  /** onMessage / onTornDown callbacks that threw (contained). */
  appErrors: number;
  /** Root requests (announce, join check, teardown) that got no answer in time. */
  requestsTimedOut: number;
  /** Groups left because a check found them torn down. */
  tornDownLeaves: number;
}

/**
 * Anycast groups over object location: a send goes to exactly one member, the nearest by the
 * members' group pointers. A group is a name (hashed to its GUID) or a Guid.
 */
export interface Anycast {
  /** The GUID of a group name. */
  groupGuid(group: string | Guid): Guid;
  /** Records the group at its root so members can join; refreshed until teardown. */
  announce(group: string | Guid): Promise<void>;
  /** Becomes a member of an announced group (NotFoundError if nobody announced it or it was torn down). */
  join(group: string | Guid, opts: AnycastJoinOptions): Promise<void>;
  /** Stops being a member at once; its group pointers are withdrawn before this resolves (TimeoutError when a salted root never confirmed it). */
  leave(group: string | Guid): Promise<void>;
  /**
   * Sends `payload` to exactly one member, the nearest found; resolves with the member that received
   * it, or rejects with UndeliverableError (no member took it), TimeoutError or AbortedError.
   */
  send(group: string | Guid, payload: Uint8Array | string, opts?: AnycastSendOptions): Promise<NodeHandle>;
  /** Ends an announced group: the root refuses joins, and members leave at their next check. */
  teardown(group: string | Guid): Promise<void>;
  /** Whether this node is a member of `group`. */
  isMember(group: string | Guid): boolean;
  /** The module's counters and state sizes. */
  stats(): AnycastStats;
  /** Leaves every group, fails waiting sends with ClosedError, and unregisters the module. */
  close(): void;
}
