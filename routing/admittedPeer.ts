/**
 * Who counts as an admitted peer of this node: one its routing table lists at that very address, or
 * one that lists this node (a backpointer, recorded only after the peer proved itself). Strangers —
 * anyone else — get less: no join multicast is passed on for them, no publish is taken from them, and
 * on an open network no answer to them is resent (it could be reflected at an address they named).
 */
import { sameAddress, type NodeHandle } from './handle';
import type { RoutingTable } from './routingTable';

export function isAdmittedPeer(table: RoutingTable, peer: NodeHandle): boolean {
  const listed = table.get(peer.guid);
  return (listed !== undefined && sameAddress(listed.handle.address, peer.address)) || table.hasBackpointer(peer.guid);
}
