/**
 * The wire edge for membership (join, neighbour tables, leave): bytes <->
 * MembershipMsg (membership/messages.ts). A MembershipMsg is not a frame body; it is the payload of a RouteMsg
 * whose moduleId is MEMBERSHIP_MODULE_ID, so it is decoded where the membership module receives a
 * route's payload and encoded where it sends one (DESIGN.md §3, rule 3). Nothing past this module
 * sees a protobuf object.
 *
 * Decoding checks every limit written beside the MembershipMsg messages in messages.proto and throws
 * FrameDecodeError with a reason, as the frame and location codecs do, and copies every bytes field
 * it keeps.
 *
 * Encoding builds plain objects and encodes them directly, and checks nothing beyond what the
 * caller's types say: a sender keeps its lists within DEFAULTS, or every receiver drops the message.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { handleFromWire, paddingFromWire, type DecodeOptions, type WireHandle } from './codec';
import { checkCount, checkIdBytesOption, checkMs, decodePayload, fail, handleToWire, schema } from './fields';
import type {
  Adopt,
  JoinCandidates,
  JoinMulticast,
  JoinMulticastAck,
  JoinReply,
  JoinRequest,
  LeaveNotice,
  MembershipMsg,
  NeighbourReply,
  NeighbourRequest,
  NeighbourRetry,
} from '../membership/messages';
import type { NodeHandle } from '../routing/handle';
import type { Writable } from '../routing/messages';

const MembershipType = schema.lookupType('tapestry.MembershipMsg');

/** Most digits in an id space: one per bit of the widest GUID (32 bytes) with 1-bit digits. */
const WIDEST_ID_BYTES = 32;
/** Most digit values a level can have (8-bit digits). */
const WIDEST_BASE = 256;

// The shapes protobufjs gives back for the MembershipMsg messages (camelCase names; absent
// sub-messages are null, absent scalars read as their zero value, absent repeated fields as empty
// arrays). The encoder is handed the same shapes.
interface WireJoinRequest {
  joining: WireHandle | null;
  joinId: number;
}
interface WireMulticast {
  joining: WireHandle | null;
  joinId: number;
  level: number;
  multicastId: number;
  holes: readonly number[];
}
interface WireMulticastAck {
  multicastId: number;
  reached: WireHandle[];
}
interface WireJoinReply {
  joinId: number;
  surrogate: WireHandle | null;
  level: number;
  neighbours: WireHandle[];
}
interface WireNeighbourRequest {
  requestId: number;
  level: number;
  perSlot?: number;
  leafSet?: boolean;
  slots?: number;
  cookie?: Uint8Array;
  padding?: Uint8Array;
}
interface WireNeighbourRetry {
  requestId: number;
  cookie: Uint8Array;
}
interface WireNeighbourReply {
  requestId: number;
  level: number;
  nodes: WireHandle[];
}
interface WireAdopt {
  rttMs: number;
  listsYou: boolean;
  answer: boolean;
  expectListed?: boolean;
  padding?: Uint8Array;
}
interface WireLeave {
  leaving: WireHandle | null;
  replacement: WireHandle | null;
  issuedAtMs?: number;
  credential?: Uint8Array;
  signature?: Uint8Array;
}
interface WireCandidates {
  nodes: WireHandle[];
}
interface WireMembership {
  /** The oneof's virtual field: which body member is set. */
  body?: string;
  joinRequest?: WireJoinRequest | null;
  multicast?: WireMulticast | null;
  multicastAck?: WireMulticastAck | null;
  joinReply?: WireJoinReply | null;
  neighbourRequest?: WireNeighbourRequest | null;
  neighbourReply?: WireNeighbourReply | null;
  adopt?: WireAdopt | null;
  leave?: WireLeave | null;
  candidates?: WireCandidates | null;
  neighbourRetry?: WireNeighbourRetry | null;
}

