/**
 * The wire edge for object location: bytes <-> LocationMsg (location/messages.ts). A LocationMsg is not a
 * frame body; it is the payload of a RouteMsg whose moduleId is LOCATION_MODULE_ID, so it is decoded
 * where the location module receives a route's payload and encoded where it sends one (DESIGN.md §3,
 * rule 3). Nothing past this module sees a protobuf object.
 *
 * Decoding checks every limit written beside the LocationMsg messages in messages.proto and throws
 * FrameDecodeError with a reason, exactly as the frame codec does, and copies every bytes field it
 * keeps. Encoding runs on every hop of a publish or locate (each hop rewrites the path latency), so
 * it builds plain objects and encodes them directly: no create/fromObject/toObject, no validation
 * beyond what the caller's types already say.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import { paddingFromWire, type DecodeOptions, type WireHandle } from './codec';
import {
  checkCount,
  checkIdBytesOption,
  decodePayload,
  fail,
  guidFromWire,
  guidsToWire,
  handleToWire,
  requiredHandle,
  schema,
} from './fields';
import { withOwnerFromWire, withOwnerToWire, withSignatureFromWire, withSignatureToWire, type WireOwner } from './locationProofs';
import type {
  LocateFound,
  LocateMsg,
  LocateNotFound,
  LocationMsg,
  PointerHandOver,
  PublishAck,
  PublishMsg,
  UnpublishMsg,
} from '../location/messages';
import { checkLatency, checkNonce, checkSalt, textFromWire, textToWire } from './locationFields';

const LocationType = schema.lookupType('tapestry.LocationMsg');

const EMPTY_BYTES = new Uint8Array(0);

// The shapes protobufjs gives back for the LocationMsg messages (camelCase names; absent sub-messages
// are null, absent scalars read as their zero value, absent repeated fields as empty arrays). The
// encoder is handed the same shapes. WirePublish is exported because a membership hand-over carries
// publish records (wire/membershipCodec.ts).
export interface WirePublish {
  object: Uint8Array;
  server: WireHandle | null;
  tag: Uint8Array;
  saltIndex: number;
  sequence: number;
  lifetimeMs: number;
  pathLatency: number;
  extra: boolean;
  publisherKey?: Uint8Array;
  signature?: Uint8Array;
  ownerKey?: Uint8Array;
  ownerName?: Uint8Array;
  grantExpires?: number;
  grantSignature?: Uint8Array;
  ackNonce?: Uint8Array;
}
interface WireUnpublish {
  object: Uint8Array;
  server: WireHandle | null;
  saltIndex: number;
  sequence: number;
  extra: boolean;
  publisherKey?: Uint8Array;
  signature?: Uint8Array;
  ackNonce?: Uint8Array;
}
interface WireLocate {
  locateId: number;
  object: Uint8Array;
  origin: WireHandle | null;
  query: Uint8Array;
  wanted: number;
  exclude: Uint8Array[];
  saltIndex: number;
  pathLatency: number;
  moduleId: number;
  payload: Uint8Array;
  diverted: boolean;
  locateKey: number;
  owned?: boolean;
  padding?: Uint8Array;
}
interface WireFound extends WireOwner {
  locateId: number;
  locateKey: number;
  serverKey?: Uint8Array;
  signature?: Uint8Array;
  object: Uint8Array;
  server: WireHandle | null;
  tag: Uint8Array;
  hops: number;
  pathLatency: number;
}
interface WireNotFound {
  locateId: number;
  locateKey: number;
  object: Uint8Array;
  saltIndex: number;
  diverted: Uint8Array[];
  hops: number;
}
interface WireHandOver {
  pointers: WirePublish[];
}
interface WirePublishAck {
  object: Uint8Array;
  saltIndex: number;
  nonce: Uint8Array;
}
interface WireLocation {
  /** The oneof's virtual field: which body member is set. */
  body?: string;
  publish?: WirePublish | null;
  unpublish?: WireUnpublish | null;
  locate?: WireLocate | null;
  found?: WireFound | null;
  notFound?: WireNotFound | null;
  handOver?: WireHandOver | null;
  ownerNotice?: { record: WirePublish | null } | null;
  publishAck?: WirePublishAck | null;
}

