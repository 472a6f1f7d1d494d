/**
 * The acknowledged multicast of Tapestry insertion (JSAC 2004 §III-C): the joining node's surrogate
 * reaches every node that shares its longest prefix with the new node, along a tree read straight from
 * routing tables, so each such node hears of the new node exactly once and can adopt it.
 */
import { sharedPrefixLength, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';

/** One branch of the tree: `to` continues the multicast from `level`. */
export interface MulticastChild {
  to: NodeHandle;
  level: number;
}

/** A slot with no node in it: the joining node's holes list, filled by receivers of the multicast. */
export interface TableHole {
  level: number;
  digit: number;
}

/**
 * The children of a node that must reach every node sharing its first `level` digits. Those nodes
 * split by the first level l ≥ `level` where they differ from this node, and by their digit there:
 * exactly the slots (l, d ≠ own digit). The primary of each slot takes over the nodes that share
 * l + 1 digits with it, so the subtrees are disjoint and cover the group when tables are consistent
 * (a hole means no such node exists). A node sits in one slot only, so children are distinct.
 */
export function multicastChildren(table: RoutingTable, level: number): MulticastChild[] {
  const levels = table.levels;
  const base = table.base;
  const out: MulticastChild[] = [];
  for (let l = level < 0 ? 0 : level; l < levels; l++) {
    if (table.levelSize(l) === 0) continue;
    const own = table.selfDigit(l);
    for (let d = 0; d < base; d++) {
      if (d === own) continue;
      const to = table.primary(l, d);
      if (to !== undefined) out.push({ to, level: l + 1 });
    }
  }
  return out;
}

/** The level the surrogate starts the multicast from: the length of the prefix it shares with the joining node. */
export function needToKnowPrefixLength(surrogate: Guid, joining: Guid, digitBits: number): number {
  return sharedPrefixLength(surrogate, joining, digitBits);
}

/**
 * Empty slots at levels [fromLevel, toLevel), own-digit slots excepted. A full 160-bit table has
 * hundreds of (mostly deep, necessarily empty) holes, so callers sending the list bound the levels.
 */
export function tableHoles(table: RoutingTable, fromLevel = 0, toLevel: number = table.levels): TableHole[] {
  const base = table.base;
  const end = toLevel > table.levels ? table.levels : toLevel;
  const out: TableHole[] = [];
  for (let l = fromLevel < 0 ? 0 : fromLevel; l < end; l++) {
    const own = table.selfDigit(l);
    const emptyLevel = table.levelSize(l) === 0;
    for (let d = 0; d < base; d++) {
      if (d === own) continue;
      if (emptyLevel || table.primary(l, d) === undefined) out.push({ level: l, digit: d });
    }
  }
  return out;
}