/** Encodes a membership message as the payload of a RouteMsg with moduleId MEMBERSHIP_MODULE_ID. */
export function encodeMembership(msg: MembershipMsg): Uint8Array {
  return MembershipType.encode(membershipToWire(msg)).finish();
}

/**
 * Decodes and validates a membership message (a MEMBERSHIP_MODULE_ID route's payload). Throws
 * FrameDecodeError (a DecodeError) with a reason for anything malformed; never any other exception
 * for bad input. The result shares no memory with `bytes`.
 *
 * `idBytes` is this node's GUID width; without it the first GUID in the message sets the width and
 * every other must match. A message without GUIDs (neighbourRequest, adopt, empty lists) then has its
 * level checked against the widest id space, so a node should pass its width.
 */
export function decodeMembership(bytes: Uint8Array, opts?: DecodeOptions): MembershipMsg {
  const wantIdBytes = opts?.idBytes;
  checkIdBytesOption(wantIdBytes);
  const wire = decodePayload<WireMembership>(MembershipType, bytes, 'membership message');
  const width = new Width(wantIdBytes);
  // protobufjs keeps only the last oneof member it read, so `body` names at most one.
  switch (wire.body) {
    case 'joinRequest':
      return { kind: 'joinRequest', joinRequest: joinRequestFromWire(wire.joinRequest!, width) };
    case 'multicast':
      return { kind: 'multicast', multicast: multicastFromWire(wire.multicast!, width) };
    case 'multicastAck':
      return { kind: 'multicastAck', multicastAck: multicastAckFromWire(wire.multicastAck!, width) };
    case 'joinReply':
      return { kind: 'joinReply', joinReply: joinReplyFromWire(wire.joinReply!, width) };
    case 'neighbourRequest':
      return { kind: 'neighbourRequest', neighbourRequest: neighbourRequestFromWire(wire.neighbourRequest!, width) };
    case 'neighbourReply':
      return { kind: 'neighbourReply', neighbourReply: neighbourReplyFromWire(wire.neighbourReply!, width) };
    case 'adopt':
      return { kind: 'adopt', adopt: adoptFromWire(wire.adopt!) };
    case 'leave':
      return { kind: 'leave', leave: leaveFromWire(wire.leave!, width) };
    case 'candidates':
      return { kind: 'candidates', candidates: candidatesFromWire(wire.candidates!, width) };
    case 'neighbourRetry':
      return { kind: 'neighbourRetry', neighbourRetry: neighbourRetryFromWire(wire.neighbourRetry!) };
    default:
      return fail('emptyBody', 'membership message carries no known body');
  }
}

/**
 * The GUID width of one message, so no message mixes id spaces: the caller's, or else set by the
 * first GUID read (whose own width the GUID check then holds to 20 or 32).
 */
class Width {
  constructor(public idBytes: number | undefined) {}

  handle(h: WireHandle | null, missing: string): NodeHandle {
    if (!h) fail('missing', missing);
    this.idBytes ??= h.guid.length;
    return handleFromWire(h, this.idBytes); // the frame codec's checks: GUID width, family, ip, port
  }

  handles(list: readonly WireHandle[], max: number, what: string): NodeHandle[] {
    // The bound first, so an oversized list costs no validation work.
    checkCount(list.length, max, 'count', what);
    const out = new Array<NodeHandle>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = this.handle(list[i], what);
    return out;
  }

  /**
   * A routing level: 0 .. the number of digits, which is largest (one per bit) with 1-bit digits.
   * Called after the message's GUIDs are read, so a later field's GUID still sets the width.
   */
  level(level: number): void {
    const bits = (this.idBytes ?? WIDEST_ID_BYTES) * 8;
    if (level > bits) fail('level', `level ${level} beyond ${bits} digits`);
  }
}

function joinRequestFromWire(j: WireJoinRequest, width: Width): JoinRequest {
  const joining = width.handle(j.joining, 'join request has no joining node');
  return { joining, joinId: j.joinId };
}

