/** The Mobile Tapestry module's public API (what `node.register(mobile())` returns) and its types. */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** What a mobile node's message handler is told besides the payload. */
export interface MobileDelivery {
  /** The node that sent it. */
  readonly sender: NodeHandle;
}

/** The options of attach(). */
export interface MobileAttachOptions {
  /** The mobile node's name; its mobile GUID is the hash of it (distinct from the node's own GUID). */
  readonly name: string;
}

/** The options of joinGroup(). */
export interface MobileGroupJoinOptions {
  /** This member's name; its mobile GUID is the hash of it, as attach()'s name (senders send to it). */
  readonly name: string;
  /** The group's name (or group GUID); proxies publish its group GUID, never the members'. */
  readonly group: string | Guid;
}

/** The options of send(). */
export interface MobileSendOptions {
  /** Ends the send with AbortedError. */
  readonly signal?: AbortSignal;
}

/** What a send resolves with once the mobile node acknowledged it. */
export interface MobileSendResult {
  /** The proxy the mobile node was attached to when it acknowledged. */
  readonly proxy: NodeHandle;
  /** Whether the first try was refused and a fresh locate found the node (the message was delayed). */
  readonly retried: boolean;
}

/** The module's counters and state sizes. */
export interface MobileStats {
  /** Mobile nodes this node holds as their proxy. */
  attachments: number;
  /** Forwarding entries this node keeps as an old proxy. */
  forwardingEntries: number;
  /** Proxies this node remembers as a sender. */
  cachedProxies: number;
  /** Sends and attach/detach requests waiting for an answer. */
  pending: number;
  /** Messages this proxy passed to its attached mobile node. */
  forwardedToMobile: number;
  /** Messages this old proxy passed to the new proxy during a move. */
  forwardedDuringMove: number;
  /** Messages this proxy refused (no such mobile node here, no forwarding entry). */
  nacksSent: number;
  /** Messages delivered to this node as a mobile node. */
  delivered: number;
  /** Sends started here. */
  sendsStarted: number;
  /** Sends the mobile node acknowledged. */
  sendsAcked: number;
  /** Sends refused once and tried again through a fresh locate (delayed). */
  sendsRetried: number;
  /** Sends that failed with UndeliverableError. */
  sendsUndeliverable: number;
  /** Sends that failed with TimeoutError. */
  sendsTimedOut: number;
  /** Sends ended by their signal. */
  sendsAborted: number;
  /** Moves completed by this mobile node. */
  moves: number;
  /** Detaches the old proxy did not answer in time (its pointers expire as soft state). */
  detachesUnanswered: number;
  /** Groups this node holds as their proxy (one group GUID published for each). */
  groupsHeld: number;
  /** Members of the groups this node holds as their proxy. */
  groupMembersHeld: number;
  /** Group forwarding entries this node keeps as an old proxy. */
  groupForwardingEntries: number;
  /** Groups this node leads as their trunk. */
  groupsLed: number;
  /** Messages this proxy passed to a member of a group it holds. */
  groupForwardedToMember: number;
  /** Messages this old proxy passed to a group's new proxy during a move. */
  groupForwardedDuringMove: number;
  /** Messages for a member this old proxy refused: its group's forwarding entry ended. */
  groupNacksSent: number;
  /** Redirects this trunk sent: a sender reached a member's record, and was told its group GUID. */
  redirectsSent: number;
  /** Redirects this sender followed (a locate of the group GUID, then the message to that proxy). */
  redirectsFollowed: number;
  /** Group moves completed by this node as a trunk. */
  groupMoves: number;
  /** Messages that failed to decode: counted and dropped. */
  malformed: number;
  /** Message handlers that threw (contained). */
  appErrors: number;
}

/**
 * Mobile Tapestry: a mobile node is published through a proxy near it and messages to its mobile
 * GUID are located through the pointers and forwarded by the proxy; a move attaches to a new proxy,
 * withdraws the old pointers, and leaves a forwarding entry at the old proxy for a while.
 *
 * Mobile groups (nodes that move together, e.g. devices on one vehicle, led by one "trunk" node):
 * the proxy publishes only the group GUID and forwards to each member; the trunk publishes each
 * member's record (member GUID → group GUID) once, so a move republishes one GUID, not one per
 * member. A sender reaches a member by its mobile GUID as usual: the member's record answers with
 * the group GUID, which is located to the group's proxy.
 */
export interface Mobile {
  /** The mobile GUID of a name. */
  mobileGuid(name: string): Guid;
  /** Attaches this node, as mobile node `name`, to `proxy` (a node running the module), which publishes it. */
  attach(proxy: NodeHandle, opts: MobileAttachOptions): Promise<void>;
  /** Moves to `newProxy`: attaches there, then detaches from the old proxy, which forwards for a while. Resolves once both answered. */
  move(newProxy: NodeHandle): Promise<void>;
  /** Detaches from the current proxy for good (its pointers withdrawn, nothing forwarded). */
  detach(): Promise<void>;
  /** Sets the handler of the messages this node receives as a mobile node. */
  onMessage(fn: (payload: Uint8Array, info: MobileDelivery) => void): void;
  /**
   * Sends `payload` to the mobile node `mobile` (its name or mobile GUID); resolves once that node
   * acknowledged it, or rejects with UndeliverableError, TimeoutError or AbortedError.
   */
  send(mobile: string | Guid, payload: Uint8Array | string, opts?: MobileSendOptions): Promise<MobileSendResult>;
  /** The group GUID of a group name (a mobile group: see joinGroup). */
  groupGuid(group: string): Guid;
  /**
   * Joins this node, as member `name`, to group `group` led by `trunk` (a node running the module;
   * this node itself may be the trunk). Resolves once the trunk accepted; LimitExceededError when the
   * group or the trunk is full. Messages to `name` then arrive here through the group's proxy.
   */
  joinGroup(trunk: NodeHandle, opts: MobileGroupJoinOptions): Promise<void>;
  /**
   * As the trunk: attaches `group` (its members so far) to `proxy`, which publishes the group GUID
   * once. LimitExceededError when the proxy refuses (too many groups, …).
   */
  attachGroup(group: string | Guid, proxy: NodeHandle): Promise<void>;
  /**
   * As the trunk: moves the whole group to `newProxy` in one operation: attaches there (one publish
   * of the group GUID), then detaches from the old proxy, which withdraws it and forwards for a
   * while. Resolves once both answered.
   */
  moveGroup(group: string | Guid, newProxy: NodeHandle): Promise<void>;
  /** This node's current proxy as a mobile node, if attached; for a group member its group's proxy (its trunk until the trunk named one). */
  readonly proxy: NodeHandle | undefined;
  /** The module's counters and state sizes. */
  stats(): MobileStats;
  /** Fails waiting sends with ClosedError and unregisters the module. */
  close(): void;
}
