/**
 * The Frame schema: messages.proto loaded once, and the plain shapes protobufjs gives back for a
 * Frame and its bodies (wire/frameDecode.ts reads them, wire/frameEncode.ts builds them).
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

// Loaded once: the schema is part of the program, so a missing or broken file should fail at start-up.
const root = protobuf.loadSync(path.join(__dirname, '..', 'messages.proto'));
/** The Frame message type: one datagram. */
export const FrameType = root.lookupType('tapestry.Frame');
const families = root.lookupEnum('tapestry.AddressFamily').values;
/** AddressFamily.V4 on the wire. */
export const WIRE_V4 = families.V4;
/** AddressFamily.V6 on the wire. */
export const WIRE_V6 = families.V6;

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
export interface WireFragment {
  messageId: number;
  index: number;
  count: number;
}
export interface WireRoute {
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
export interface WireDirect {
  destCheck: number;
  moduleId: number;
  payload: Uint8Array;
  fragment?: WireFragment | null;
  hops: number;
  replyTo?: number;
  replyStatus?: number;
}
export interface WireNonce {
  nonce: number;
}
export interface WirePing extends WireNonce {
  challenge?: Uint8Array;
  admission?: boolean;
  padding?: Uint8Array;
}
export interface WirePong extends WireNonce {
  credential?: Uint8Array;
  proof?: Uint8Array;
  admitBelowUs?: number;
}
export interface WireFrame {
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
