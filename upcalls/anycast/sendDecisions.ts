/**
 * What a node does with a send (DataMsg) that reached it, and which member an ex-member passes it
 * on to. Pure: the caller says whether this node is a member now.
 *
 * A member delivers it to its application and acknowledges it. A node that is no member (it left
 * the group, and a stale pointer or a forward still brought the send here) never hands it to its
 * application: it passes it on to another member (found by a locate) while the send has forwards
 * left, or refuses it with a NACK, so the sender's promise rejects instead of waiting in silence.
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { DataMsg, NackReason } from './messages';

export type DataDecision =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'forward' }
  | { readonly kind: 'nack'; readonly reason: NackReason };

/** Deliver when a member; else forward while forwards are left; else NACK. */
export function decideData(msg: DataMsg, isMember: boolean, maxForwards: number): DataDecision {
  if (isMember) return { kind: 'deliver' };
  if (msg.forwards >= maxForwards) return { kind: 'nack', reason: 'tooManyForwards' };
  return { kind: 'forward' };
}

/**
 * The member to pass a send on to: the first candidate (nearest first, as a locate yields them) that
 * is neither this node nor one the send already passed through; undefined when there is none.
 */
export function pickForward(candidates: readonly NodeHandle[], self: Guid, visited: readonly Guid[]): NodeHandle | undefined {
  return candidates.find((c) => !c.guid.equals(self) && !visited.some((v) => v.equals(c.guid)));
}

/** The send as passed on by `self`: one more forward, `self` added to the visited list. */
export function passedOn(msg: DataMsg, self: Guid): DataMsg {
  return { ...msg, forwards: msg.forwards + 1, visited: [...msg.visited, self] };
}
