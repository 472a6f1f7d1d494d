/**
 * Signing and checking location records with a provider. A record is the publisher's statement, so
 * it must be signed by the node it names as server: the credential has to stand for the server's
 * GUID before the signature is worth checking.
 */
import type { SecurityProvider } from './provider';
import { encodeRecord, type LocationRecord } from './records';

/** This node's signature of a record it publishes (it must be the record's server). */
export function signRecord(provider: SecurityProvider, record: LocationRecord): Uint8Array {
  return provider.sign(encodeRecord(record));
}

/**
 * Whether `signature` is the record's server's signature of it, with `credential` the server's.
 * Never throws: a record that cannot be encoded (bad widths, an oversized tag) is simply not valid.
 */
export function verifyRecord(
  provider: SecurityProvider,
  credential: Uint8Array,
  record: LocationRecord,
  signature: Uint8Array,
): boolean {
  if (!provider.validateCredential(credential, record.server.guid)) return false;
  let bytes: Uint8Array;
  try {
    bytes = encodeRecord(record);
  } catch {
    return false;
  }
  return provider.verify(credential, bytes, signature);
}
