/**
 * The anycast module's messages (carried with module id MODULE_IDS.anycast; wire/anycastCodec.ts
 * maps them to messages.proto's AnycastMsg).
 *
 * - `op` announce / teardown / check: routed (fuzzy) to the group GUID's root, which keeps the group
 *   record and answers each with a `status` sent straight back to the asker.
 * - `data`: one send; travels inside a locate to the nearest member (sendToObject), or straight to
 *   another member when a node that left passes it on.
 * - `ack`: the member whose application received the send, straight to the sender.
 * - `nack`: the send reached no member; straight to the sender, whose send fails (UndeliverableError).
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** A request to the group root. */
export type GroupOpKind = 'announce' | 'teardown' | 'check';
/** The root's answer: the group is open, unknown here, torn down, or the request was refused (not the announcer, or the root is full). */
export type GroupStatus = 'open' | 'unknown' | 'tornDown' | 'refused';
/** Why a send was refused. */
export type NackReason = 'notMember' | 'noOtherMember' | 'tooManyForwards';

export interface GroupOp {
  readonly kind: 'op';
  readonly op: GroupOpKind;
  readonly group: Guid;
  /** The asker's request id, echoed in the status. */
  readonly requestId: number;
}

export interface StatusMsg {
  readonly kind: 'status';
  readonly group: Guid;
  readonly requestId: number;
  readonly status: GroupStatus;
}

export interface DataMsg {
  readonly kind: 'data';
  readonly group: Guid;
  /** The node that sent it: the ACK or NACK goes here. */
  readonly sender: NodeHandle;
  readonly sendId: number;
  /** Times an ex-member passed it on (≤ anycastMaxForwards). */
  readonly forwards: number;
  /** The ex-members it passed through (not to be chosen again); at most anycastMaxForwards. */
  readonly visited: readonly Guid[];
  readonly payload: Uint8Array;
}

export interface AckMsg {
  readonly kind: 'ack';
  readonly group: Guid;
  readonly sendId: number;
  /** The member whose application received it. */
  readonly member: NodeHandle;
}

export interface NackMsg {
  readonly kind: 'nack';
  readonly group: Guid;
  readonly sendId: number;
  readonly reason: NackReason;
}

/** Every anycast message. */
export type AnycastMsg = GroupOp | StatusMsg | DataMsg | AckMsg | NackMsg;
