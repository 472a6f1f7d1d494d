/**
 * The canonical bytes of a publish or unpublish record: what a publisher signs and what every hop
 * verifies before it stores, serves or withdraws a pointer. The same record always gives the same
 * bytes (fixed field order, big-endian integers, every variable field length-prefixed, a domain tag
 * first), and decoding accepts only that one encoding.
 *
 * Signed: what the publisher states — kind, object, the server (GUID and address, so a replayed
 * record cannot send locates elsewhere), and for a publish the tag, sequence and lifetime.
 * Not signed: the per-hop fields of the wire messages (salt index, path latency, the `extra` flag).
 * Hops change or choose those, and a record valid for one salted root is the publisher's statement
 * for all of them; moving it to another salt only stores a pointer off its path.
 *
 * A publish may also state who owns the object (location/ownership.ts): the owner's credential and,
 * for a self-certifying object, its name hash. They follow the tag, after a marker byte, only when
 * present, so a record without an owner has exactly the bytes it had before ownership existed. The
 * owner's grant to the server is the owner's own signature (security/ownership.ts), not part of this.
 *
 * A PublishMsg or UnpublishMsg (location/messages.ts) already has the fields, so `{ kind: 'publish', ...msg }`
 * is a record.
 */
import { DEFAULTS } from '../defaults';
import { DecodeError, InvalidArgumentError } from '../errors';
import { Guid } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';
import { CanonicalReader, CanonicalWriter } from './canonical';

/** Domain tag of a location record. */
export const RECORD_DOMAIN = 'tapestry/location-record/v1';

const KIND_PUBLISH = 1;
const KIND_UNPUBLISH = 2;

export interface PublishRecord {
  readonly kind: 'publish';
  readonly object: Guid;
  readonly server: NodeHandle;
  /** UTF-8, ≤ DEFAULTS.maxTagBytes bytes. */
  readonly tag: string;
  /** The publisher's sequence for this object (uint32): higher replaces lower. */
  readonly sequence: number;
  /** How long the pointer lives without republish (uint32 ms). */
  readonly lifetimeMs: number;
  /** Who owns the object, when the publish claims an owner. */
  readonly owner?: RecordOwner;
}

/** The owner part of a publish record. */
export interface RecordOwner {
  /** The owner's credential (≤ 65,535 bytes here; the wire allows DEFAULTS.maxCredentialBytes). */
  readonly key: Uint8Array;
  /** SHA-256 of the object's name when the object GUID is self-certifying (32 bytes). */
  readonly nameHash?: Uint8Array;
}

/** Marker before a publish record's owner part. */
const OWNER_PRESENT = 1;

export interface UnpublishRecord {
  readonly kind: 'unpublish';
  readonly object: Guid;
  readonly server: NodeHandle;
  /** Withdraws pointers of this sequence or older (uint32). */
  readonly sequence: number;
}

export type LocationRecord = PublishRecord | UnpublishRecord;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The record's canonical bytes. Throws InvalidArgumentError for a record no publisher may sign. */
export function encodeRecord(r: LocationRecord): Uint8Array {
  if (r.kind !== 'publish' && r.kind !== 'unpublish') throw new InvalidArgumentError(`unknown record kind ${String((r as { kind: unknown }).kind)}`);
  if (r.object.bytes.length !== r.server.guid.bytes.length) throw new InvalidArgumentError('object and server GUIDs differ in width');
  const w = new CanonicalWriter(RECORD_DOMAIN)
    .u8(r.kind === 'publish' ? KIND_PUBLISH : KIND_UNPUBLISH)
    .bytes8(r.object.bytes)
    .bytes8(r.server.guid.bytes);
  writeAddress(w, r.server.address);
  w.u32(r.sequence);
  if (r.kind === 'publish') {
    const tag = utf8.encode(r.tag);
    if (tag.length > DEFAULTS.maxTagBytes) throw new InvalidArgumentError(`tag of ${tag.length} bytes is over ${DEFAULTS.maxTagBytes}`);
    w.u32(r.lifetimeMs).bytes16(tag);
    if (r.owner !== undefined) {
      if (r.owner.key.length === 0) throw new InvalidArgumentError('an owner key is empty');
      w.u8(OWNER_PRESENT).bytes16(r.owner.key).bytes8(r.owner.nameHash ?? new Uint8Array(0));
    }
  }
  return w.finish();
}

