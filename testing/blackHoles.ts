/**
 * Black holes for tests and benchmarks: admitted members that acknowledge every hop (the router
 * sends the HopAck before any module sees the frame) and then drop what they should forward. Built
 * on the public API only: a module registered under the route's module id whose forward upcall
 * drops, so nothing in the production code knows about it.
 */
import type { TapestryNode } from '../api/node';
import type { Guid } from '../routing/guid';

/** Where black holes dropped routes: how many, and how many of those were one hop from their destination. */
export interface BlackHoleLog {
  dropped: number;
  /** Dropped by the node whose next hop was the destination itself (the last hop, where paths converge). */
  droppedBeforeDest: number;
  /** Drops by hops the message had taken when it was dropped (index = hops). */
  byHops: number[];
}

export function newBlackHoleLog(): BlackHoleLog {
  return { dropped: 0, droppedBeforeDest: 0, byHops: [] };
}

/** Makes `node` a black hole for routes of `moduleId`; returns the function that makes it honest again. */
export function makeBlackHole(node: TapestryNode, moduleId: number, log: BlackHoleLog = newBlackHoleLog()): () => void {
  return node.register({
    id: moduleId,
    name: 'black hole',
    forward: (msg) => {
      log.dropped++;
      if (msg.nextHop.guid.equals(msg.dest as Guid)) log.droppedBeforeDest++;
      log.byHops[msg.hops] = (log.byHops[msg.hops] ?? 0) + 1;
      return false;
    },
  });
}
