/**
 * Datagram -> Frame: decoding checks every limit written in messages.proto, so a frame that gets
 * through is safe to act on, and copies every bytes field it keeps (protobufjs hands out views into
 * the datagram).
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { REPLY_STATUSES, WIRE_VERSION, type Body, type DirectMsg, type FragmentInfo, type Frame, type RouteMsg, type Writable } from '../routing/messages';
import { fail, type DecodeOptions } from './decodeError';
import { FrameType, type WireDirect, type WireFragment, type WireFrame, type WireRoute } from './frameSchema';
import { guidFromWire, handleFromWire } from './handleWire';
import { pingFromWire, pongFromWire } from './pingWire';

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
