/**
 * DRT keys and searches (upcalls/drt/keys.ts, sortedKeys.ts, search.ts) against brute force: every
 * answer is recomputed from the plain list of key values with bigint arithmetic written out here,
 * over key sets that crowd 0, 2^256 − 1 and 2^255 (so wrap-around and equal distances both come up).
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import {
  checkKey,
  circularDistance,
  compareKeys,
  exactMatch,
  keyFromValue,
  keyValue,
  leafSet,
  nearestMatches,
  rangeMatches,
  search,
  SortedKeys,
} from '../../upcalls/drt';

const N = 1n << 256n;
const TOP = N - 1n;
const HALF = 1n << 255n;

/** Values that crowd the places where circular arithmetic goes wrong, plus anywhere at all. */
const keyValueArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt(0n, 40n),
  fc.bigInt(TOP - 40n, TOP),
  fc.bigInt(HALF - 20n, HALF + 20n),
  fc.bigInt(0n, TOP),
);
// size 'max': lengths spread over 0..80, so sets larger than maxEndpoints and than a leaf set come up often.
const keySetArb = fc.array(keyValueArb, { maxLength: 80, size: 'max' });
const endpointsArb = fc.integer({ min: 1, max: DEFAULTS.drtMaxEndpoints });

const mod = (x: bigint): bigint => ((x % N) + N) % N;
const oracleDistance = (a: bigint, b: bigint): bigint => (mod(a - b) < mod(b - a) ? mod(a - b) : mod(b - a));
const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const distinct = (values: bigint[]): bigint[] => [...new Set(values)];
const valuesOf = (keys: { key: Guid }[]): bigint[] => keys.map((m) => keyValue(m.key));
const setOf = (values: bigint[]): SortedKeys => SortedKeys.from(values.map(keyFromValue));

describe('DRT keys', () => {
  it('value ↔ key round trip, numeric order and circular distance agree with bigint arithmetic', () => {
    fc.assert(
      fc.property(keyValueArb, keyValueArb, (a, b) => {
        const ka = keyFromValue(a);
        const kb = keyFromValue(b);
        expect(keyValue(ka)).toBe(a);
        expect(ka.bits).toBe(256);
        expect(Math.sign(compareKeys(ka, kb))).toBe(cmp(a, b));
        expect(circularDistance(ka, kb)).toBe(oracleDistance(a, b));
        expect(circularDistance(a, b)).toBe(circularDistance(b, a));
        expect(circularDistance(a, b) <= HALF).toBe(true);
      }),
    );
  });

  it('takes the shorter way round: the first and the last key are neighbours', () => {
    expect(circularDistance(0n, TOP)).toBe(1n);
    expect(circularDistance(5n, TOP - 9n)).toBe(15n);
    expect(circularDistance(0n, HALF)).toBe(HALF);
    expect(circularDistance(keyFromValue(7n), keyFromValue(7n))).toBe(0n);
  });

  it('refuses keys that are not 256-bit Guids, and values outside the key space', () => {
    expect(() => checkKey(Guid.fromName('x', 160))).toThrow(InvalidArgumentError);
    expect(() => checkKey('ab' as unknown)).toThrow(/256-bit/);
    expect(() => keyFromValue(N)).toThrow(InvalidArgumentError);
    expect(() => keyFromValue(-1n)).toThrow(InvalidArgumentError);
    const k = Guid.fromName('x', 256);
    expect(checkKey(k)).toBe(k);
  });
});

describe('SortedKeys', () => {
  it('adds and deletes as a set and stays ascending', () => {
    const opArb = fc.array(fc.tuple(fc.boolean(), fc.bigInt(0n, 30n).map((v) => (v > 15n ? TOP - v : v))), { maxLength: 80 });
    fc.assert(
      fc.property(opArb, (ops) => {
        const set = new SortedKeys();
        const model = new Set<bigint>();
        for (const [add, v] of ops) {
          expect(add ? set.add(keyFromValue(v)) : set.delete(keyFromValue(v))).toBe(add ? !model.has(v) : model.has(v));
          if (add) model.add(v);
          else model.delete(v);
        }
        expect(set.keys().map(keyValue)).toEqual([...model].sort(cmp));
        expect(set.size).toBe(model.size);
        const dropped = set.deleteWhere((k) => keyValue(k) % 2n === 0n);
        expect(dropped).toBe([...model].filter((v) => v % 2n === 0n).length);
        expect(set.keys().map(keyValue)).toEqual([...model].filter((v) => v % 2n !== 0n).sort(cmp));
      }),
    );
  });
});

