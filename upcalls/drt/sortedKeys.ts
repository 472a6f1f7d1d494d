/**
 * A set of distinct DRT keys kept in ascending numeric order, with each key's bigint value beside it,
 * so searches find a position by binary search over bigints (O(log n)) and walk outward from it
 * without parsing a key twice.
 *
 * Why a sorted array and not a tree: a node holds thousands of keys, searches far outnumber
 * registrations, and an insert or removal costs one splice (a memmove of at most n references),
 * which at these sizes is cheaper than a balanced tree's allocations and pointer chasing.
 *
 * Bound: the set holds what its owner puts in it. KeyRegistry caps it at DEFAULTS.drtMaxKeys;
 * `SortedKeys.from` holds the keys it was given.
 */
import type { Guid } from '../../routing/guid';
import { checkKey, keyValue } from './keys';

export class SortedKeys {
  /** Ascending, distinct. */
  private readonly keyList: Guid[] = [];
  /** keyList's values, index for index. */
  private readonly valueList: bigint[] = [];

  /** A set of the given keys (duplicates kept once): O(n log n). Each must be a 256-bit key. */
  static from(keys: Iterable<Guid>): SortedKeys {
    const set = new SortedKeys();
    const pairs: { key: Guid; value: bigint }[] = [];
    for (const key of keys) pairs.push({ key: checkKey(key), value: keyValue(key) });
    pairs.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    for (const { key, value } of pairs) {
      const n = set.valueList.length;
      if (n > 0 && set.valueList[n - 1] === value) continue;
      set.keyList.push(key);
      set.valueList.push(value);
    }
    return set;
  }

  /** Number of keys. */
  get size(): number {
    return this.keyList.length;
  }

  /** The key at position i (0 = smallest). */
  keyAt(i: number): Guid {
    return this.keyList[i];
  }

  /** The value of the key at position i. */
  valueAt(i: number): bigint {
    return this.valueList[i];
  }

  /** Every key, ascending (a copy). */
  keys(): Guid[] {
    return this.keyList.slice();
  }

  /** The first position whose value is ≥ `value` (size when there is none): O(log n). */
  lowerBound(value: bigint): number {
    let lo = 0;
    let hi = this.valueList.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.valueList[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The position of the key with this value, or −1: O(log n). */
  indexOf(value: bigint): number {
    const i = this.lowerBound(value);
    return i < this.valueList.length && this.valueList[i] === value ? i : -1;
  }

  /** Whether the key is in the set. */
  has(key: Guid): boolean {
    return this.indexOf(keyValue(key)) >= 0;
  }

  /** Adds a 256-bit key; false if it was already there. O(n) for the splice. */
  add(key: Guid): boolean {
    const value = keyValue(checkKey(key));
    const i = this.lowerBound(value);
    if (i < this.valueList.length && this.valueList[i] === value) return false;
    this.keyList.splice(i, 0, key);
    this.valueList.splice(i, 0, value);
    return true;
  }

  /** Removes a key; false if it was not there. O(n) for the splice. */
  delete(key: Guid): boolean {
    const i = this.indexOf(keyValue(key));
    if (i < 0) return false;
    this.keyList.splice(i, 1);
    this.valueList.splice(i, 1);
    return true;
  }

  /** Removes every key `drop` answers true for, in one O(n) pass (an expiry sweep removes many at once). */
  deleteWhere(drop: (key: Guid) => boolean): number {
    let kept = 0;
    for (let i = 0; i < this.keyList.length; i++) {
      if (drop(this.keyList[i])) continue;
      this.keyList[kept] = this.keyList[i];
      this.valueList[kept] = this.valueList[i];
      kept++;
    }
    const removed = this.keyList.length - kept;
    this.keyList.length = kept;
    this.valueList.length = kept;
    return removed;
  }
}
