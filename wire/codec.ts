/**
 * The wire edge: bytes <-> domain frames (routing/messages.ts). This is the only module that imports
 * protobufjs; nothing past it sees a protobuf object (DESIGN.md §3, rule 3).
 *
 * Decoding checks every limit written in messages.proto, so a frame that gets through is safe to act
 * on, and copies every bytes field it keeps (protobufjs hands out views into the datagram).
 * Encoding builds plain objects and encodes them directly: no create/fromObject/toObject on the
 * per-hop path.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { DEFAULTS } from '../defaults';
import { DecodeError, InvalidArgumentError, MessageTooLargeError } from '../errors';
import { Guid } from '../routing/guid';
import { handleInterner } from '../routing/handleInterner';
import type { Address } from '../transport/types';
import { REPLY_STATUSES, WIRE_VERSION, type Body, type DirectMsg, type FragmentInfo, type Frame, type NodeHandle, type Ping, type Pong, type RouteMsg, type Writable } from '../routing/messages';

// Loaded once: the schema is part of the program, so a missing or broken file should fail at start-up.
const root = protobuf.loadSync(path.join(__dirname, '..', 'messages.proto'));
const FrameType = root.lookupType('tapestry.Frame');
const families = root.lookupEnum('tapestry.AddressFamily').values;
const WIRE_V4 = families.V4;
const WIRE_V6 = families.V6;

/** Why a frame was rejected: a short code to count drops by. */
export type DecodeReason =
  | 'tooLarge' // the datagram exceeds DEFAULTS.maxDatagramBytes (this also bounds every payload); a location or membership message, maxMessageBytes
  | 'protobuf' // the bytes are not a Frame (truncated, garbage, wrong wire types, nested too deep)
  | 'version' // not WIRE_VERSION
  | 'missing' // a required handle is absent: the frame's sender or a route's source
  | 'emptyBody' // no body, or only a kind this version does not know
  | 'guid' // a GUID of the wrong width
  | 'address' // bad family, IP length or port
  | 'ttl' // ttl 0 or above DEFAULTS.maxTtl
  | 'hops' // hops above ttl
  | 'level' // routing level beyond the last digit
  | 'fragment' // count outside 2 .. DEFAULTS.maxFragments, or index >= count
  | 'reply' // a reply status outside REPLY_STATUSES, a status without a reply id, or a non-ok reply carrying a payload
  // Location messages (wire/locationCodec.ts):
  | 'tag' // a tag or query longer than DEFAULTS.maxTagBytes, or not valid UTF-8
  | 'salt' // saltIndex not below DEFAULTS.maxSalts
  | 'replicas' // wanted outside 1 .. DEFAULTS.maxReplicas, or more than maxReplicas excluded/diverted GUIDs
  | 'lifetime' // lifetimeMs outside 1 .. DEFAULTS.maxPointerLifetimeMs
  | 'latency' // a path latency that is negative, NaN or infinite
  | 'payload' // an inline object payload above DEFAULTS.maxInlineObjectPayload
  | 'nonce' // a publish's ack_nonce or a publish ack's nonce that is not exactly 8 bytes
  // Membership messages (wire/membershipCodec.ts); they also use 'missing', 'guid', 'address' and
  // 'level', and the location reasons for the publish records a hand-over carries:
  | 'count' // a list over its bound: holes, reached, neighbours, nodes or hand-over pointers
  | 'hole' // a join hole that names no slot of any table of this id width
  | 'rtt'; // an adopt's rttMs that is negative, NaN or infinite

