/**
 * The read-only routing table handed to applications (node.table) and modules (ModuleContext.table):
 * a frozen object holding only lookups bound to the live table, so it reflects every change the node
 * makes while a caller, typed or not, finds no add/remove on it. The node's own code reaches the
 * real table through routingTableOf (api/internals.ts), never through the view.
 */
import type { RoutingTable } from '../routing/routingTable';
import type { RoutingTableView } from '../upcalls/contract';

export function readOnlyTable(t: RoutingTable): RoutingTableView {
  const view: RoutingTableView = {
    self: t.self,
    space: t.space,
    levels: t.levels,
    base: t.base,
    slotSize: t.slotSize,
    get size() {
      return t.size;
    },
    get backpointerCount() {
      return t.backpointerCount;
    },
    has: (guid) => t.has(guid),
    get: (guid) => t.get(guid),
    slot: (level, digit) => t.slot(level, digit),
    primary: (level, digit) => t.primary(level, digit),
    neighbours: () => t.neighbours(),
    backpointers: () => t.backpointers(),
    slotOf: (guid) => t.slotOf(guid),
    levelSize: (level) => t.levelSize(level),
    selfDigit: (level) => t.selfDigit(level),
    hasBackpointer: (guid) => t.hasBackpointer(guid),
    backpointersAt: (level) => t.backpointersAt(level),
  };
  return Object.freeze(view);
}
