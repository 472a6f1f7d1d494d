/**
 * Object ownership, the signed statements: self-certifying object GUIDs and an owner's grant to a
 * server.
 *
 * A self-certifying object GUID is the domain-tagged SHA-256 of (owner credential, SHA-256 of a
 * name), cut to the GUID width. A publish of such an object carries the owner's credential and the
 * name hash, and every hop recomputes the GUID: nobody without the owner's key can publish it, not
 * even first (location/ownership.ts).
 *
 * A grant is the owner's signature over {object, server GUID, expiry}: a server other than the owner
 * carries it in its publishes, and every hop checks it with the owner's credential. The expiry is in
 * seconds on the network's wall clock (Unix time on a real network, the virtual clock in the simulator).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidArgumentError } from '../errors';
import { Guid } from '../routing/guid';
import { CanonicalWriter } from './canonical';
import type { SecurityProvider } from './provider';

/** Domain tag of a self-certifying object GUID's hash input. */
export const OWNED_OBJECT_DOMAIN = 'tapestry/owned-object/v1';
/** Domain tag of an owner's grant. */
export const OWNER_GRANT_DOMAIN = 'tapestry/owner-grant/v1';
/** An object name travels and is hashed as its SHA-256. */
export const NAME_HASH_BYTES = 32;

const utf8 = new TextEncoder();

/** SHA-256 of a name (a string is hashed as UTF-8). */
export function nameHash(name: string | Uint8Array): Uint8Array {
  return sha256(typeof name === 'string' ? utf8.encode(name) : name);
}

/**
 * The self-certifying GUID of the object `name` owned by the holder of `ownerKey` (its credential:
 * for `signed`, the raw ed25519 public key), `bits` wide.
 */
export function ownedObjectGuid(ownerKey: Uint8Array, name: string | Uint8Array, bits: 160 | 256 = 160): Guid {
  return ownedObjectGuidFromHash(ownerKey, nameHash(name), bits);
}

/** As ownedObjectGuid, from the name's hash (what a publish carries). */
export function ownedObjectGuidFromHash(ownerKey: Uint8Array, hash: Uint8Array, bits: 160 | 256): Guid {
  if (hash.length !== NAME_HASH_BYTES) throw new InvalidArgumentError(`a name hash is ${NAME_HASH_BYTES} bytes, got ${hash.length}`);
  if (bits !== 160 && bits !== 256) throw new InvalidArgumentError(`GUIDs are 160 or 256 bits, got ${String(bits)}`);
  const input = new CanonicalWriter(OWNED_OBJECT_DOMAIN).bytes16(ownerKey).bytes8(hash).finish();
  return Guid.fromBytes(sha256(input).slice(0, bits / 8));
}

/** Whether `object` is the self-certifying GUID of (ownerKey, the name hashed to `hash`). Never throws. */
export function certifiesObject(object: Guid, ownerKey: Uint8Array, hash: Uint8Array): boolean {
  if (hash.length !== NAME_HASH_BYTES || ownerKey.length > 0xffff) return false;
  const bits = object.bytes.length * 8;
  if (bits !== 160 && bits !== 256) return false;
  return ownedObjectGuidFromHash(ownerKey, hash, bits).equals(object);
}

/** The canonical bytes of an owner's grant to `server` for `object`, valid until `expiresAt` (uint32 s). */
export function encodeGrant(object: Guid, server: Guid, expiresAt: number): Uint8Array {
  return new CanonicalWriter(OWNER_GRANT_DOMAIN).bytes8(object.bytes).bytes8(server.bytes).u32(expiresAt).finish();
}

/** The owner's signature of a grant (this node, through its provider, must be the owner). */
export function signGrant(provider: SecurityProvider, object: Guid, server: Guid, expiresAt: number): Uint8Array {
  return provider.sign(encodeGrant(object, server, expiresAt));
}

/** Whether `signature` is `ownerKey`'s grant to `server` for `object` until `expiresAt`. Never throws. */
export function verifyGrant(
  provider: SecurityProvider,
  ownerKey: Uint8Array,
  object: Guid,
  server: Guid,
  expiresAt: number,
  signature: Uint8Array,
): boolean {
  let bytes: Uint8Array;
  try {
    bytes = encodeGrant(object, server, expiresAt);
  } catch {
    return false;
  }
  return provider.verify(ownerKey, bytes, signature);
}