/** A DecodeError that says which rule the frame broke, so drops can be counted by reason. */
export class FrameDecodeError extends DecodeError {
  constructor(
    readonly reason: DecodeReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface DecodeOptions {
  /** GUID width this node's id space uses; when given, every GUID in the frame must have it. */
  idBytes?: 20 | 32;
}

// The shapes protobufjs gives back for messages.proto (camelCase names; absent sub-messages are null,
// absent scalars read as their zero value).
export interface WireHandle {
  guid: Uint8Array;
  family: number;
  ip: Uint8Array;
  port: number;
  /** NodeHandle.resolve_only: present (true) only on a resolve-only node's handle. */
  resolveOnly?: boolean;
}
interface WireFragment {
  messageId: number;
  index: number;
  count: number;
}
interface WireRoute {
  source: WireHandle | null;
  dest: Uint8Array;
  fuzzy: boolean;
  ttl: number;
  hops: number;
  level: number;
  moduleId: number;
  payload: Uint8Array;
  fragment?: WireFragment | null;
  ackWanted?: boolean;
  routeId?: number;
  requestId?: number;
  confirm?: number;
}
interface WireDirect {
  destCheck: number;
  moduleId: number;
  payload: Uint8Array;
  fragment?: WireFragment | null;
  hops: number;
  replyTo?: number;
  replyStatus?: number;
}
interface WireNonce {
  nonce: number;
}
interface WirePing extends WireNonce {
  challenge?: Uint8Array;
  admission?: boolean;
  padding?: Uint8Array;
}
interface WirePong extends WireNonce {
  credential?: Uint8Array;
  proof?: Uint8Array;
  admitBelowUs?: number;
}
interface WireFrame {
  version: number;
  sender: WireHandle | null;
  messageId: number;
  /** The oneof's virtual field: which body member is set. */
  body?: string;
  route?: WireRoute | null;
  ping?: WirePing | null;
  pong?: WirePong | null;
  ack?: { frameId: number } | null;
  direct?: WireDirect | null;
}

/** Encodes a frame for sending. Throws MessageTooLargeError if it would not fit in one datagram. */
export function encodeFrame(frame: Frame): Uint8Array {
  const bytes = FrameType.encode(frameToWire(frame)).finish();
  if (bytes.length > DEFAULTS.maxDatagramBytes) {
    throw new MessageTooLargeError(`frame of ${bytes.length} bytes exceeds ${DEFAULTS.maxDatagramBytes}`);
  }
  return bytes;
}

/** The exact encoded size of a frame, without building its buffer. */
export function encodedFrameSize(frame: Frame): number {
  return FrameType.encode(frameToWire(frame)).len;
}

// Extra bytes a payload of up to 2^21 - 1 bytes (more than any datagram) adds beyond its own length,
// compared with a one-byte payload: its length prefix grows from 1 to at most 3 bytes, and so does
// the enclosing RouteMsg's. (Proto3 omits an empty payload altogether, hence the one-byte probe.)
const PAYLOAD_LENGTH_MARGIN = 4;
const ONE_BYTE = new Uint8Array(1);

/**
 * An upper bound on the bytes a frame carrying `route` takes beyond its payload, at any hop: the
 * fields that change on the way (previous-hop sender, datagram id, hops, level) and the fragment
 * header are counted at their largest. A fragment piece of `mtu - routeFrameOverhead(route)` bytes
 * therefore fits the MTU on every hop.
 */
export function routeFrameOverhead(route: RouteMsg): number {
  const worstSender: NodeHandle = {
    guid: route.dest,
    address: { family: 6, ip: new Uint8Array(16), port: 65_535 },
  };
  const worstRoute: Writable<RouteMsg> = {
    ...route,
    hops: route.ttl,
    level: route.dest.bits,
    payload: ONE_BYTE,
    ackWanted: true,
    routeId: 0xffff_ffff,
    fragment: { messageId: 0xffff_ffff, index: DEFAULTS.maxFragments - 1, count: DEFAULTS.maxFragments },
  };
  // A request id is counted only when the route carries one: a plain route's pieces stay the size they were.
  if (route.requestId) worstRoute.requestId = 0xffff_ffff;
  // Likewise a confirmed route's copy number.
  if (route.confirm) worstRoute.confirm = 0xffff;
  const frame: Frame = {
    version: WIRE_VERSION,
    sender: worstSender,
    messageId: 0xffff_ffff,
    body: { kind: 'route', route: worstRoute },
  };
  return encodedFrameSize(frame) - ONE_BYTE.length + PAYLOAD_LENGTH_MARGIN;
}

/**
 * An upper bound on the bytes a DirectMsg frame from `sender` takes beyond its payload, fragment
 * header included (and a reply's fields when `reply`): pieces of `mtu - directFrameOverhead(sender)`
 * bytes fit the MTU.
 */
export function directFrameOverhead(sender: NodeHandle, reply = false): number {
  const frame: Frame = {
    version: WIRE_VERSION,
    sender,
    messageId: 0xffff_ffff,
    body: {
      kind: 'direct',
      direct: {
        destCheck: 0xffff_ffff, moduleId: 0xffff_ffff, hops: DEFAULTS.maxTtl, payload: ONE_BYTE,
        fragment: { messageId: 0xffff_ffff, index: DEFAULTS.maxFragments - 1, count: DEFAULTS.maxFragments },
        ...(reply ? { reply: { replyTo: 0xffff_ffff, status: REPLY_STATUSES[REPLY_STATUSES.length - 1] } } : {}),
      },
    },
  };
  return encodedFrameSize(frame) - ONE_BYTE.length + PAYLOAD_LENGTH_MARGIN;
}

/** The first 4 bytes of a GUID as an unsigned 32-bit number: a DirectMsg's dest_check. */
export function guidCheck(guid: Guid): number {
  const b = guid.bytes;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/**
 * Decodes and validates one datagram. Throws FrameDecodeError (a DecodeError) with a reason for
 * anything malformed; never any other exception for bad input. The result shares no memory with
 * `bytes`.
 */
export function decodeFrame(bytes: Uint8Array, opts?: DecodeOptions): Frame {
  const wantIdBytes = opts?.idBytes;
  if (wantIdBytes !== undefined && wantIdBytes !== 20 && wantIdBytes !== 32) {
    throw new InvalidArgumentError(`idBytes must be 20 or 32, got ${wantIdBytes}`);
  }
  if (bytes.length > DEFAULTS.maxDatagramBytes) {
    fail('tooLarge', `${bytes.length} bytes exceeds ${DEFAULTS.maxDatagramBytes}`);
  }
  // protobufjs reads a Node Buffer with its Buffer reader, whose byte fields are Buffers; a plain
  // Uint8Array view over the same memory decodes faster and yields plain Uint8Array fields.
  const input = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  let wire: WireFrame;
  try {
    wire = FrameType.decode(input) as unknown as WireFrame;
  } catch (err) {
    fail('protobuf', err instanceof Error ? err.message : String(err));
  }
  if (wire.version !== WIRE_VERSION) fail('version', `version ${wire.version}, expected ${WIRE_VERSION}`);
  if (!wire.sender) fail('missing', 'frame has no sender');
  // Without a configured width the sender's sets it: one frame never mixes id spaces.
  const idBytes = wantIdBytes ?? wire.sender.guid.length;
  const sender = handleFromWire(wire.sender, idBytes);
  return { version: wire.version, sender, messageId: wire.messageId, body: bodyFromWire(wire, idBytes) };
}

function fail(reason: DecodeReason, detail: string): never {
  throw new FrameDecodeError(reason, detail);
}

/**
 * A padding field's length, within DEFAULTS.maxPaddingBytes: only its length matters (a message is
 * padded to be as large as what it may draw), so the bytes are never kept. Absent or empty: {}.
 */
export function paddingFromWire(p: Uint8Array | undefined): { padding?: number } {
  const n = p?.length ?? 0;
  if (n > DEFAULTS.maxPaddingBytes) fail('tooLarge', `padding of ${n} bytes over ${DEFAULTS.maxPaddingBytes}`);
  return n > 0 ? { padding: n } : {};
}

function bodyFromWire(wire: WireFrame, idBytes: number): Body {
  switch (wire.body) {
    case 'route':
      return { kind: 'route', route: routeFromWire(wire.route!, idBytes) };
    case 'ping':
      return { kind: 'ping', ping: pingFromWire(wire.ping!) };
    case 'pong':
      return { kind: 'pong', pong: pongFromWire(wire.pong!) };
    case 'ack':
      return { kind: 'ack', ack: { frameId: wire.ack!.frameId } };
    case 'direct':
      return { kind: 'direct', direct: directFromWire(wire.direct!) };
    default:
      return fail('emptyBody', 'frame carries no known message');
  }
}

function routeFromWire(r: WireRoute, idBytes: number): RouteMsg {
  if (!r.source) fail('missing', 'route has no source');
  const source = handleFromWire(r.source, idBytes);
  const dest = guidFromWire(r.dest, idBytes);
  if (r.ttl < 1 || r.ttl > DEFAULTS.maxTtl) fail('ttl', `ttl ${r.ttl} outside 1..${DEFAULTS.maxTtl}`);
  if (r.hops > r.ttl) fail('hops', `hops ${r.hops} > ttl ${r.ttl}`);
  // The deepest level is one per digit, and 1-bit digits give the most digits.
  if (r.level > idBytes * 8) fail('level', `level ${r.level} beyond ${idBytes * 8} digits`);
  const msg: Writable<RouteMsg> = {
    source,
    dest,
    fuzzy: r.fuzzy,
    ttl: r.ttl,
    hops: r.hops,
    level: r.level,
    moduleId: r.moduleId,
    payload: new Uint8Array(r.payload), // a copy, not a view into the datagram
  };
  if (r.fragment) msg.fragment = fragmentFromWire(r.fragment);
  if (r.ackWanted) msg.ackWanted = true;
  if (r.routeId) msg.routeId = r.routeId;
  if (r.requestId) msg.requestId = r.requestId;
  if (r.confirm) msg.confirm = r.confirm;
  return msg;
}

function directFromWire(d: WireDirect): DirectMsg {
  if (d.hops > DEFAULTS.maxTtl) fail('hops', `hops ${d.hops} > ${DEFAULTS.maxTtl}`);
  const msg: Writable<DirectMsg> = {
    destCheck: d.destCheck >>> 0,
    moduleId: d.moduleId,
    payload: new Uint8Array(d.payload), // a copy, not a view into the datagram
    hops: d.hops,
  };
  if (d.fragment) msg.fragment = fragmentFromWire(d.fragment);
  const status = d.replyStatus ?? 0;
  if (d.replyTo) {
    if (status >= REPLY_STATUSES.length) fail('reply', `reply status ${status} outside 0..${REPLY_STATUSES.length - 1}`);
    if (status !== 0 && msg.payload.length > 0) fail('reply', `a ${REPLY_STATUSES[status]} reply carries ${msg.payload.length} payload bytes`);
    msg.reply = { replyTo: d.replyTo, status: REPLY_STATUSES[status] };
  } else if (status !== 0) {
    fail('reply', `reply status ${status} without a reply id`);
  }
  return msg;
}

function fragmentFromWire(f: WireFragment): FragmentInfo {
  if (f.count < 2 || f.count > DEFAULTS.maxFragments) {
    fail('fragment', `count ${f.count} outside 2..${DEFAULTS.maxFragments}`);
  }
  if (f.index >= f.count) fail('fragment', `index ${f.index} >= count ${f.count}`);
  return { messageId: f.messageId, index: f.index, count: f.count };
}

/**
 * Validates and copies a decoded NodeHandle: GUID of exactly `idBytes` bytes, V4 with a 4-byte or V6
 * with a 16-byte ip, port 1..65535. Exported so every message carrying a handle checks it the same way.
 */
export function handleFromWire(h: WireHandle, idBytes: number): NodeHandle {
  // The width first: a shared handle of another width must not pass for this one.
  if (h.guid.length !== idBytes || (idBytes !== 20 && idBytes !== 32)) guidFromWire(h.guid, idBytes);
  // The family is checked before sharing, so a shared handle never passes for a malformed one.
  const family = h.family === WIRE_V4 && h.ip.length === 4 ? 4 : h.family === WIRE_V6 && h.ip.length === 16 ? 6 : 0;
  if (family === 0) return fail('address', `family ${h.family} with a ${h.ip.length}-byte ip`);
  // A resolve-only handle is never shared: a shared handle is a full node's, and the flag must neither
  // be lost (an interned unflagged handle for the same fields) nor stick to the fields (routing/resolveOnly.ts).
  if (h.resolveOnly) return { ...buildHandle(h, idBytes, family), resolveOnly: true };
  return handleInterner.intern(h.guid, family, h.ip, h.port, () => buildHandle(h, idBytes, family));
}

/** A new handle from wire fields whose family `handleFromWire` already checked. */
function buildHandle(h: WireHandle, idBytes: number, family: 4 | 6): NodeHandle {
  const guid = guidFromWire(h.guid, idBytes);
  if (h.port < 1 || h.port > 65_535) fail('address', `port ${h.port}`);
  const address: Address = { family, ip: new Uint8Array(h.ip), port: h.port };
  return { guid, address };
}

// Ping and Pong: the security fields travel only when the provider authenticates, so with `none`
// a ping stays the few bytes it always was. Only lengths are checked here ('tooLarge' over a bound,
// 'missing' for a credential without its proof or the reverse); what they prove is the security
// provider's question (security/provider.ts). A challenge shorter than a fresh nonce is not an
// error: the provider simply does not answer it.

function pingFromWire(p: WirePing): Ping {
  const c = p.challenge;
  const admission = p.admission ? { admission: true } : undefined;
  const padding = paddingFromWire(p.padding);
  if (c === undefined || c.length === 0) return { nonce: p.nonce, ...admission, ...padding };
  if (c.length > DEFAULTS.maxNonceBytes) fail('tooLarge', `challenge of ${c.length} bytes over ${DEFAULTS.maxNonceBytes}`);
  return { nonce: p.nonce, challenge: c.slice(), ...admission, ...padding };
}

function pongFromWire(p: WirePong): Pong {
  const credential = p.credential ?? EMPTY;
  const proof = p.proof ?? EMPTY;
  const admit = p.admitBelowUs ? { admitBelowUs: p.admitBelowUs } : undefined;
  if (credential.length === 0 && proof.length === 0) return { nonce: p.nonce, ...admit };
  if (credential.length === 0 || proof.length === 0) fail('missing', 'a pong carries a credential and a proof together or neither');
  if (credential.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `credential of ${credential.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (proof.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `proof of ${proof.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  return { nonce: p.nonce, credential: credential.slice(), proof: proof.slice(), ...admit };
}

function pingToWire(p: Ping): WirePing {
  const admission = p.admission === true;
  const wire: WirePing = p.challenge === undefined ? { nonce: p.nonce, admission } : { nonce: p.nonce, challenge: p.challenge, admission };
  if (p.padding) wire.padding = new Uint8Array(p.padding);
  return wire;
}

function pongToWire(p: Pong): WirePong {
  const admitBelowUs = p.admitBelowUs ?? 0;
  return p.credential === undefined || p.proof === undefined
    ? { nonce: p.nonce, admitBelowUs }
    : { nonce: p.nonce, credential: p.credential, proof: p.proof, admitBelowUs };
}

const EMPTY = new Uint8Array(0);

function guidFromWire(bytes: Uint8Array, idBytes: number): Guid {
  // idBytes may come from the sender's own GUID, so it is itself checked here.
  if (bytes.length !== idBytes || (idBytes !== 20 && idBytes !== 32)) {
    fail('guid', `${bytes.length}-byte GUID where ${idBytes === 20 || idBytes === 32 ? idBytes : '20 or 32'} were expected`);
  }
  return Guid.fromBytes(bytes); // copies
}

function frameToWire(frame: Frame): object {
  const body = frame.body;
  const sender = handleToWire(frame.sender);
  switch (body.kind) {
    case 'route':
      return { version: frame.version, sender, messageId: frame.messageId, route: routeToWire(body.route) };
    case 'ping':
      return { version: frame.version, sender, messageId: frame.messageId, ping: pingToWire(body.ping) };
    case 'pong':
      return { version: frame.version, sender, messageId: frame.messageId, pong: pongToWire(body.pong) };
    case 'ack':
      return { version: frame.version, sender, messageId: frame.messageId, ack: { frameId: body.ack.frameId } };
    case 'direct':
      return { version: frame.version, sender, messageId: frame.messageId, direct: directToWire(body.direct) };
    default: {
      const unknown: never = body;
      throw new InvalidArgumentError(`cannot encode body ${JSON.stringify(unknown)}`);
    }
  }
}

function routeToWire(r: RouteMsg): WireRoute {
  const f = r.fragment;
  return {
    source: handleToWire(r.source),
    dest: r.dest.bytes,
    fuzzy: r.fuzzy,
    ttl: r.ttl,
    hops: r.hops,
    level: r.level,
    moduleId: r.moduleId,
    payload: r.payload,
    fragment: f ? { messageId: f.messageId, index: f.index, count: f.count } : null,
    ackWanted: r.ackWanted === true,
    routeId: r.routeId ?? 0,
    requestId: r.requestId ?? 0,
    confirm: r.confirm ?? 0,
  };
}

function directToWire(d: DirectMsg): WireDirect {
  const f = d.fragment;
  return {
    destCheck: d.destCheck, moduleId: d.moduleId, payload: d.payload, hops: d.hops,
    fragment: f ? { messageId: f.messageId, index: f.index, count: f.count } : null,
    replyTo: d.reply?.replyTo ?? 0,
    replyStatus: d.reply ? REPLY_STATUSES.indexOf(d.reply.status) : 0,
  };
}

function handleToWire(h: NodeHandle): WireHandle {
  const a = h.address;
  const wire: WireHandle = { guid: h.guid.bytes, family: a.family === 4 ? WIRE_V4 : WIRE_V6, ip: a.ip, port: a.port };
  // Only when set: a full node's handle stays the bytes it always was.
  if (h.resolveOnly) wire.resolveOnly = true;
  return wire;
}