function multicastFromWire(m: WireMulticast, width: Width): JoinMulticast {
  const joining = width.handle(m.joining, 'join multicast has no joining node');
  width.level(m.level);
  checkCount(m.holes.length, DEFAULTS.maxJoinHoles, 'count', 'holes');
  // A hole is level * base + digit. The decoder knows the id width but not the digit width, so the
  // bound is the most levels (1-bit digits) times the widest digit (8-bit): loose, but it holds for
  // every digit width and still turns away numbers no table of this id width has a slot for.
  // (The joining handle above has set the width.)
  const bound = width.idBytes! * 8 * WIDEST_BASE;
  const holes = new Array<number>(m.holes.length);
  for (let i = 0; i < m.holes.length; i++) {
    const hole = m.holes[i];
    if (hole >= bound) fail('hole', `hole ${hole} >= ${bound}`);
    holes[i] = hole;
  }
  return { joining, joinId: m.joinId, level: m.level, multicastId: m.multicastId, holes };
}

function multicastAckFromWire(a: WireMulticastAck, width: Width): JoinMulticastAck {
  const reached = width.handles(a.reached, DEFAULTS.maxJoinReached, 'reached handles');
  return { multicastId: a.multicastId, reached };
}

function joinReplyFromWire(r: WireJoinReply, width: Width): JoinReply {
  const surrogate = width.handle(r.surrogate, 'join reply has no surrogate');
  const neighbours = width.handles(r.neighbours, DEFAULTS.maxJoinReached, 'neighbour handles');
  width.level(r.level);
  return { joinId: r.joinId, surrogate, level: r.level, neighbours };
}

function neighbourRequestFromWire(r: WireNeighbourRequest, width: Width): NeighbourRequest {
  width.level(r.level);
  const out: Writable<NeighbourRequest> = { requestId: r.requestId, level: r.level };
  if (r.perSlot) out.perSlot = r.perSlot;
  if (r.leafSet) out.leafSet = true;
  if (r.slots) out.slots = r.slots;
  if (r.cookie && r.cookie.length > 0) out.cookie = cookieFromWire(r.cookie);
  return { ...out, ...paddingFromWire(r.padding) };
}

/** Largest cookie a NeighbourRequest or NeighbourRetry carries (bytes). */
const MAX_COOKIE_BYTES = 64;

function cookieFromWire(c: Uint8Array): Uint8Array {
  if (c.length > MAX_COOKIE_BYTES) fail('tooLarge', `cookie of ${c.length} bytes over ${MAX_COOKIE_BYTES}`);
  return c.slice();
}

function neighbourRetryFromWire(r: WireNeighbourRetry): NeighbourRetry {
  if (!r.cookie || r.cookie.length === 0) fail('missing', 'a neighbour retry without its cookie');
  return { requestId: r.requestId, cookie: cookieFromWire(r.cookie) };
}

function neighbourReplyFromWire(r: WireNeighbourReply, width: Width): NeighbourReply {
  const nodes = width.handles(r.nodes, DEFAULTS.maxNeighbourReply, 'node handles');
  width.level(r.level);
  return { requestId: r.requestId, level: r.level, nodes };
}

function adoptFromWire(a: WireAdopt): Adopt {
  checkMs(a.rttMs, 'rtt', 'rttMs');
  const out: Writable<Adopt> = { rttMs: a.rttMs, listsYou: a.listsYou };
  if (a.answer) out.answer = true;
  if (a.expectListed) out.expectListed = true;
  return { ...out, ...paddingFromWire(a.padding) };
}

