/**
 * The router's rules for resolve-only nodes (routing/resolveOnly.ts), on both sides:
 * - at a resolve-only node: it is never a hop, so a routed frame reaching it is refused (not even
 *   acknowledged, so the sender fails over), and so is membership traffic (it never joins, so no
 *   adopt, neighbour request or multicast is for it). Its own messages go to its gateway.
 * - at a full node: membership messages (joins, adopts, neighbour and leaf-set requests...) that a
 *   resolve-only node sent or started are refused before the membership module sees them: a node
 *   that may never be listed has no business in the protocol that lists nodes.
 */
import type { NodeHandle } from '../routing/handle';
import { MEMBERSHIP_MODULE_ID } from '../membership/messages';

/** What the router of a resolve-only node hands its own messages to (actors/gateways.ts). */
export interface Relay {
  /** The gateway for a message: the first answering one whose GUID is not in `avoid`. */
  current(avoid?: ReadonlySet<string>): NodeHandle | undefined;
}

/** Counters of the rules above (RouterStats). */
export interface ResolveOnlyRouterStats {
  /** At a resolve-only node: its own messages handed to its gateway. */
  relayed: number;
  /** At a resolve-only node: messages dropped because no gateway was answering. */
  relayNoGateway: number;
  /** At a resolve-only node: routed frames and membership messages refused (it is never a hop or a member). */
  refusedAsHop: number;
  /** At a full node: membership messages a resolve-only node sent or started, refused. */
  resolveOnlyRefused: number;
}

export function newResolveOnlyRouterStats(): ResolveOnlyRouterStats {
  return { relayed: 0, relayNoGateway: 0, refusedAsHop: 0, resolveOnlyRefused: 0 };
}

/** A membership message from (or started by) a resolve-only node: refused by a full node. */
export function isResolveOnlyMembership(moduleId: number, sender: NodeHandle, source?: NodeHandle): boolean {
  return moduleId === MEMBERSHIP_MODULE_ID && (sender.resolveOnly === true || source?.resolveOnly === true);
}

/** Membership traffic reaching a resolve-only node: refused (it never joins). */
export function isMembership(moduleId: number): boolean {
  return moduleId === MEMBERSHIP_MODULE_ID;
}
