/**
 * Which nodes hold a salted key's copies: the node that roots it and the ones that would root it
 * next, one after another, if the root before them failed — the r first in surrogate-root order
 * (level by level, the key's digit or the next one up that some remaining node has). Those are where
 * a get routed to the key lands after failures, so a copy is already there. A node computes the order
 * over what it knows: itself, its leaf set and its routing table. Pure.
 */
import { digitAt, type Guid, type IdSpace } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** The root of `key` among `nodes` (Tapestry's surrogate rule); its index. */
function rootIndex(nodes: readonly NodeHandle[], key: Guid, space: IdSpace): number {
  let candidates = nodes.map((_, i) => i);
  for (let level = 0; level < space.digits && candidates.length > 1; level++) {
    const present = new Set<number>();
    for (const i of candidates) present.add(digitAt(nodes[i].guid.bytes, level, space.digitBits));
    let digit = digitAt(key.bytes, level, space.digitBits);
    while (!present.has(digit)) digit = (digit + 1) % space.base;
    candidates = candidates.filter((i) => digitAt(nodes[i].guid.bytes, level, space.digitBits) === digit);
  }
  return candidates[0];
}

/** The first `r` of `candidates` in surrogate-root order for `key` (duplicates counted once). */
export function replicaSet(key: Guid, candidates: readonly NodeHandle[], r: number, space: IdSpace): NodeHandle[] {
  const unique = new Map<string, NodeHandle>();
  for (const c of candidates) unique.set(c.guid.hex, c);
  const left = [...unique.values()];
  const out: NodeHandle[] = [];
  while (out.length < r && left.length > 0) out.push(left.splice(rootIndex(left, key, space), 1)[0]);
  return out;
}
