/**
 * The wire edge of the anycast module: bytes <-> AnycastMsg (upcalls/anycast/messages.ts), the
 * payload of a route, locate or direct message carrying MODULE_IDS.anycast. Decoding checks every
 * limit written beside AnycastMsg in messages.proto and throws FrameDecodeError with a reason (the
 * module counts and drops the message), and copies every bytes field it keeps.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { DecodeOptions, WireHandle } from './codec';
import { checkCount, checkIdBytesOption, decodePayload, fail, guidFromWire, guidsToWire, handleToWire, requiredHandle, schema } from './fields';
import type { AnycastMsg, DataMsg, GroupOpKind, GroupStatus, NackReason } from '../upcalls/anycast/messages';

const AnycastType = schema.lookupType('tapestry.AnycastMsg');

const OPS: readonly GroupOpKind[] = ['announce', 'teardown', 'check'];
const STATUSES: readonly GroupStatus[] = ['open', 'unknown', 'tornDown', 'refused'];
const REASONS: readonly NackReason[] = ['notMember', 'noOtherMember', 'tooManyForwards'];

interface WireAnycast {
  body?: string;
  op?: { op: number; group: Uint8Array; requestId: number } | null;
  status?: { group: Uint8Array; requestId: number; status: number } | null;
  data?: { group: Uint8Array; sender: WireHandle | null; sendId: number; forwards: number; visited: Uint8Array[]; payload: Uint8Array } | null;
  ack?: { group: Uint8Array; sendId: number; member: WireHandle | null } | null;
  nack?: { group: Uint8Array; sendId: number; reason: number } | null;
}

/** Encodes an anycast message (a module payload). */
export function encodeAnycast(msg: AnycastMsg): Uint8Array {
  return AnycastType.encode(anycastToWire(msg)).finish();
}

function anycastToWire(msg: AnycastMsg): WireAnycast {
  switch (msg.kind) {
    case 'op':
      return { op: { op: OPS.indexOf(msg.op) + 1, group: msg.group.bytes, requestId: msg.requestId } };
    case 'status':
      return { status: { group: msg.group.bytes, requestId: msg.requestId, status: STATUSES.indexOf(msg.status) + 1 } };
    case 'data':
      return {
        data: {
          group: msg.group.bytes, sender: handleToWire(msg.sender), sendId: msg.sendId, forwards: msg.forwards,
          visited: guidsToWire(msg.visited), payload: msg.payload,
        },
      };
    case 'ack':
      return { ack: { group: msg.group.bytes, sendId: msg.sendId, member: handleToWire(msg.member) } };
    case 'nack':
      return { nack: { group: msg.group.bytes, sendId: msg.sendId, reason: REASONS.indexOf(msg.reason) + 1 } };
  }
}

/**
 * Decodes and validates an anycast message. Throws FrameDecodeError (a DecodeError) with a reason for
 * anything malformed, never another exception for bad input. The result shares no memory with `bytes`.
 */
export function decodeAnycast(bytes: Uint8Array, opts?: DecodeOptions): AnycastMsg {
  checkIdBytesOption(opts?.idBytes);
  const wire = decodePayload<WireAnycast>(AnycastType, bytes, 'anycast message');
  switch (wire.body) {
    case 'op': {
      const w = wire.op!;
      const group = groupFromWire(w.group, opts);
      return { kind: 'op', op: enumFromWire(OPS, w.op, 'op'), group, requestId: idFromWire(w.requestId, 'request id') };
    }
    case 'status': {
      const w = wire.status!;
      const group = groupFromWire(w.group, opts);
      return { kind: 'status', group, requestId: idFromWire(w.requestId, 'request id'), status: enumFromWire(STATUSES, w.status, 'status') };
    }
    case 'data':
      return dataFromWire(wire.data!, opts);
    case 'ack': {
      const w = wire.ack!;
      const group = groupFromWire(w.group, opts);
      return { kind: 'ack', group, sendId: idFromWire(w.sendId, 'send id'), member: requiredHandle(w.member, group.bytes.length, 'ack names no member') };
    }
    case 'nack': {
      const w = wire.nack!;
      const group = groupFromWire(w.group, opts);
      return { kind: 'nack', group, sendId: idFromWire(w.sendId, 'send id'), reason: enumFromWire(REASONS, w.reason, 'nack reason') };
    }
    default:
      return fail('emptyBody', 'anycast message carries no known body');
  }
}

function dataFromWire(w: NonNullable<WireAnycast['data']>, opts?: DecodeOptions): DataMsg {
  const group = groupFromWire(w.group, opts);
  const idBytes = group.bytes.length;
  const sender = requiredHandle(w.sender, idBytes, 'anycast data names no sender');
  if (w.forwards > DEFAULTS.anycastMaxForwards) fail('count', `${w.forwards} forwards exceed ${DEFAULTS.anycastMaxForwards}`);
  checkCount(w.visited.length, DEFAULTS.anycastMaxForwards, 'count', 'visited GUIDs');
  const visited = w.visited.map((g) => guidFromWire(g, idBytes, 'visited'));
  if (w.payload.length > DEFAULTS.anycastMaxPayloadBytes) fail('payload', `${w.payload.length} payload bytes exceed ${DEFAULTS.anycastMaxPayloadBytes}`);
  return {
    kind: 'data', group, sender, sendId: idFromWire(w.sendId, 'send id'), forwards: w.forwards, visited, payload: Uint8Array.from(w.payload),
  };
}

/** The group GUID: the configured width, or (without one) 20 or 32 bytes, which then sets the message's width. */
function groupFromWire(bytes: Uint8Array, opts?: DecodeOptions): Guid {
  return guidFromWire(bytes, opts?.idBytes ?? bytes.length, 'group');
}

/** A request or send id: 0 means the field is missing. */
function idFromWire(id: number, what: string): number {
  if (id === 0) fail('missing', `${what} is 0`);
  return id;
}

/** A 1-based enum value on the wire; anything else is a kind this version does not know. */
function enumFromWire<T>(values: readonly T[], n: number, what: string): T {
  if (!(n >= 1 && n <= values.length)) fail('emptyBody', `unknown ${what} ${n}`);
  return values[n - 1];
}
