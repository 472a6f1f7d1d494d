/**
 * DRT keys (Windows DRT): 256-bit unsigned integers on a circular key space, where the first and the
 * last key are neighbours and closeness is the numerical difference taken the shorter way round.
 *
 * A key is the project's Guid at 256 bits, so keys come from `Guid.fromName(name, 256)` or
 * `Guid.fromHex` like any identifier, and ordering reuses `compareGuids` (a 32-bit lead compare,
 * the bytes only on a tie). Distances need arithmetic modulo 2^256, done in bigint: a key's value is
 * parsed once from its cached hex form.
 */
import { InvalidArgumentError } from '../../errors';
import { compareGuids, Guid } from '../../routing/guid';

/** Bits in a DRT key. */
export const KEY_BITS = 256;
/** Number of keys in the key space: 2^256. Distances and wrap-around are modulo this. */
export const KEY_SPACE = 1n << 256n;
/** The largest key value, 2^256 − 1: the neighbour of key 0 going down. */
export const MAX_KEY_VALUE = KEY_SPACE - 1n;

/** `key` if it is a 256-bit Guid, else an InvalidArgumentError naming `name`. */
export function checkKey(key: unknown, name = 'key'): Guid {
  if (!(key instanceof Guid)) throw new InvalidArgumentError(`${name} must be a 256-bit Guid, got ${describe(key)}`);
  if (key.bits !== KEY_BITS) throw new InvalidArgumentError(`${name} must be a 256-bit key, got a ${key.bits}-bit GUID`);
  return key;
}

/** The key's value as an unsigned integer (big-endian bytes). */
export function keyValue(key: Guid): bigint {
  return BigInt(`0x${key.hex}`);
}

/** The key whose value is `value`, which must lie in [0, 2^256 − 1]. */
export function keyFromValue(value: bigint): Guid {
  if (value < 0n || value > MAX_KEY_VALUE) {
    throw new InvalidArgumentError(`a key value lies in [0, 2^256 − 1], got ${value}`);
  }
  return Guid.fromHex(value.toString(16).padStart(KEY_BITS / 4, '0'));
}

/** Numeric order of two keys: negative, zero or positive. Both must be 256-bit (see checkKey). */
export function compareKeys(a: Guid, b: Guid): number {
  return compareGuids(a, b);
}

/** How far `to` lies from `from` going up (clockwise, wrapping past 2^256 − 1): (to − from) mod 2^256. */
export function clockwiseDistance(from: bigint, to: bigint): bigint {
  const d = to - from;
  return d < 0n ? d + KEY_SPACE : d;
}

/**
 * Circular distance: |a − b| taken the shorter way round the key space, so it lies in
 * [0, 2^255]. Accepts keys or their values.
 */
export function circularDistance(a: Guid | bigint, b: Guid | bigint): bigint {
  const up = clockwiseDistance(valueOf(a), valueOf(b));
  const down = up === 0n ? 0n : KEY_SPACE - up;
  return up < down ? up : down;
}

function valueOf(k: Guid | bigint): bigint {
  return typeof k === 'bigint' ? k : keyValue(k);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}
