/**
 * The pure steps of join's iterative nearest-neighbour search (JSAC 2004 §III-C): from the deepest
 * shared level down, measure the candidates, keep the closest k, ask them for their backpointers, and
 * take the union as the next level's candidates.
 */
import { compareGuids, sharedPrefixLength, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';

/** One measured round trip to a candidate. */
export interface RttSample {
  readonly handle: NodeHandle;
  readonly rtt: number;
}

// A module-level copy: global lookups are slow inside vm sandboxes such as jest's.
const INFINITY = Number.POSITIVE_INFINITY;

/**
 * The k closest candidates, nearest first; equal round trips by GUID so every node trims alike. A
 * node measured more than once counts with its best sample. Samples that are not a finite number ≥ 0
 * (an unanswered probe) never count.
 */
export function closestK(samples: ReadonlyArray<RttSample>, k: number): NodeHandle[] {
  if (!(k >= 1)) return [];
  const valid = samples.filter((s) => s.rtt >= 0 && s.rtt < INFINITY);
  valid.sort((a, b) => a.rtt - b.rtt || compareGuids(a.handle.guid, b.handle.guid));
  const out: NodeHandle[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < valid.length && out.length < k; i++) {
    const h = valid[i].handle;
    if (seen.has(h.guid.hex)) continue;
    seen.add(h.guid.hex);
    out.push(h);
  }
  return out;
}

/**
 * The candidates for the joining node's levels ≥ `level`: every handle in `lists` sharing at least
 * `level` leading digits with it, once each, in first-seen order. The joining node itself and GUIDs of
 * another width are left out.
 */
export function levelCandidates(
  joining: Guid,
  level: number,
  lists: ReadonlyArray<readonly NodeHandle[]>,
  digitBits: number,
): NodeHandle[] {
  const width = joining.bytes.length;
  const out: NodeHandle[] = [];
  const seen = new Set<string>([joining.hex]);
  for (const list of lists) {
    for (const h of list) {
      const g = h.guid;
      if (g.bytes.length !== width || seen.has(g.hex)) continue;
      if (sharedPrefixLength(joining, g, digitBits) < level) continue;
      seen.add(g.hex);
      out.push(h);
    }
  }
  return out;
}
