import type { TapestryNode } from '../../api/node';
import { Guid, sharedPrefixLength } from '../../routing/guid';
import { nextHop } from '../../routing/nextHop';
import { bruteForceRoot } from '../../sim/oracle';
import type { SeededRng } from '../../sim/random';

/** Slots that are empty although some node has their prefix (brute force over all pairs). */
export function countHoles(nodes: readonly TapestryNode[]): number {
  let holes = 0;
  const bits = nodes[0].space.digitBits;
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue;
      const l = sharedPrefixLength(a.guid, b.guid, bits);
      if (a.table.slot(l, b.guid.digit(l, bits)).length === 0) holes++;
    }
  }
  return holes;
}

/**
 * For random GUIDs, walks the tables from every source (a second code path to the router) and
 * counts the walks that do not end at the brute-force root.
 */
export function wrongRoots(nodes: readonly TapestryNode[], rng: SeededRng, guids: number): { walks: number; wrong: number } {
  const all = nodes.map((n) => n.guid);
  const index = new Map(all.map((g, i) => [g.hex, i]));
  let walks = 0;
  let wrong = 0;
  for (let t = 0; t < guids; t++) {
    const dest = Guid.random(() => rng.int(256));
    const root = bruteForceRoot(all, dest, nodes[0].space);
    for (let s = 0; s < nodes.length; s++) {
      let at = s;
      let level = 0;
      for (let hops = 0; hops <= nodes[0].space.digits; hops++) {
        const hop = nextHop(nodes[at].table, dest, level);
        if (hop.kind === 'root') break;
        at = index.get(hop.to.guid.hex) ?? -1;
        if (at < 0) break;
        level = hop.level + 1;
      }
      walks++;
      if (at !== root) wrong++;
    }
  }
  return { walks, wrong };
}