/** The record in canonical bytes; DecodeError for anything encodeRecord could not have written. */
export function decodeRecord(bytes: Uint8Array): LocationRecord {
  const r = new CanonicalReader(bytes, RECORD_DOMAIN);
  const kind = r.u8();
  if (kind !== KIND_PUBLISH && kind !== KIND_UNPUBLISH) throw new DecodeError(`unknown record kind ${kind}`);
  const object = readGuid(r.bytes8());
  const guid = readGuid(r.bytes8());
  if (object.bytes.length !== guid.bytes.length) throw new DecodeError('object and server GUIDs differ in width');
  const server: NodeHandle = { guid, address: readAddress(r) };
  const sequence = r.u32();
  if (kind === KIND_UNPUBLISH) {
    r.end();
    return { kind: 'unpublish', object, server, sequence };
  }
  const lifetimeMs = r.u32();
  const tagBytes = r.bytes16();
  let owner: RecordOwner | undefined;
  if (!r.atEnd) {
    if (r.u8() !== OWNER_PRESENT) throw new DecodeError('bad owner marker');
    const key = r.bytes16();
    const hash = r.bytes8();
    if (key.length === 0) throw new DecodeError('an owner key is empty');
    if (hash.length !== 0 && hash.length !== 32) throw new DecodeError(`owner name hash of ${hash.length} bytes`);
    owner = hash.length > 0 ? { key, nameHash: hash } : { key };
  }
  r.end();
  if (tagBytes.length > DEFAULTS.maxTagBytes) throw new DecodeError(`tag of ${tagBytes.length} bytes is over ${DEFAULTS.maxTagBytes}`);
  let tag: string;
  try {
    tag = utf8Strict.decode(tagBytes);
  } catch {
    throw new DecodeError('tag is not UTF-8');
  }
  const record: PublishRecord = { kind: 'publish', object, server, tag, sequence, lifetimeMs };
  return owner === undefined ? record : { ...record, owner };
}

/**
 * A record's place in its publisher's history for the replay guard. The locator sends an object's
 * unpublish with the sequence of the publish it withdraws, so at one sequence the unpublish ranks
 * just above the publish: after it, the withdrawn publish is a replay; the next publish (a higher
 * sequence) outranks both. Exact: sequence is a uint32, so 2·sequence + 1 < 2^53.
 */
export function recordOrder(r: Pick<LocationRecord, 'kind' | 'sequence'>): number {
  return r.sequence * 2 + (r.kind === 'unpublish' ? 1 : 0);
}

/** A node address in canonical form: family, ip, port (shared by every signed statement naming a server). */
export function writeAddress(w: CanonicalWriter, a: Address): void {
  if (a.family !== 4 && a.family !== 6) throw new InvalidArgumentError(`address family must be 4 or 6, got ${String(a.family)}`);
  if (a.ip.length !== (a.family === 4 ? 4 : 16)) throw new InvalidArgumentError(`an IPv${a.family} address is ${a.family === 4 ? 4 : 16} bytes, got ${a.ip.length}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) throw new InvalidArgumentError(`port must be 0..65535, got ${a.port}`);
  w.u8(a.family).bytes8(a.ip).u32(a.port);
}

function readAddress(r: CanonicalReader): Address {
  const family = r.u8();
  if (family !== 4 && family !== 6) throw new DecodeError(`address family ${family}`);
  const ip = r.bytes8();
  if (ip.length !== (family === 4 ? 4 : 16)) throw new DecodeError(`IPv${family} address of ${ip.length} bytes`);
  const port = r.u32();
  if (port > 0xffff) throw new DecodeError(`port ${port}`);
  return { family, ip, port };
}

function readGuid(bytes: Uint8Array): Guid {
  if (bytes.length !== 20 && bytes.length !== 32) throw new DecodeError(`a GUID is 20 or 32 bytes, got ${bytes.length}`);
  return Guid.fromBytes(bytes);
}
