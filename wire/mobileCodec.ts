/**
 * The wire edge of Mobile Tapestry: bytes <-> MobileMsg (upcalls/mobile/messages.ts), the payload of
 * a direct message carrying MODULE_IDS.mobile. Decoding checks every limit written beside MobileMsg
 * in messages.proto and throws FrameDecodeError with a reason (the module counts and drops the
 * message), and copies every bytes field it keeps.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { DecodeOptions, WireHandle } from './codec';
import { checkCount, checkIdBytesOption, decodePayload, fail, guidFromWire, handleToWire, requiredHandle, schema } from './fields';
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
  groupJoin?: { mobile: Uint8Array; group: Uint8Array; requestId: number } | null;
  groupAttach?: { group: Uint8Array; requestId: number; members: Array<{ mobile: Uint8Array; node: WireHandle | null }> } | null;
  groupDetach?: { group: Uint8Array; requestId: number; newProxy: WireHandle | null } | null;
  redirect?: { mobile: Uint8Array; group: Uint8Array; sendId: number } | null;
  groupProxy?: { group: Uint8Array; proxy: WireHandle | null } | null;
}

/** Encodes a Mobile Tapestry message (a module payload). */
export function encodeMobile(msg: MobileMsg): Uint8Array {
  return MobileType.encode(mobileToWire(msg)).finish();
}

function mobileToWire(msg: MobileMsg): WireMobile {
  switch (msg.kind) {
    case 'groupJoin':
      return { groupJoin: { mobile: msg.mobile.bytes, group: msg.group.bytes, requestId: msg.requestId } };
    case 'groupAttach':
      return { groupAttach: { group: msg.group.bytes, requestId: msg.requestId, members: msg.members.map((m) => ({ mobile: m.mobile.bytes, node: handleToWire(m.node) })) } };
    case 'groupDetach':
      return { groupDetach: { group: msg.group.bytes, requestId: msg.requestId, newProxy: msg.newProxy ? handleToWire(msg.newProxy) : null } };
    case 'redirect':
      return { redirect: { mobile: msg.mobile.bytes, group: msg.group.bytes, sendId: msg.sendId } };
    case 'groupProxy':
      return { groupProxy: { group: msg.group.bytes, proxy: handleToWire(msg.proxy) } };
  }
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
    case 'groupJoin': {
      const w = wire.groupJoin!;
      const mobile = mobileFromWire(w.mobile, opts);
      return { kind: 'groupJoin', mobile, group: guidFromWire(w.group, mobile.bytes.length, 'group'), requestId: idFromWire(w.requestId, 'request id') };
    }
    case 'groupAttach':
      return groupAttachFromWire(wire.groupAttach!, opts);
    case 'groupDetach': {
      const w = wire.groupDetach!;
      const group = mobileFromWire(w.group, opts);
      const requestId = idFromWire(w.requestId, 'request id');
      if (!w.newProxy) return { kind: 'groupDetach', group, requestId };
      return { kind: 'groupDetach', group, requestId, newProxy: requiredHandle(w.newProxy, group.bytes.length, 'no new proxy') };
    }
    case 'redirect': {
      const w = wire.redirect!;
      const mobile = mobileFromWire(w.mobile, opts);
      return { kind: 'redirect', mobile, group: guidFromWire(w.group, mobile.bytes.length, 'group'), sendId: idFromWire(w.sendId, 'send id') };
    }
    case 'groupProxy': {
      const w = wire.groupProxy!;
      const group = mobileFromWire(w.group, opts);
      return { kind: 'groupProxy', group, proxy: requiredHandle(w.proxy, group.bytes.length, 'group proxy names no proxy') };
    }
    default:
      return fail('emptyBody', 'mobile message carries no known body');
  }
}

/** A group attach: 1 .. mobileMaxGroupMembers members with distinct mobile GUIDs, each naming its node. */
function groupAttachFromWire(w: NonNullable<WireMobile['groupAttach']>, opts?: DecodeOptions): MobileMsg {
  const group = mobileFromWire(w.group, opts);
  const requestId = idFromWire(w.requestId, 'request id');
  const list = w.members ?? [];
  checkCount(list.length, DEFAULTS.mobileMaxGroupMembers, 'count', 'group members');
  if (list.length === 0) fail('count', 'a group attach lists no member');
  const seen = new Set<string>();
  const members = list.map((m) => {
    const mobile = guidFromWire(m.mobile, group.bytes.length, 'member');
    if (seen.has(mobile.hex)) fail('count', `member ${mobile.hex} listed twice`);
    seen.add(mobile.hex);
    return { mobile, node: requiredHandle(m.node, group.bytes.length, 'group member names no node') };
  });
  return { kind: 'groupAttach', group, requestId, members };
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
