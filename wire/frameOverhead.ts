/**
 * How many bytes a frame takes beyond its payload, at the worst: what fragmenting sizes its pieces by,
 * so that every piece fits the MTU on every hop.
 */
import { DEFAULTS } from '../defaults';
import { REPLY_STATUSES, WIRE_VERSION, type Frame, type NodeHandle, type RouteMsg, type Writable } from '../routing/messages';
import { encodedFrameSize } from './frameEncode';

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
