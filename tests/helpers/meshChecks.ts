import type { TapestryNode } from '../../api/node';
import { Guid, sharedPrefixLength } from '../../routing/guid';
import { nextHop } from '../../routing/nextHop';
import { bruteForceRoot } from '../../sim/oracle';
import type { SeededRng } from '../../sim/random';
import { routingTableOf } from '../../api/internals';

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
        const hop = nextHop(routingTableOf(nodes[at]), dest, level);
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

/**
 * Leaf sets against the brute-force ring: every GUID sorted once, each node's true L/2 predecessors
 * and L/2 successors (wrapping, nearest first) compared with what the node reports. Returns the
 * share of true members present and how many nodes have both sides exactly right.
 */
export function leafSetAccuracy(nodes: readonly TapestryNode[], half = 5): { present: number; expected: number; exactNodes: number } {
  const ring = [...nodes].sort((a, b) => Buffer.compare(Buffer.from(a.guid.bytes), Buffer.from(b.guid.bytes)));
  const at = new Map(ring.map((n, i) => [n.guid.hex, i]));
  const side = Math.min(half, ring.length - 1);
  let present = 0;
  let expected = 0;
  let exactNodes = 0;
  for (const node of nodes) {
    const i = at.get(node.guid.hex)!;
    const smaller = Array.from({ length: side }, (_, k) => ring[(i - 1 - k + ring.length) % ring.length].guid.hex);
    const larger = Array.from({ length: side }, (_, k) => ring[(i + 1 + k) % ring.length].guid.hex);
    const got = node.leafSet;
    const mine = new Set([...got.smaller, ...got.larger].map((h) => h.guid.hex));
    for (const g of new Set([...smaller, ...larger])) {
      expected++;
      if (mine.has(g)) present++;
    }
    const same = (a: readonly string[], b: readonly { guid: { hex: string } }[]) => a.length === b.length && a.every((g, k) => b[k].guid.hex === g);
    if (same(smaller, got.smaller) && same(larger, got.larger)) exactNodes++;
  }
  return { present, expected, exactNodes };
}
