/**
 * One node's part of a search walk (pure: the node's arc and registry in, matches and where the walk
 * goes next out). A walk covers keys from its cursor toward its end in one direction:
 *
 * - 'exact': the cursor key at its successor; one step.
 * - 'up': ascending from the cursor to `end`, wrapping. This node holds the arc (pred, self], so it
 *   answers [cursor, min(end, self)] and, unless `end` lies in its arc or enough matched, the walk
 *   goes on to its nearest larger leaf (the next arc, from self + 1).
 * - 'down': descending from the cursor to `end`, wrapping: this node answers [max(end, pred + 1),
 *   cursor] nearest the cursor first and the walk goes on to its nearest smaller leaf, its pred.
 *
 * A range search is one 'up' walk from min to max; a nearest search an 'up' walk from the key and a
 * 'down' walk from the key − 1, each over half the ring, merged by distance at the searcher (each
 * stops after maxEndpoints matches, so together they hold the maxEndpoints nearest); a key's leaf
 * set two whole-ring walks of drtLeafSetHalf without the key itself (queries.ts).
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { clockwiseDistance, keyFromValue, keyValue } from './keys';
import { after, arcOf, type Surroundings } from './placement';
import type { KeyRegistry, RegistryMatch } from './registry';
import type { DrtWalkMode } from './messages';

/** Where a walk stands. */
export interface WalkState {
  readonly mode: DrtWalkMode;
  readonly cursor: Guid;
  /** The last key covered ('up' and 'down'). */
  readonly end?: Guid;
  /** Matches still wanted (≥ 1). */
  readonly remaining: number;
}

/** This node's part: its matches, and the next node and cursor unless the walk ends here. */
export interface Collected {
  readonly matches: RegistryMatch[];
  readonly next?: { readonly to: NodeHandle; readonly cursor: Guid };
}

/** Collects this node's matches for a walk whose cursor this node is the successor of. */
export function collect(s: Surroundings, registry: KeyRegistry, w: WalkState, now: number): Collected {
  if (w.mode === 'exact' || w.end === undefined) return { matches: registry.search({ mode: 'exact', key: w.cursor }, now) };
  const { pred, self } = arcOf(s);
  const c = keyValue(w.cursor);
  const e = keyValue(w.end);
  if (w.mode === 'up') {
    const last = pred === undefined || clockwiseDistance(c, e) <= clockwiseDistance(c, self);
    const matches = registry.search({ mode: 'range', min: w.cursor, max: last ? w.end : s.self.guid, maxEndpoints: w.remaining }, now);
    const larger = s.leafSet.larger();
    if (last || matches.length >= w.remaining || larger.length === 0) return { matches };
    return { matches, next: { to: larger[0], cursor: keyFromValue(after(self)) } };
  }
  const low = pred === undefined ? e : after(pred);
  const last = pred === undefined || clockwiseDistance(e, c) <= clockwiseDistance(low, c);
  const matches = registry.searchDescending(last ? w.end : keyFromValue(low), w.cursor, w.remaining, now);
  const smaller = s.leafSet.smaller();
  if (last || matches.length >= w.remaining || smaller.length === 0) return { matches };
  return { matches, next: { to: smaller[0], cursor: smaller[0].guid } };
}
