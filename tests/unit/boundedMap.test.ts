/**
 * The bounded insertion-ordered map against a second, naive model (an array of [key, value] pairs,
 * oldest first) over random operation sequences: the same entries in the same order, the same
 * evictions counted, and never more than the limit.
 */
import { BoundedMap } from '../../routing/boundedMap';
import { InvalidArgumentError } from '../../errors';
import { SeededRng } from '../../sim/random';

class ArrayModel {
  entries: Array<[number, number]> = [];
  evictions = 0;
  constructor(readonly limit: number) {}
  private index(k: number): number {
    return this.entries.findIndex(([key]) => key === k);
  }
  set(k: number, v: number): void {
    const i = this.index(k);
    if (i >= 0) {
      this.entries[i] = [k, v];
      return;
    }
    if (this.entries.length >= this.limit) {
      this.entries.shift();
      this.evictions++;
    }
    this.entries.push([k, v]);
  }
  refresh(k: number, v: number): void {
    this.delete(k);
    this.set(k, v);
  }
  delete(k: number): boolean {
    const i = this.index(k);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }
}

test('matches an array model over random operations', () => {
  const rng = new SeededRng(12);
  let ops = 0;
  for (const limit of [1, 2, 3, 7, 16]) {
    const m = new BoundedMap<number, number>(limit);
    const model = new ArrayModel(limit);
    for (let i = 0; i < 3_000; i++) {
      const k = rng.int(limit * 3);
      const v = rng.int(1_000);
      const op = rng.int(4);
      if (op === 0) {
        m.set(k, v);
        model.set(k, v);
      } else if (op === 1) {
        m.refresh(k, v);
        model.refresh(k, v);
      } else if (op === 2) {
        expect(m.delete(k)).toBe(model.delete(k));
      } else {
        expect(m.get(k)).toBe(model.entries.find(([key]) => key === k)?.[1]);
        expect(m.has(k)).toBe(model.entries.some(([key]) => key === k));
      }
      ops++;
      expect([...m]).toEqual(model.entries);
      expect(m.size).toBeLessThanOrEqual(limit);
      expect(m.evictions).toBe(model.evictions);
      expect(m.oldestKey()).toBe(model.entries[0]?.[0]);
    }
    expect(model.evictions).toBeGreaterThan(0);
  }
  expect(ops).toBe(15_000);
});

test('set keeps an existing key in place; refresh moves it to the newest end', () => {
  const m = new BoundedMap<string, number>(3);
  m.set('a', 1).set('b', 2).set('c', 3);
  m.set('a', 10);
  expect([...m.keys()]).toEqual(['a', 'b', 'c']);
  m.set('d', 4); // evicts 'a', the oldest, although it was just written
  expect([...m.keys()]).toEqual(['b', 'c', 'd']);
  m.refresh('b', 20);
  m.set('e', 5); // evicts 'c': 'b' was refreshed
  expect([...m.entries()]).toEqual([['d', 4], ['b', 20], ['e', 5]]);
  expect(m.evictions).toBe(2);
  m.clear();
  expect(m.size).toBe(0);
  expect(m.oldestKey()).toBeUndefined();
});

test('the limit must be a positive integer', () => {
  expect(() => new BoundedMap(0)).toThrow(InvalidArgumentError);
  expect(() => new BoundedMap(1.5)).toThrow(InvalidArgumentError);
});
