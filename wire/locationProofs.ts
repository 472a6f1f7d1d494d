/**
 * The proof fields of the location messages on the wire (wire/locationCodec.ts uses these): a
 * record's publisher key and signature, and the ownership claim a publish or a locate answer carries
 * (owner key, name hash, the owner's grant). Decoding checks each field's bound and that the fields
 * come together as they must, and copies every byte it keeps; nothing here verifies a signature (the
 * location module does that before it acts).
 */
import { DEFAULTS } from '../defaults';
import type { LocateFound, OwnerClaim, PublishMsg, UnpublishMsg } from '../location/messages';
import { fail } from './fields';

const EMPTY_BYTES = new Uint8Array(0);
/** An owner name travels as its SHA-256. */
const OWNER_NAME_BYTES = 32;

/** The ownership fields a PublishMsg and a LocateFound share. */
export interface WireOwner {
  ownerKey?: Uint8Array;
  ownerName?: Uint8Array;
  grantExpires?: number;
  grantSignature?: Uint8Array;
}


/**
 * A publish's ownership claim (location/messages.ts OwnerClaim): the owner key within its bound, a
 * name hash of exactly 32 bytes, a grant's signature within its bound; name and grant only with a
 * key, and only on a signed record (an unsigned one cannot bind them). Copied.
 */
export function withOwnerFromWire<T extends PublishMsg | LocateFound>(msg: T, w: WireOwner): T {
  const key = w.ownerKey ?? EMPTY_BYTES;
  const name = w.ownerName ?? EMPTY_BYTES;
  const grant = w.grantSignature ?? EMPTY_BYTES;
  const expires = w.grantExpires ?? 0;
  if (key.length === 0) {
    if (name.length > 0 || grant.length > 0 || expires !== 0) fail('missing', 'an owner name or grant without an owner key');
    return msg;
  }
  if (msg.signature === undefined) fail('missing', 'an owner claim on an unsigned message');
  if (key.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `owner key of ${key.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (name.length !== 0 && name.length !== OWNER_NAME_BYTES) fail('tooLarge', `owner name hash of ${name.length} bytes, not ${OWNER_NAME_BYTES}`);
  if (grant.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `grant signature of ${grant.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  if (grant.length === 0 && expires !== 0) fail('missing', 'a grant expiry without its signature');
  const owner: OwnerClaim = {
    key: key.slice(),
    ...(name.length > 0 ? { nameHash: name.slice() } : {}),
    ...(grant.length > 0 ? { grant: { expiresAt: expires, signature: grant.slice() } } : {}),
  };
  return { ...msg, owner };
}

/** The ownership fields of a publish's wire shape, only when it has a claim. */
export function withOwnerToWire<W extends WireOwner>(w: W, p: PublishMsg | LocateFound): W {
  const o = p.owner;
  if (o === undefined) return w;
  const out: W = { ...w, ownerKey: o.key };
  if (o.nameHash !== undefined) out.ownerName = o.nameHash;
  if (o.grant !== undefined) {
    out.grantExpires = o.grant.expiresAt;
    out.grantSignature = o.grant.signature;
  }
  return out;
}

/**
 * A record's publisher key and signature: both or neither, each within its bound, copied. Only the
 * lengths are checked here; the location module verifies the signature before it acts on the record.
 */
export function withSignatureFromWire<T extends PublishMsg | UnpublishMsg>(msg: T, w: { publisherKey?: Uint8Array; signature?: Uint8Array }): T {
  const key = w.publisherKey ?? EMPTY_BYTES;
  const sig = w.signature ?? EMPTY_BYTES;
  if (key.length === 0 && sig.length === 0) return msg;
  if (key.length === 0 || sig.length === 0) fail('missing', 'a record carries a publisher key and a signature together or neither');
  if (key.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `publisher key of ${key.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (sig.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `signature of ${sig.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  return { ...msg, publisherKey: key.slice(), signature: sig.slice() };
}

/** Adds the signature fields to a record's wire shape only when it has them (none: not a byte more). */
export function withSignatureToWire<W extends object>(w: W, m: PublishMsg | UnpublishMsg): W {
  if (m.publisherKey === undefined || m.signature === undefined) return w;
  return { ...w, publisherKey: m.publisherKey, signature: m.signature };
}
