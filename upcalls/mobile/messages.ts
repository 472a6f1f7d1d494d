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

/** Every Mobile Tapestry message. */
export type MobileMsg = AttachMsg | DetachMsg | ReplyMsg | MobileDataMsg | MobileAckMsg | MobileNackMsg;
