/**
 * ed25519 keys as node:crypto KeyObjects, and a bounded cache of parsed remote public keys.
 *
 * Keys travel as their raw 32 bytes (RFC 8032). Node 20 cannot import raw ed25519 keys directly;
 * JWK is the fast way in and out (~10 µs; DER/SPKI goes through OpenSSL's decoders at ~90 µs, and
 * PKCS#8 at ~470 µs), so every conversion here is through JWK.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import { BoundedMap } from '../routing/boundedMap';
import { DEFAULTS } from './../defaults';

/** Bytes in a raw ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32;
/** Bytes in an ed25519 private key seed. */
export const SEED_BYTES = 32;
/** Bytes in an ed25519 signature. */
export const SIGNATURE_BYTES = 64;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** A public KeyObject from raw bytes; throws on a wrong length or a key OpenSSL rejects. */
export function importPublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`an ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
}

/** The raw 32 bytes of a public (or private) ed25519 KeyObject's public half. */
export function exportPublicKey(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new InvalidArgumentError('not an ed25519 key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * A private KeyObject from a 32-byte seed. OpenSSL derives the key from `d` alone and ignores the JWK's
 * `x`, so none is computed here (that would need the private key first); the RFC 8032 test vectors in
 * the tests pin this behaviour. If a Node version ever insists on a real `x`, PKCS#8 is the slow but
 * sure way in.
 */
export function importSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== SEED_BYTES) throw new InvalidArgumentError(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: '' }, format: 'jwk' });
  } catch {
    const pkcs8 = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  }
}

/** The 32-byte seed of a private ed25519 KeyObject. */
export function exportSeed(key: KeyObject): Uint8Array {
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw new InvalidArgumentError('not an ed25519 private key');
  return new Uint8Array(Buffer.from(d, 'base64url'));
}

/** DER header of a PKCS#8 ed25519 private key (RFC 8410 §7); the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface KeyCacheStats {
  hits: number;
  misses: number;
  /** Keys of the wrong length or refused by OpenSSL; never cached. */
  invalid: number;
  /** Least recently used keys dropped to stay within the bound. */
  evicted: number;
}

/**
 * Remote public keys parsed once and kept, least recently used evicted first. Keyed by the key's
 * base64url form, the same string JWK import needs, so a miss converts the bytes only once.
 */
export class KeyCache {
  readonly maxEntries: number;
  readonly stats: KeyCacheStats;
  /** Least recently used first; a miss in a full cache evicts the oldest (counted as `evicted`). */
  private readonly keys: BoundedMap<string, KeyObject>;

  constructor(maxEntries: number = DEFAULTS.keyCacheEntries) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidArgumentError(`maxEntries must be an integer ≥ 1, got ${maxEntries}`);
    this.maxEntries = maxEntries;
    const keys = (this.keys = new BoundedMap(maxEntries));
    this.stats = {
      hits: 0, misses: 0, invalid: 0,
      get evicted() {
        return keys.evictions;
      },
    };
  }

  get size(): number {
    return this.keys.size;
  }

  /** The KeyObject for raw public key bytes, or undefined when they are not a usable key. Never throws. */
  get(raw: Uint8Array): KeyObject | undefined {
    if (!(raw instanceof Uint8Array) || raw.length !== PUBLIC_KEY_BYTES) {
      this.stats.invalid++;
      return undefined;
    }
    const id = b64url(raw);
    const held = this.keys.get(id);
    if (held !== undefined) {
      this.stats.hits++;
      // Moved to the newest end, so the map's order is least recently used first.
      this.keys.refresh(id, held);
      return held;
    }
    this.stats.misses++;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    } catch {
      this.stats.invalid++;
      return undefined;
    }
    this.keys.set(id, key);
    return key;
  }
}

let shared: KeyCache | undefined;

/** One cache for the process: in a simulation every node verifies the same few thousand keys. */
export function sharedKeyCache(): KeyCache {
  return (shared ??= new KeyCache());
}