/** Encodes a location message as the payload of a RouteMsg with moduleId LOCATION_MODULE_ID. */
export function encodeLocation(msg: LocationMsg): Uint8Array {
  return LocationType.encode(locationToWire(msg)).finish();
}

/**
 * Decodes and validates a location message (a LOCATION_MODULE_ID route's payload). Throws
 * FrameDecodeError (a DecodeError) with a reason for anything malformed; never any other exception
 * for bad input. The result shares no memory with `bytes`.
 */
export function decodeLocation(bytes: Uint8Array, opts?: DecodeOptions): LocationMsg {
  const wantIdBytes = opts?.idBytes;
  checkIdBytesOption(wantIdBytes);
  const wire = decodePayload<WireLocation>(LocationType, bytes, 'location message');
  // protobufjs keeps only the last oneof member it read, so `body` names at most one.
  switch (wire.body) {
    case 'publish':
      return { kind: 'publish', publish: publishFromWire(wire.publish!, wantIdBytes) };
    case 'unpublish':
      return { kind: 'unpublish', unpublish: unpublishFromWire(wire.unpublish!, wantIdBytes) };
    case 'locate':
      return { kind: 'locate', locate: locateFromWire(wire.locate!, wantIdBytes) };
    case 'found':
      return { kind: 'found', found: foundFromWire(wire.found!, wantIdBytes) };
    case 'notFound':
      return { kind: 'notFound', notFound: notFoundFromWire(wire.notFound!, wantIdBytes) };
    case 'handOver':
      return { kind: 'handOver', handOver: handOverFromWire(wire.handOver!, wantIdBytes) };
    case 'ownerNotice': {
      const w = wire.ownerNotice!.record;
      if (!w) return fail('missing', 'owner notice carries no record');
      const record = publishFromWire(w, wantIdBytes);
      if (record.owner === undefined) return fail('missing', 'owner notice record names no owner');
      return { kind: 'ownerNotice', notice: { record } };
    }
    case 'publishAck':
      return { kind: 'publishAck', ack: publishAckFromWire(wire.publishAck!, wantIdBytes) };
    default:
      return fail('emptyBody', 'location message carries no known body');
  }
}

/**
 * Validates and copies one publish record. Exported so a membership hand-over checks the pointers it
 * carries exactly as a publish hop would. Without `wantIdBytes` the record's object GUID sets the width.
 */
export function publishFromWire(p: WirePublish, wantIdBytes: number | undefined): PublishMsg {
  // Without a configured width the object's sets it: one message never mixes id spaces.
  const idBytes = wantIdBytes ?? p.object.length;
  const object = guidFromWire(p.object, idBytes, 'object');
  const server = requiredHandle(p.server, idBytes, 'publish has no server');
  const tag = textFromWire(p.tag, 'tag');
  checkSalt(p.saltIndex);
  if (p.lifetimeMs < 1 || p.lifetimeMs > DEFAULTS.maxPointerLifetimeMs) {
    fail('lifetime', `lifetimeMs ${p.lifetimeMs} outside 1..${DEFAULTS.maxPointerLifetimeMs}`);
  }
  checkLatency(p.pathLatency);
  // An older sender leaves the field out (protobufjs reads it as empty): no acknowledgement wanted.
  const nonce = p.ackNonce ?? EMPTY_BYTES;
  if (nonce.length !== 0) checkNonce(nonce, 'publish ack_nonce');
  const msg: PublishMsg = {
    object,
    server,
    tag,
    saltIndex: p.saltIndex,
    sequence: p.sequence,
    lifetimeMs: p.lifetimeMs,
    pathLatency: p.pathLatency,
    extra: p.extra,
    ...(nonce.length !== 0 ? { ackNonce: nonce.slice() } : {}),
  };
  return withOwnerFromWire(withSignatureFromWire(msg, p), p);
}

function publishAckFromWire(a: WirePublishAck, wantIdBytes: number | undefined): PublishAck {
  const object = guidFromWire(a.object, wantIdBytes ?? a.object.length, 'object');
  checkSalt(a.saltIndex);
  checkNonce(a.nonce, 'publish ack nonce');
  return { object, saltIndex: a.saltIndex, nonce: a.nonce.slice() };
}

