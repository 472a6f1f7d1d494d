/**
 * One object's pointer list in the pointer store (location/pointerStore.ts): the order pointers are
 * kept and served in, the copy a put keeps, and the checks a pointer passes before it is stored.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { Pointer } from './pointerStore';

const MAX_TAG_BYTES = DEFAULTS.maxTagBytes;

/** Nearest first; equal latencies by server GUID so every node orders its pointers the same way. */
export function comparePointers(a: Pointer, b: Pointer): number {
  const d = a.latency - b.latency;
  if (d !== 0) return d;
  // Lowercase hex of equal-width GUIDs sorts exactly as their big-endian bytes do.
  const x = a.server.guid.hex;
  const y = b.server.guid.hex;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * An equal sequence is the same record heard again: the newer copy's expiry and latency win. An extra
 * copy (pointer caching) never turns a path pointer into an extra one, though, since the path pointer
 * carries the salt and previous hop that a later hand-over needs.
 */
export function renewed(held: Pointer, incoming: Pointer): Pointer {
  if (!held.extra && incoming.extra) return { ...held, expiresAt: incoming.expiresAt, latency: incoming.latency };
  return incoming;
}

export function copyPointer(p: Pointer): Pointer {
  const c: Pointer = {
    object: p.object,
    server: p.server,
    tag: p.tag,
    sequence: p.sequence,
    expiresAt: p.expiresAt,
    latency: p.latency,
    saltIndex: p.saltIndex,
    extra: p.extra,
  };
  const withFrom = p.from === undefined ? c : { ...c, from: p.from };
  return p.signed === undefined ? withFrom : { ...withFrom, signed: p.signed };
}

export function indexOfServer(list: readonly Pointer[], serverHex: string): number {
  for (let i = 0; i < list.length; i++) if (list[i].server.guid.hex === serverHex) return i;
  return -1;
}

/** Lists hold at most maxPerObject pointers: a linear insertion beats a sort. */
export function insertSorted(list: Pointer[], p: Pointer): void {
  list.push(p);
  let i = list.length - 1;
  while (i > 0 && comparePointers(p, list[i - 1]) < 0) {
    list[i] = list[i - 1];
    i--;
  }
  list[i] = p;
}

export function checkPointer(p: Pointer): void {
  // `x - x === 0` holds exactly for finite numbers, without a global lookup (slow in jest's sandbox).
  if (!(p.latency - p.latency === 0 && p.latency >= 0)) {
    throw new InvalidArgumentError(`pointer latency must be a finite number ≥ 0, got ${p.latency}`);
  }
  if (!(p.sequence - p.sequence === 0)) throw new InvalidArgumentError(`pointer sequence must be finite, got ${p.sequence}`);
  if (p.expiresAt !== p.expiresAt) throw new InvalidArgumentError('pointer expiresAt is NaN');
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short tags skip the byte count.
  if (p.tag.length * 3 > MAX_TAG_BYTES && utf8Length(p.tag) > MAX_TAG_BYTES) {
    throw new InvalidArgumentError(`pointer tag exceeds ${MAX_TAG_BYTES} UTF-8 bytes`);
  }
}

/** Bytes of `s` in UTF-8 (lone surrogates count as the 3-byte replacement character, as TextEncoder writes them). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function isPositiveInteger(n: number): boolean {
  // Bounds may exceed 2^31, so compare against the truncation rather than `| 0`.
  return n - n === 0 && n >= 1 && n % 1 === 0;
}
