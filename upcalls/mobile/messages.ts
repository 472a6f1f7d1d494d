/**
 * Mobile Tapestry's messages (carried with module id MODULE_IDS.mobile; wire/mobileCodec.ts maps them
 * to messages.proto's MobileMsg). All go straight to a known node (ctx.send): the sender finds the
 * mobile node's proxy by locating the mobile GUID, which the proxy publishes on its behalf.
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** The proxy's answer to an attach or detach. */
export type ReplyStatus = 'ok' | 'refused' | 'unknown';

/** Mobile node → proxy: publish my mobile GUID and forward what comes for it to me. */
export interface AttachMsg {
  readonly kind: 'attach';
  readonly mobile: Guid;
  readonly requestId: number;
}

/** Mobile node → old proxy: withdraw my pointers; forward to `newProxy` for a while (absent: detached for good). */
export interface DetachMsg {
  readonly kind: 'detach';
  readonly mobile: Guid;
  readonly requestId: number;
  readonly newProxy?: NodeHandle;
}

/** Proxy → mobile node: the answer to an attach or detach. */
export interface ReplyMsg {
  readonly kind: 'reply';
  readonly mobile: Guid;
  readonly requestId: number;
  readonly status: ReplyStatus;
}

/** A message for a mobile node: sender → proxy (→ newer proxies) → mobile node. */
export interface MobileDataMsg {
  readonly kind: 'data';
  readonly mobile: Guid;
  readonly sender: NodeHandle;
  readonly sendId: number;
  /** Times an old proxy passed it to a newer one (≤ mobileMaxForwards). */
  readonly forwards: number;
  readonly payload: Uint8Array;
}

/** Mobile node → sender: delivered; names the current proxy, which the sender remembers. */
export interface MobileAckMsg {
  readonly kind: 'ack';
  readonly mobile: Guid;
  readonly sendId: number;
  readonly proxy: NodeHandle;
}

/** Proxy → sender: the mobile node is not held here and no forwarding entry covers it. */
export interface MobileNackMsg {
  readonly kind: 'nack';
  readonly mobile: Guid;
  readonly sendId: number;
}

/** One member of a mobile group: its mobile GUID and the node that is it. */
export interface GroupMember {
  readonly mobile: Guid;
  readonly node: NodeHandle;
}

/** Member → trunk: add me (mobile GUID `mobile`) to group `group`; answered with a reply naming `mobile`. */
export interface GroupJoinMsg {
  readonly kind: 'groupJoin';
  readonly mobile: Guid;
  readonly group: Guid;
  readonly requestId: number;
}

/**
 * Trunk → proxy: hold group `group` with these members and publish the group GUID (once, when the
 * group is new here); sent again with the whole list when a member joins. Answered with a reply naming `group`.
 */
export interface GroupAttachMsg {
  readonly kind: 'groupAttach';
  readonly group: Guid;
  readonly requestId: number;
  /** 1 .. mobileMaxGroupMembers members, distinct mobile GUIDs. */
  readonly members: readonly GroupMember[];
}

/** Trunk → old proxy: withdraw the group GUID; forward its members' messages to `newProxy` for a while (absent: detached for good). */
export interface GroupDetachMsg {
  readonly kind: 'groupDetach';
  readonly group: Guid;
  readonly requestId: number;
  readonly newProxy?: NodeHandle;
}

/** Member record holder (the trunk) → sender: member `mobile` is reached through group `group`: locate that. */
export interface RedirectMsg {
  readonly kind: 'redirect';
  readonly mobile: Guid;
  readonly group: Guid;
  readonly sendId: number;
}

/** Trunk → member: the group's current proxy (the member's acknowledgements name it, so senders remember it). */
export interface GroupProxyMsg {
  readonly kind: 'groupProxy';
  readonly group: Guid;
  readonly proxy: NodeHandle;
}

/** The mobile-group messages (groups.ts). */
export type GroupMsg = GroupJoinMsg | GroupAttachMsg | GroupDetachMsg | RedirectMsg | GroupProxyMsg;

/** Every Mobile Tapestry message. */
export type MobileMsg = AttachMsg | DetachMsg | ReplyMsg | MobileDataMsg | MobileAckMsg | MobileNackMsg | GroupMsg;
