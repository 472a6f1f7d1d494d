/**
 * Resolve-only nodes (issue 18; Windows DRT's "resolve only" participation): a node that searches and
 * routes its own messages through a gateway, a full node from its bootstrap list, without joining:
 * it is never a hop, a root, a leaf-set member or a backpointer.
 *
 * Why a flag in the handle rather than in the frame or the route: a resolve-only node is seen by
 * others only through handles — the sender of its frames, the source of its routes (which the
 * gateway passes on unchanged, so every hop and the destination see it), the origin of its locates —
 * and every place a node learns a peer from traffic ends in one of three calls: RoutingTable.add,
 * RoutingTable.addBackpointer, LeafSet.add (through membership's admission), plus the pointer intake
 * for a publish's server. Each of those refuses a flagged handle, so no path (join, introductions,
 * adopts, pong hints, leaf-set exchange, neighbour replies, replacements, hand-overs) can admit one,
 * including paths added later. A membership ping answered by a flagged handle counts as no answer
 * (membership/admission.ts), so a hint that stripped the flag is not admitted either.
 *
 * Where a node learns peers from traffic, and what keeps a resolve-only node out of each:
 * - joins, join multicasts, adopts (backpointers), neighbour and leaf-set requests: a resolve-only
 *   node sends none; a full node's router refuses membership messages a flagged handle sent or
 *   started (actors/resolveOnlyGate.ts), and whatever got past would meet the three refusing calls;
 * - neighbour lists, join candidates, leaf-set exchange, leave notices' replacements: a flagged handle
 *   in them is refused by those calls; one whose flag was stripped is measured first, and the answer
 *   of a resolve-only node (its pongs carry the flag) reads as no answer;
 * - pings and pong admission hints: answering a ping admits nobody; a resolve-only node asks for no hint;
 * - route sources and previous hops: only round-trip estimates are kept (bounded, routing/peerHealth.ts);
 * - introductions (node.addPeer): the table refuses the flagged handle (and a resolve-only node's addPeer throws);
 * - pointers: a publish naming a resolve-only server is refused (actors/pointerIntake.ts).
 * A node never a member of any table is never a next hop, hence never a root or surrogate.
 *
 * Publish is refused on a resolve-only node (ResolveOnlyError), not allowed: a locate ends at the
 * server, reached by routing to it, and no routing table lists a resolve-only node; allowing it would
 * also make it a node others route to, which is what it must never be.
 *
 * Why the flag cannot hide a full node: it is a property of the handle as written, never of the
 * GUID. Nothing remembers it: a flagged handle is refused where it would be added, and that is all —
 * an entry already listed for the same GUID stays, unrefreshed, and the GUID's own unflagged handle
 * is admitted as ever. A forger can therefore only keep its own message from being learnt from,
 * which it could do by not sending it.
 */
import type { NodeHandle } from './handle';

/** Whether `h` is a resolve-only node's handle (never admitted anywhere). */
export function isResolveOnly(h: NodeHandle): boolean {
  return h.resolveOnly === true;
}
