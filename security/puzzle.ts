/**
 * The identity puzzle (S/Kademlia's static crypto puzzle, Baumgart and Mies 2007): a key is valid at
 * difficulty c when SHA-256(SHA-256(public key)) starts with c zero bits. Making a key then costs
 * about 2^c tries, so landing an identity close to a chosen GUID (an object's roots, a victim's
 * neighbourhood) costs 2^c times more than it did, while checking one costs two hashes.
 *
 * Why the key and not the GUID: the GUID is the key's hash, so zero bits on the GUID would pile
 * every node into one corner of the id space (the prefix 0…0) and break routing's uniform spread.
 * The puzzle hash is a second hash of the key, independent of the GUID's bits. SHA-256 twice, as in
 * S/Kademlia, whatever the id width (SHA-1 for 160-bit GUIDs), so one key meets the same difficulty
 * in either space.
 */
import { createHash } from 'node:crypto';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';

/** The puzzle hash of a raw public key: SHA-256(SHA-256(key)). */
export function puzzleHash(publicKey: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(publicKey).digest();
  return new Uint8Array(createHash('sha256').update(once).digest());
}

/** Leading zero bits of `bytes` (8 per zero byte, then the first set bit's position). */
export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const b of bytes) {
    if (b === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

/** The difficulty a raw public key meets: its puzzle hash's leading zero bits. */
export function puzzleBits(publicKey: Uint8Array): number {
  return leadingZeroBits(puzzleHash(publicKey));
}

/** Whether `publicKey` meets difficulty `c` (always true at 0). */
export function meetsDifficulty(publicKey: Uint8Array, c: number): boolean {
  return c <= 0 || puzzleBits(publicKey) >= c;
}

/** InvalidArgumentError unless `c` is an integer in 0..DEFAULTS.maxIdentityDifficulty. */
export function checkDifficulty(c: number): number {
  if (!Number.isInteger(c) || c < 0 || c > DEFAULTS.maxIdentityDifficulty) {
    throw new InvalidArgumentError(`identity difficulty must be an integer in 0..${DEFAULTS.maxIdentityDifficulty}, got ${c}`);
  }
  return c;
}