function unpublishFromWire(u: WireUnpublish, wantIdBytes: number | undefined): UnpublishMsg {
  const idBytes = wantIdBytes ?? u.object.length;
  const object = guidFromWire(u.object, idBytes, 'object');
  const server = requiredHandle(u.server, idBytes, 'unpublish has no server');
  checkSalt(u.saltIndex);
  // As for a publish: an older sender leaves the field out, asking no acknowledgement.
  const nonce = u.ackNonce ?? EMPTY_BYTES;
  if (nonce.length !== 0) checkNonce(nonce, 'unpublish ack_nonce');
  const msg: UnpublishMsg = { object, server, saltIndex: u.saltIndex, sequence: u.sequence, extra: u.extra, ...(nonce.length !== 0 ? { ackNonce: nonce.slice() } : {}) };
  return withSignatureFromWire<UnpublishMsg>(msg, u);
}

function locateFromWire(l: WireLocate, wantIdBytes: number | undefined): LocateMsg {
  const idBytes = wantIdBytes ?? l.object.length;
  const object = guidFromWire(l.object, idBytes, 'object');
  const origin = requiredHandle(l.origin, idBytes, 'locate has no origin');
  const query = textFromWire(l.query, 'query');
  if (l.wanted < 1 || l.wanted > DEFAULTS.maxReplicas) {
    fail('replicas', `wanted ${l.wanted} outside 1..${DEFAULTS.maxReplicas}`);
  }
  const exclude = guidListFromWire(l.exclude, idBytes, 'exclude');
  checkSalt(l.saltIndex);
  checkLatency(l.pathLatency);
  if (l.payload.length > DEFAULTS.maxInlineObjectPayload) {
    fail('payload', `${l.payload.length}-byte payload exceeds ${DEFAULTS.maxInlineObjectPayload}`);
  }
  return {
    locateId: l.locateId,
    locateKey: l.locateKey,
    object,
    origin,
    query,
    wanted: l.wanted,
    exclude,
    saltIndex: l.saltIndex,
    pathLatency: l.pathLatency,
    moduleId: l.moduleId,
    payload: new Uint8Array(l.payload), // a copy, not a view into the route's payload
    diverted: l.diverted,
    ...(l.owned ? { owned: true } : {}),
    ...paddingFromWire(l.padding),
  };
}

