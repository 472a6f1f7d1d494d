/**
 * What the package's own tools (testnet, bench, tests) reach on a node that applications do not:
 * the real routing table behind node.table's read-only view. Not exported from index.ts.
 */
import type { RoutingTable } from '../routing/routingTable';

const tables = new WeakMap<object, RoutingTable>();

/** @internal Called once by the node's constructor. */
export function recordRoutingTable(node: object, table: RoutingTable): void {
  tables.set(node, table);
}

/** @internal The node's own routing table, mutable (static meshes, tests that plant entries). */
export function routingTableOf(node: object): RoutingTable {
  const t = tables.get(node);
  if (!t) throw new TypeError('not a node created by createNode');
  return t;
}
