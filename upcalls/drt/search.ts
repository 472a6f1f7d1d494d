/**
 * The three DRT search modes over a node's keys, and a key's leaf set (Windows DRT): pure functions
 * of a SortedKeys and the query.
 *
 * - exact: the key itself, if held. O(log n).
 * - nearest: the keys at the least circular distance from the target, nearest first, up to
 *   maxEndpoints. Two keys at the same distance (target − d and target + d) come smaller value
 *   first, so the order is a total order: by (circular distance, key value). A key equal to the
 *   target is reported as match 'exact', as DRT reports an exact hit in a nearest search; the others
 *   as 'nearest'. O(log n + maxEndpoints).
 * - range { min, max }: the keys in [min, max] inclusive, ascending from min, up to maxEndpoints.
 *   min > max is a range that wraps past 2^256 − 1 to 0 (min = 2^256 − 10, max = 5 holds both ends
 *   of the key space); min = max is that one key. O(log n + maxEndpoints).
 * - leafSet: the `half` nearest keys below a key and the `half` nearest above it, wrapping. O(log n + half).
 */
import { checkInteger, InvalidArgumentError } from '../../errors';
import type { Guid } from '../../routing/guid';
import { DRT_DEFAULTS } from './defaults';
import { checkKey, clockwiseDistance, keyValue } from './keys';
import type { SortedKeys } from './sortedKeys';

/** How a key answered a search. */
export type MatchKind = 'exact' | 'nearest' | 'range';

/** One answer of a search. */
export interface SearchMatch {
  /** The matching key. */
  readonly key: Guid;
  /** Which kind of match it is (see the file comment for nearest searches). */
  readonly match: MatchKind;
}

/** A search: one of the three DRT modes. maxEndpoints is an integer in [1, DEFAULTS.drtMaxEndpoints]. */
export type SearchQuery =
  | { readonly mode: 'exact'; readonly key: Guid }
  | { readonly mode: 'nearest'; readonly key: Guid; readonly maxEndpoints: number }
  | { readonly mode: 'range'; readonly min: Guid; readonly max: Guid; readonly maxEndpoints: number };

/** A key's leaf set: each side nearest first. */
export interface KeyLeafSet {
  /** The nearest keys numerically smaller, going down and wrapping past 0. */
  readonly smaller: Guid[];
  /** The nearest keys numerically larger, going up and wrapping past 2^256 − 1. */
  readonly larger: Guid[];
}

/** Answers a query in its mode's order (see the file comment). Bad queries throw InvalidArgumentError. */
export function search(keys: SortedKeys, query: SearchQuery): SearchMatch[] {
  switch (query.mode) {
    case 'exact':
      return exactMatch(keys, query.key);
    case 'nearest':
      return nearestMatches(keys, query.key, query.maxEndpoints);
    case 'range':
      return rangeMatches(keys, query.min, query.max, query.maxEndpoints);
    default:
      throw new InvalidArgumentError(`search mode must be 'exact', 'nearest' or 'range', got ${JSON.stringify((query as { mode?: unknown }).mode)}`);
  }
}

/** The key itself if held: zero or one match. */
export function exactMatch(keys: SortedKeys, key: Guid): SearchMatch[] {
  const i = keys.indexOf(keyValue(checkKey(key)));
  return i < 0 ? [] : [{ key: keys.keyAt(i), match: 'exact' }];
}

/**
 * The nearest keys to `target`, by (circular distance, value). Two cursors leave the target's
 * position, one going up and one going down, each wrapping; the nearer of their keys is taken next.
 * A key is reached by both cursors only as the last of all keys, so none is taken twice.
 */
