/**
 * What a search or leaf-set read asks of the walks (walk.ts), and how their answers combine: pure.
 *
 * - exact key: one 'exact' walk at the key's successor.
 * - range {min, max}: one 'up' walk from min to max (min > max wraps), ascending from min.
 * - nearest key: an 'up' walk from the key to key + 2^255 and a 'down' walk from key − 1 to
 *   key − 2^255, each for maxEndpoints matches; the maxEndpoints nearest of both by (circular
 *   distance, value), as search.ts orders them. A key is at most 2^255 away one way round, so the two
 *   half rings cover every key (the antipode, in both, is kept once), and each side alone holds the
 *   nearest on its side, so the merge is exact; no walk crosses more than half the ring.
 * - leaf set of a key: the same two walks without the key (key + 1 up to key − 1, key − 1 down to
 *   key + 1), drtLeafSetHalf each: search.ts's leafSet over every registered key.
 */
import type { Guid } from '../../routing/guid';
import { circularDistance, keyFromValue, keyValue, KEY_SPACE } from './keys';
import type { DrtEntry, DrtWalkMode } from './messages';

/** One walk a query needs: mode, start, end, matches wanted. */
export interface WalkSpec {
  readonly mode: DrtWalkMode;
  readonly cursor: Guid;
  readonly end?: Guid;
  readonly remaining: number;
}

const plus = (k: Guid, d: bigint): Guid => keyFromValue((((keyValue(k) + d) % KEY_SPACE) + KEY_SPACE) % KEY_SPACE);

export function exactWalks(key: Guid): WalkSpec[] {
  return [{ mode: 'exact', cursor: key, remaining: 1 }];
}

export function rangeWalks(min: Guid, max: Guid, maxEndpoints: number): WalkSpec[] {
  return [{ mode: 'up', cursor: min, end: max, remaining: maxEndpoints }];
}

/** Half the key space: the farthest one key can be from another the shorter way round. */
const HALF_RING = KEY_SPACE / 2n;

export function nearestWalks(key: Guid, maxEndpoints: number): WalkSpec[] {
  return [
    { mode: 'up', cursor: key, end: plus(key, HALF_RING), remaining: maxEndpoints },
    { mode: 'down', cursor: plus(key, -1n), end: plus(key, -HALF_RING), remaining: maxEndpoints },
  ];
}

/** [larger side, smaller side]. */
export function leafSetWalks(key: Guid, half: number): WalkSpec[] {
  return [
    { mode: 'up', cursor: plus(key, 1n), end: plus(key, -1n), remaining: half },
    { mode: 'down', cursor: plus(key, -1n), end: plus(key, 1n), remaining: half },
  ];
}

/** The `max` entries nearest `key` from both walks, nearest first, ties to the smaller value; each key once. */
export function mergeNearest<T extends { readonly entry: DrtEntry }>(key: Guid, found: readonly T[], max: number): T[] {
  const t = keyValue(key);
  const seen = new Map<string, { item: T; distance: bigint; value: bigint }>();
  for (const item of found) {
    if (seen.has(item.entry.key.hex)) continue;
    const value = keyValue(item.entry.key);
    seen.set(item.entry.key.hex, { item, distance: circularDistance(t, value), value });
  }
  return [...seen.values()]
    .sort((a, b) => (a.distance !== b.distance ? (a.distance < b.distance ? -1 : 1) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, max)
    .map((x) => x.item);
}
