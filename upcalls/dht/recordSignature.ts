/**
 * Signed DHT records (pure: the provider is passed in, no clock, no I/O). Under an authenticating
 * provider a record carries its publisher's credential and signature over a canonical encoding of
 * {key, value, seq, publisher} — not the lifetime, which every hop shortens — and a remove carries the
 * publisher's signature over {key, seq, publisher}. A record is taken only when the credential stands
 * for the publisher's GUID and the signature verifies; anything else is forged.
 *
 * The bytes signed start with a domain tag of their own (security/canonical.ts), and the module
 * context signs them in the DHT module's domain, so a record's signature can be taken for nothing
 * else, and a removal's never for a record's.
 */
import { CanonicalWriter } from '../../security/canonical';
import type { Guid } from '../../routing/guid';
import type { ModuleSecurity } from '../contract';
import type { DhtRecord, DhtRemoval } from './messages';

/** Domain tag of a record's signed bytes. */
export const DHT_RECORD_DOMAIN = 'tapestry/dht-record/v1';
/** Domain tag of a removal's signed bytes. */
export const DHT_REMOVAL_DOMAIN = 'tapestry/dht-removal/v1';

/** What a record's signature covers: everything but its lifetime and its proof. */
export type SignedPart = Pick<DhtRecord, 'value' | 'seq' | 'publisher'>;

/** The canonical bytes of `record` under `key` (the unsalted key GUID: one signature for every salted root). */
export function recordBytes(key: Guid, record: SignedPart): Uint8Array {
  return new CanonicalWriter(DHT_RECORD_DOMAIN).bytes8(key.bytes).bytes16(record.value).u32(record.seq).bytes8(record.publisher.bytes).finish();
}

/** The canonical bytes of `publisher`'s removal of its record of `key` up to version `seq`. */
export function removalBytes(key: Guid, seq: number, publisher: Guid): Uint8Array {
  return new CanonicalWriter(DHT_REMOVAL_DOMAIN).bytes8(key.bytes).u32(seq).bytes8(publisher.bytes).finish();
}

/** `record` with this node's credential and signature; unchanged when the provider authenticates nothing. */
export function signRecord(security: ModuleSecurity, key: Guid, record: DhtRecord): DhtRecord {
  if (!security.authenticates) return record;
  return { ...record, credential: security.credential(), signature: security.sign(recordBytes(key, record)) };
}

/** This node's signed removal of its record of `key` up to `seq`; undefined when the provider authenticates nothing. */
export function signRemoval(security: ModuleSecurity, key: Guid, seq: number, publisher: Guid): DhtRemoval | undefined {
  if (!security.authenticates) return undefined;
  return { seq, credential: security.credential(), signature: security.sign(removalBytes(key, seq, publisher)) };
}

/**
 * Whether `record` is its publisher's under `key`: its credential stands for the publisher's GUID and
 * its signature verifies. Always true when the provider authenticates nothing. Never throws.
 */
export function recordVerifies(security: ModuleSecurity, key: Guid, record: DhtRecord): boolean {
  if (!security.authenticates) return true;
  const { credential, signature } = record;
  if (!credential || !signature || !security.validateCredential(credential, record.publisher)) return false;
  let bytes: Uint8Array;
  try {
    bytes = recordBytes(key, record);
  } catch {
    return false; // a field past the canonical widths: nothing the publisher could have signed
  }
  return security.verify(credential, bytes, signature);
}

/** Whether `removal` is `publisher`'s signed removal under `key`. Always true when the provider authenticates nothing. Never throws. */
export function removalVerifies(security: ModuleSecurity, key: Guid, publisher: Guid, removal: DhtRemoval | undefined): boolean {
  if (!security.authenticates) return true;
  if (!removal || !security.validateCredential(removal.credential, publisher)) return false;
  let bytes: Uint8Array;
  try {
    bytes = removalBytes(key, removal.seq, publisher);
  } catch {
    return false;
  }
  return security.verify(removal.credential, bytes, removal.signature);
}
