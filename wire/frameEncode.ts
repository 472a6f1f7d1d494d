/**
 * Frame -> datagram: encoding builds plain objects and encodes them directly, with no
 * create/fromObject/toObject on the per-hop path.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError, MessageTooLargeError } from '../errors';
import type { Guid } from '../routing/guid';
import { REPLY_STATUSES, type DirectMsg, type Frame, type RouteMsg } from '../routing/messages';
import { FrameType, type WireDirect, type WireRoute } from './frameSchema';
import { handleToWire } from './handleWire';
import { pingToWire, pongToWire } from './pingWire';

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

/** The first 4 bytes of a GUID as an unsigned 32-bit number: a DirectMsg's dest_check. */
export function guidCheck(guid: Guid): number {
  const b = guid.bytes;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
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