describe('DRT search against brute force', () => {
  it('exact: the key itself when held, else nothing', () => {
    fc.assert(
      fc.property(keySetArb, keyValueArb, fc.boolean(), (values, other, pickHeld) => {
        const target = pickHeld && values.length > 0 ? values[0] : other;
        const got = exactMatch(setOf(values), keyFromValue(target));
        expect(valuesOf(got)).toEqual(values.includes(target) ? [target] : []);
        expect(got.every((m) => m.match === 'exact')).toBe(true);
        expect(search(setOf(values), { mode: 'exact', key: keyFromValue(target) })).toEqual(got);
      }),
    );
  });

  it('nearest: by circular distance, equal distances smaller value first, up to maxEndpoints', () => {
    fc.assert(
      fc.property(keySetArb, keyValueArb, endpointsArb, (values, target, maxEndpoints) => {
        const expected = distinct(values)
          .sort((a, b) => cmp(oracleDistance(a, target), oracleDistance(b, target)) || cmp(a, b))
          .slice(0, maxEndpoints);
        const got = nearestMatches(setOf(values), keyFromValue(target), maxEndpoints);
        expect(valuesOf(got)).toEqual(expected);
        expect(got.length).toBeLessThanOrEqual(maxEndpoints);
        expect(got.map((m) => m.match)).toEqual(expected.map((v) => (v === target ? 'exact' : 'nearest')));
        expect(search(setOf(values), { mode: 'nearest', key: keyFromValue(target), maxEndpoints })).toEqual(got);
      }),
    );
  });

  it('nearest with ties: target ± d come smaller value first, across the wrap too', () => {
    const keys = setOf([3n, 7n, TOP, 1n]);
    // From 5: 3 and 7 at distance 2. From 0: TOP and 1 at distance 1, 1 is the smaller value.
    expect(valuesOf(nearestMatches(keys, keyFromValue(5n), 2))).toEqual([3n, 7n]);
    expect(valuesOf(nearestMatches(keys, keyFromValue(0n), 4))).toEqual([1n, TOP, 3n, 7n]);
  });

  it('range: inclusive, ascending from min, wrapping when min > max, up to maxEndpoints', () => {
    fc.assert(
      fc.property(keySetArb, keyValueArb, keyValueArb, endpointsArb, fc.boolean(), (values, a, b, maxEndpoints, same) => {
        const min = a;
        const max = same ? a : b;
        const inRange = (v: bigint) => (min <= max ? min <= v && v <= max : v >= min || v <= max);
        const expected = distinct(values)
          .filter(inRange)
          .sort((x, y) => cmp(mod(x - min), mod(y - min)))
          .slice(0, maxEndpoints);
        const got = rangeMatches(setOf(values), keyFromValue(min), keyFromValue(max), maxEndpoints);
        expect(valuesOf(got)).toEqual(expected);
        expect(got.every((m) => m.match === 'range')).toBe(true);
        expect(search(setOf(values), { mode: 'range', min: keyFromValue(min), max: keyFromValue(max), maxEndpoints })).toEqual(got);
      }),
    );
  });

  it('range across the top of the key space: 2^256 − 10 .. 5', () => {
    const keys = setOf([TOP - 20n, TOP - 10n, TOP, 0n, 5n, 6n, 1000n]);
    const got = rangeMatches(keys, keyFromValue(TOP - 10n), keyFromValue(5n), 64);
    expect(valuesOf(got)).toEqual([TOP - 10n, TOP, 0n, 5n]);
    expect(valuesOf(rangeMatches(keys, keyFromValue(TOP - 10n), keyFromValue(5n), 2))).toEqual([TOP - 10n, TOP]);
    expect(valuesOf(rangeMatches(keys, keyFromValue(6n), keyFromValue(6n), 3))).toEqual([6n]);
    expect(valuesOf(rangeMatches(keys, keyFromValue(7n), keyFromValue(7n), 3))).toEqual([]);
  });

  it('leaf set: the nearest `half` keys below and above, each side on its own, wrapping', () => {
    fc.assert(
      fc.property(keySetArb, keyValueArb, fc.boolean(), fc.integer({ min: 0, max: 8 }), (values, other, pickHeld, half) => {
        const key = pickHeld && values.length > 0 ? values[values.length - 1] : other;
        const others = distinct(values).filter((v) => v !== key);
        const smaller = [...others].sort((x, y) => cmp(mod(key - x), mod(key - y))).slice(0, half);
        const larger = [...others].sort((x, y) => cmp(mod(x - key), mod(y - key))).slice(0, half);
        const got = leafSet(keyFromValue(key), setOf(values), half);
        expect(got.smaller.map(keyValue)).toEqual(smaller);
        expect(got.larger.map(keyValue)).toEqual(larger);
      }),
    );
  });

  it('leaf set defaults to DRT’s 5 + 5', () => {
    const values = Array.from({ length: 20 }, (_, i) => BigInt(i));
    const got = leafSet(keyFromValue(2n), setOf(values));
    expect(got.smaller.map(keyValue)).toEqual([1n, 0n, 19n, 18n, 17n]);
    expect(got.larger.map(keyValue)).toEqual([3n, 4n, 5n, 6n, 7n]);
  });

  it('refuses a bad maxEndpoints or mode with InvalidArgumentError', () => {
    const keys = setOf([1n, 2n]);
    const k = keyFromValue(1n);
    expect(() => nearestMatches(keys, k, 0)).toThrow(InvalidArgumentError);
    expect(() => nearestMatches(keys, k, DEFAULTS.drtMaxEndpoints + 1)).toThrow(/maxEndpoints/);
    expect(() => rangeMatches(keys, k, k, 1.5)).toThrow(InvalidArgumentError);
    expect(() => search(keys, { mode: 'closest' } as never)).toThrow(/search mode/);
    expect(() => exactMatch(keys, Guid.fromName('x', 160))).toThrow(InvalidArgumentError);
  });
});