function leaveFromWire(l: WireLeave, width: Width): LeaveNotice {
  const leaving = width.handle(l.leaving, 'leave notice has no leaving node');
  // Optional: the key is left out when absent, so the decoded object has the fields it was sent with.
  const out: Writable<LeaveNotice> = l.replacement ? { leaving, replacement: width.handle(l.replacement, 'replacement') } : { leaving };
  const credential = l.credential ?? EMPTY;
  const signature = l.signature ?? EMPTY;
  const t = l.issuedAtMs ?? 0;
  // The signed statement: all of it or none (a `none` node's leave carries none of it).
  if (credential.length === 0 && signature.length === 0 && t === 0) return out;
  if (credential.length === 0 || signature.length === 0) fail('missing', 'a leave notice carries a credential and a signature together or neither');
  if (credential.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `credential of ${credential.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (signature.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `signature of ${signature.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  if (!Number.isSafeInteger(t) || t < 0) fail('rtt', `leave issued at ${t}: not a whole number of ms`);
  out.issuedAtMs = t;
  out.credential = Uint8Array.from(credential);
  out.signature = Uint8Array.from(signature);
  return out;
}

const EMPTY = new Uint8Array(0);

function candidatesFromWire(c: WireCandidates, width: Width): JoinCandidates {
  return { nodes: width.handles(c.nodes, DEFAULTS.maxJoinCandidates, 'candidate handles') };
}

function membershipToWire(msg: MembershipMsg): WireMembership {
  switch (msg.kind) {
    case 'joinRequest': {
      const j = msg.joinRequest;
      return { joinRequest: { joining: handleToWire(j.joining), joinId: j.joinId } };
    }
    case 'multicast': {
      const m = msg.multicast;
      return {
        multicast: {
          joining: handleToWire(m.joining),
          joinId: m.joinId,
          level: m.level,
          multicastId: m.multicastId,
          holes: m.holes,
        },
      };
    }
    case 'multicastAck': {
      const a = msg.multicastAck;
      return { multicastAck: { multicastId: a.multicastId, reached: handlesToWire(a.reached) } };
    }
    case 'joinReply': {
      const r = msg.joinReply;
      return {
        joinReply: { joinId: r.joinId, surrogate: handleToWire(r.surrogate), level: r.level, neighbours: handlesToWire(r.neighbours) },
      };
    }
    case 'neighbourRequest': {
      const r = msg.neighbourRequest;
      const wire: WireNeighbourRequest = { requestId: r.requestId, level: r.level, perSlot: r.perSlot ?? 0, leafSet: r.leafSet === true };
      // Written only when set, so every other request keeps its bytes.
      if (r.slots) wire.slots = r.slots;
      if (r.cookie) wire.cookie = r.cookie;
      if (r.padding) wire.padding = new Uint8Array(r.padding);
      return { neighbourRequest: wire };
    }
    case 'neighbourReply': {
      const r = msg.neighbourReply;
      return { neighbourReply: { requestId: r.requestId, level: r.level, nodes: handlesToWire(r.nodes) } };
    }
    case 'adopt':
      return { adopt: { rttMs: msg.adopt.rttMs, listsYou: msg.adopt.listsYou, answer: msg.adopt.answer === true, expectListed: msg.adopt.expectListed === true, ...(msg.adopt.padding ? { padding: new Uint8Array(msg.adopt.padding) } : {}) } };
    case 'leave': {
      const l = msg.leave;
      const wire: WireLeave = { leaving: handleToWire(l.leaving), replacement: l.replacement ? handleToWire(l.replacement) : null };
      // Written only when signed, so a `none` node's leave keeps its bytes.
      if (l.signature !== undefined && l.credential !== undefined) {
        wire.issuedAtMs = l.issuedAtMs ?? 0;
        wire.credential = l.credential;
        wire.signature = l.signature;
      }
      return { leave: wire };
    }
    case 'candidates':
      return { candidates: { nodes: handlesToWire(msg.candidates.nodes) } };
    case 'neighbourRetry':
      return { neighbourRetry: { requestId: msg.neighbourRetry.requestId, cookie: msg.neighbourRetry.cookie } };
    default: {
      const unknown: never = msg;
      throw new InvalidArgumentError(`cannot encode membership message ${JSON.stringify(unknown)}`);
    }
  }
}

function handlesToWire(handles: readonly NodeHandle[]): WireHandle[] {
  const out = new Array<WireHandle>(handles.length);
  for (let i = 0; i < handles.length; i++) out[i] = handleToWire(handles[i]);
  return out;
}