function foundFromWire(f: WireFound, wantIdBytes: number | undefined): LocateFound {
  const idBytes = wantIdBytes ?? f.object.length;
  const object = guidFromWire(f.object, idBytes, 'object');
  const server = requiredHandle(f.server, idBytes, 'found has no server');
  const tag = textFromWire(f.tag, 'tag');
  checkLatency(f.pathLatency);
  const found: LocateFound = { locateId: f.locateId, locateKey: f.locateKey, object, server, tag, hops: f.hops, pathLatency: f.pathLatency };
  const key = f.serverKey ?? EMPTY_BYTES;
  const sig = f.signature ?? EMPTY_BYTES;
  if (key.length === 0 && sig.length === 0) return withOwnerFromWire(found, f); // fails on an owner claim
  if (key.length === 0 || sig.length === 0) fail('missing', 'an answer carries a server key and a signature together or neither');
  if (key.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `server key of ${key.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (sig.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `signature of ${sig.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  return withOwnerFromWire<LocateFound>({ ...found, serverKey: key.slice(), signature: sig.slice() }, f);
}

function notFoundFromWire(n: WireNotFound, wantIdBytes: number | undefined): LocateNotFound {
  const idBytes = wantIdBytes ?? n.object.length;
  const object = guidFromWire(n.object, idBytes, 'object');
  checkSalt(n.saltIndex);
  const diverted = guidListFromWire(n.diverted, idBytes, 'diverted');
  return { locateId: n.locateId, locateKey: n.locateKey, object, saltIndex: n.saltIndex, diverted, hops: n.hops };
}

/** Up to maxHandOverPointers publish records, each checked as a publish hop checks it, all of one width. */
function handOverFromWire(h: WireHandOver, wantIdBytes: number | undefined): PointerHandOver {
  checkCount(h.pointers.length, DEFAULTS.maxHandOverPointers, 'count', 'hand-over pointers');
  let idBytes = wantIdBytes;
  const pointers = new Array<PublishMsg>(h.pointers.length);
  for (let i = 0; i < h.pointers.length; i++) {
    const record = publishFromWire(h.pointers[i], idBytes);
    // Without a configured width the first record's sets it for the rest of the message.
    idBytes ??= record.object.bytes.length;
    pointers[i] = record;
  }
  return { pointers };
}

function guidListFromWire(list: readonly Uint8Array[], idBytes: number, what: string): Guid[] {
  checkCount(list.length, DEFAULTS.maxReplicas, 'replicas', `${what} GUIDs`);
  const out = new Array<Guid>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = guidFromWire(list[i], idBytes, what);
  return out;
}

function locationToWire(msg: LocationMsg): WireLocation {
  switch (msg.kind) {
    case 'publish':
      return { publish: publishToWire(msg.publish) };
    case 'unpublish':
      return { unpublish: unpublishToWire(msg.unpublish) };
    case 'locate':
      return { locate: locateToWire(msg.locate) };
    case 'found':
      return { found: foundToWire(msg.found) };
    case 'notFound':
      return { notFound: notFoundToWire(msg.notFound) };
    case 'handOver':
      return { handOver: { pointers: msg.handOver.pointers.map(publishToWire) } };
    case 'ownerNotice':
      return { ownerNotice: { record: publishToWire(msg.notice.record) } };
    case 'publishAck':
      return { publishAck: { object: msg.ack.object.bytes, saltIndex: msg.ack.saltIndex, nonce: msg.ack.nonce } };
    default: {
      const unknown: never = msg;
      throw new InvalidArgumentError(`cannot encode location message ${JSON.stringify(unknown)}`);
    }
  }
}

/** The wire shape of one publish record; exported for the membership hand-over. */
export function publishToWire(p: PublishMsg): WirePublish {
  const w = withOwnerToWire(withSignatureToWire<WirePublish>({
    object: p.object.bytes,
    server: handleToWire(p.server),
    tag: textToWire(p.tag),
    saltIndex: p.saltIndex,
    sequence: p.sequence,
    lifetimeMs: p.lifetimeMs,
    pathLatency: p.pathLatency,
    extra: p.extra,
  }, p), p);
  if (p.ackNonce !== undefined) w.ackNonce = p.ackNonce;
  return w;
}

function unpublishToWire(u: UnpublishMsg): WireUnpublish {
  const w = withSignatureToWire<WireUnpublish>({ object: u.object.bytes, server: handleToWire(u.server), saltIndex: u.saltIndex, sequence: u.sequence, extra: u.extra }, u);
  if (u.ackNonce !== undefined) w.ackNonce = u.ackNonce;
  return w;
}

function locateToWire(l: LocateMsg): WireLocate {
  return {
    locateId: l.locateId,
    object: l.object.bytes,
    origin: handleToWire(l.origin),
    query: textToWire(l.query),
    wanted: l.wanted,
    exclude: guidsToWire(l.exclude),
    saltIndex: l.saltIndex,
    pathLatency: l.pathLatency,
    moduleId: l.moduleId,
    payload: l.payload,
    diverted: l.diverted,
    locateKey: l.locateKey,
    ...(l.owned ? { owned: true } : {}),
    ...(l.padding ? { padding: new Uint8Array(l.padding) } : {}),
  };
}

function foundToWire(f: LocateFound): WireFound {
  const w: WireFound = {
    locateId: f.locateId,
    locateKey: f.locateKey,
    object: f.object.bytes,
    server: handleToWire(f.server),
    tag: textToWire(f.tag),
    hops: f.hops,
    pathLatency: f.pathLatency,
  };
  if (f.serverKey !== undefined && f.signature !== undefined) {
    w.serverKey = f.serverKey;
    w.signature = f.signature;
  }
  return withOwnerToWire(w, f);
}

function notFoundToWire(n: LocateNotFound): WireNotFound {
  return { locateId: n.locateId, locateKey: n.locateKey, object: n.object.bytes, saltIndex: n.saltIndex, diverted: guidsToWire(n.diverted), hops: n.hops };
}