export function nearestMatches(keys: SortedKeys, target: Guid, maxEndpoints: number): SearchMatch[] {
  const t = keyValue(checkKey(target, 'target'));
  const want = Math.min(checkEndpoints(maxEndpoints), keys.size);
  const n = keys.size;
  const out: SearchMatch[] = [];
  let up = keys.lowerBound(t) % Math.max(n, 1);
  let down = (up - 1 + n) % Math.max(n, 1);
  while (out.length < want) {
    const upValue = keys.valueAt(up);
    const downValue = keys.valueAt(down);
    const upDistance = clockwiseDistance(t, upValue);
    const downDistance = clockwiseDistance(downValue, t);
    // Equal distances (target + d against target − d, each mod 2^256): the smaller value first.
    const takeUp = upDistance < downDistance || (upDistance === downDistance && upValue <= downValue);
    const i = takeUp ? up : down;
    out.push({ key: keys.keyAt(i), match: keys.valueAt(i) === t ? 'exact' : 'nearest' });
    if (takeUp) up = (up + 1) % n;
    else down = (down - 1 + n) % n;
  }
  return out;
}

/** Keys in [min, max] inclusive, ascending from min and wrapping past the top when min > max. */
export function rangeMatches(keys: SortedKeys, min: Guid, max: Guid, maxEndpoints: number): SearchMatch[] {
  const lo = keyValue(checkKey(min, 'min'));
  const hi = keyValue(checkKey(max, 'max'));
  const want = checkEndpoints(maxEndpoints);
  const n = keys.size;
  const out: SearchMatch[] = [];
  const take = (i: number) => out.push({ key: keys.keyAt(i), match: 'range' });
  let i = keys.lowerBound(lo);
  if (lo <= hi) {
    for (; i < n && out.length < want && keys.valueAt(i) <= hi; i++) take(i);
    return out;
  }
  // Wrapping: [min, 2^256 − 1] first, then [0, max].
  for (; i < n && out.length < want; i++) take(i);
  for (i = 0; i < n && out.length < want && keys.valueAt(i) <= hi; i++) take(i);
  return out;
}

/**
 * Keys in [min, max] inclusive, DESCENDING from max and wrapping below 0 when min > max: a walk that
 * goes down the key space (a nearest search's lower side) takes them nearest first.
 */
export function rangeMatchesDescending(keys: SortedKeys, min: Guid, max: Guid, maxEndpoints: number): SearchMatch[] {
  const lo = keyValue(checkKey(min, 'min'));
  const hi = keyValue(checkKey(max, 'max'));
  const want = checkEndpoints(maxEndpoints);
  const n = keys.size;
  const out: SearchMatch[] = [];
  const take = (i: number) => out.push({ key: keys.keyAt(i), match: 'range' });
  let i = keys.lowerBound(hi + 1n) - 1;
  if (lo <= hi) {
    for (; i >= 0 && out.length < want && keys.valueAt(i) >= lo; i--) take(i);
    return out;
  }
  // Wrapping: [0, max] downward first, then [min, 2^256 − 1].
  for (; i >= 0 && out.length < want; i--) take(i);
  for (i = n - 1; i >= 0 && out.length < want && keys.valueAt(i) >= lo; i--) take(i);
  return out;
}

/**
 * The `half` nearest keys on each side of `key` (the key itself excluded, whether held or not). Each
 * side is chosen on its own, as membership's LeafSet does: with fewer than 2·half other keys, a key
 * can sit on both sides (with two others, both sides hold both), so a small set still reports its
 * true nearest neighbour in each direction.
 */
export function leafSet(key: Guid, keys: SortedKeys, half: number = DRT_DEFAULTS.drtLeafSetHalf): KeyLeafSet {
  const k = keyValue(checkKey(key));
  checkInteger('half', half, 0, DRT_DEFAULTS.drtMaxEndpoints);
  const n = keys.size;
  const at = keys.lowerBound(k);
  const held = at < n && keys.valueAt(at) === k;
  const perSide = Math.min(half, n - (held ? 1 : 0));
  const smaller: Guid[] = [];
  const larger: Guid[] = [];
  for (let j = 1; j <= perSide; j++) {
    // Going down from the key's position; going up from the one after it when the key is held.
    smaller.push(keys.keyAt((((at - j) % n) + n) % n));
    larger.push(keys.keyAt((at + (held ? j : j - 1)) % n));
  }
  return { smaller, larger };
}

function checkEndpoints(maxEndpoints: number): number {
  return checkInteger('maxEndpoints', maxEndpoints, 1, DRT_DEFAULTS.drtMaxEndpoints);
}
