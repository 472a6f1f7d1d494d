/**
 * Surrogate-root order: the node that roots a key among a set, then the one that would root it if
 * that one were gone, and so on (level by level, the key's digit or the next one up that some
 * remaining node has). A replica placed on the first r is where a message routed to the key lands
 * after r - 1 failures: the DHT's copies and the Common API's replicaSet. A node computes it over what
 * it knows (itself, its leaf set, its routing table). Pure.
 */
import { digitAt, type Guid, type IdSpace } from './guid';
import type { NodeHandle } from './handle';

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
