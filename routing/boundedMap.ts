/**
 * A Map that holds at most `limit` entries: inserting a new key into a full map first evicts the
 * oldest entry (insertion order), and every eviction is counted. The one oldest-first rule behind the
 * node's bounded collections (duplicate suppression, rate-limit buckets, proven peers, the key cache),
 * written once instead of once per collection.
 *
 * `set` keeps Map semantics (an existing key keeps its place); `refresh` moves a key to the newest end,
 * which turns the map into a least-recently-used cache where a caller wants that.
 */
import { InvalidArgumentError } from '../errors';

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Entries evicted to stay within the limit since the map was made. */
  evictions = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`limit must be an integer ≥ 1, got ${limit}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets `key`; a new key in a full map evicts the oldest entry first. An existing key keeps its place. */
  set(key: K, value: V): this {
    if (!this.map.has(key) && this.map.size >= this.limit) this.evictOldest();
    this.map.set(key, value);
    return this;
  }

  /** Sets `key` as the newest entry (moving it there if present); a full map evicts the oldest first. */
  refresh(key: K, value: V): this {
    this.map.delete(key);
    return this.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** The oldest key, or undefined when empty. */
  oldestKey(): K | undefined {
    const first = this.map.keys().next();
    return first.done ? undefined : first.value;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map[Symbol.iterator]();
  }

  private evictOldest(): void {
    const first = this.map.keys().next();
    if (first.done) return;
    this.map.delete(first.value);
    this.evictions++;
  }
}
