/**
 * The wire edge of Mobile Tapestry: bytes <-> MobileMsg (upcalls/mobile/messages.ts), the payload of
 * a direct message carrying MODULE_IDS.mobile. Decoding checks every limit written beside MobileMsg
 * in messages.proto and throws FrameDecodeError with a reason (the module counts and drops the
 * message), and copies every bytes field it keeps.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { DecodeOptions, WireHandle } from './codec';
import { checkIdBytesOption, decodePayload, fail, guidFromWire, handleToWire, requiredHandle, schema } from './fields';
import type { MobileMsg, ReplyStatus } from '../upcalls/mobile/messages';

const MobileType = schema.lookupType('tapestry.MobileMsg');
const STATUSES: readonly ReplyStatus[] = ['ok', 'refused', 'unknown'];

interface WireMobile {
  body?: string;
  attach?: { mobile: Uint8Array; requestId: number } | null;
  detach?: { mobile: Uint8Array; requestId: number; newProxy: WireHandle | null } | null;
  reply?: { mobile: Uint8Array; requestId: number; status: number } | null;
  data?: { mobile: Uint8Array; sender: WireHandle | null; sendId: number; forwards: number; payload: Uint8Array } | null;
  ack?: { mobile: Uint8Array; sendId: number; proxy: WireHandle | null } | null;
  nack?: { mobile: Uint8Array; sendId: number } | null;
}

/** Encodes a Mobile Tapestry message (a module payload). */
export function encodeMobile(msg: MobileMsg): Uint8Array {
  return MobileType.encode(mobileToWire(msg)).finish();
}

function mobileToWire(msg: MobileMsg): WireMobile {
  const mobile = msg.mobile.bytes;
  switch (msg.kind) {
    case 'attach':
      return { attach: { mobile, requestId: msg.requestId } };
    case 'detach':
      return { detach: { mobile, requestId: msg.requestId, newProxy: msg.newProxy ? handleToWire(msg.newProxy) : null } };
    case 'reply':
      return { reply: { mobile, requestId: msg.requestId, status: STATUSES.indexOf(msg.status) + 1 } };
    case 'data':
      return { data: { mobile, sender: handleToWire(msg.sender), sendId: msg.sendId, forwards: msg.forwards, payload: msg.payload } };
    case 'ack':
      return { ack: { mobile, sendId: msg.sendId, proxy: handleToWire(msg.proxy) } };
    case 'nack':
      return { nack: { mobile, sendId: msg.sendId } };
  }
}

/**
 * Decodes and validates a Mobile Tapestry message. Throws FrameDecodeError (a DecodeError) with a
 * reason for anything malformed, never another exception for bad input. Shares no memory with `bytes`.
 */
export function decodeMobile(bytes: Uint8Array, opts?: DecodeOptions): MobileMsg {
  checkIdBytesOption(opts?.idBytes);
  const wire = decodePayload<WireMobile>(MobileType, bytes, 'mobile message');
  switch (wire.body) {
    case 'attach': {
      const w = wire.attach!;
      return { kind: 'attach', mobile: mobileFromWire(w.mobile, opts), requestId: idFromWire(w.requestId, 'request id') };
    }
    case 'detach': {
      const w = wire.detach!;
      const mobile = mobileFromWire(w.mobile, opts);
      const requestId = idFromWire(w.requestId, 'request id');
      if (!w.newProxy) return { kind: 'detach', mobile, requestId };
      return { kind: 'detach', mobile, requestId, newProxy: requiredHandle(w.newProxy, mobile.bytes.length, 'no new proxy') };
    }
    case 'reply': {
      const w = wire.reply!;
      const mobile = mobileFromWire(w.mobile, opts);
      if (!(w.status >= 1 && w.status <= STATUSES.length)) fail('emptyBody', `unknown reply status ${w.status}`);
      return { kind: 'reply', mobile, requestId: idFromWire(w.requestId, 'request id'), status: STATUSES[w.status - 1] };
    }
    case 'data': {
      const w = wire.data!;
      const mobile = mobileFromWire(w.mobile, opts);
      const sender = requiredHandle(w.sender, mobile.bytes.length, 'mobile data names no sender');
      if (w.forwards > DEFAULTS.mobileMaxForwards) fail('count', `${w.forwards} forwards exceed ${DEFAULTS.mobileMaxForwards}`);
      if (w.payload.length > DEFAULTS.mobileMaxPayloadBytes) fail('payload', `${w.payload.length} payload bytes exceed ${DEFAULTS.mobileMaxPayloadBytes}`);
      return { kind: 'data', mobile, sender, sendId: idFromWire(w.sendId, 'send id'), forwards: w.forwards, payload: Uint8Array.from(w.payload) };
    }
    case 'ack': {
      const w = wire.ack!;
      const mobile = mobileFromWire(w.mobile, opts);
      return { kind: 'ack', mobile, sendId: idFromWire(w.sendId, 'send id'), proxy: requiredHandle(w.proxy, mobile.bytes.length, 'ack names no proxy') };
    }
    case 'nack': {
      const w = wire.nack!;
      return { kind: 'nack', mobile: mobileFromWire(w.mobile, opts), sendId: idFromWire(w.sendId, 'send id') };
    }
    default:
      return fail('emptyBody', 'mobile message carries no known body');
  }
}

/** The mobile GUID: the configured width, or (without one) 20 or 32 bytes, which then sets the message's width. */
function mobileFromWire(bytes: Uint8Array, opts?: DecodeOptions): Guid {
  return guidFromWire(bytes, opts?.idBytes ?? bytes.length, 'mobile');
}

/** A request or send id: 0 means the field is missing. */
function idFromWire(id: number, what: string): number {
  if (id === 0) fail('missing', `${what} is 0`);
  return id;
}
