/**
 * Salted roots (JSAC 2004 §III-B.2, footnote 3): an object is published
 * toward several roots so that losing one root does not make it unfindable. Root i is the GUID of
 * hash(object ‖ i), so every node derives the same roots from the object GUID alone.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { Guid } from '../routing/guid';

/** Bytes the salt index takes after the object GUID: a uint32, big-endian. */
const SALT_BYTES = 4;

/**
 * The GUID of salted root `index` of `object`: SHA-1 (160-bit objects) or SHA-256 (256-bit objects)
 * of the object's bytes followed by `index` as 4 big-endian bytes. Same width as the object, so the
 * root lives in the object's own ID space.
 */
export function saltedRoot(object: Guid, index: number): Guid {
  // `(x | 0) === x` is the integer test without a global lookup (slow inside jest's sandbox).
  if (!((index | 0) === index && index >= 0 && index < DEFAULTS.maxSalts)) {
    throw new InvalidArgumentError(`salt index must be an integer in 0..${DEFAULTS.maxSalts - 1}, got ${index}`);
  }
  const bytes = object.bytes;
  const data = new Uint8Array(bytes.length + SALT_BYTES);
  data.set(bytes, 0);
  // Indices are below maxSalts, far under 2^31, so the shifts never see a sign bit.
  const at = bytes.length;
  data[at] = (index >>> 24) & 0xff;
  data[at + 1] = (index >>> 16) & 0xff;
  data[at + 2] = (index >>> 8) & 0xff;
  data[at + 3] = index & 0xff;
  return Guid.fromName(data, object.bits);
}

/** The first `count` salted roots of `object`, index 0 first: publish walks to each, locate tries them in order. */
export function saltedRoots(object: Guid, count: number = DEFAULTS.salts): Guid[] {
  if (!((count | 0) === count && count >= 1 && count <= DEFAULTS.maxSalts)) {
    throw new InvalidArgumentError(`salt count must be an integer in 1..${DEFAULTS.maxSalts}, got ${count}`);
  }
  const roots: Guid[] = [];
  for (let i = 0; i < count; i++) roots.push(saltedRoot(object, i));
  return roots;
}
