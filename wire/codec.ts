/**
 * The wire edge: bytes <-> domain frames (routing/messages.ts). Only wire/ imports protobufjs;
 * nothing past it sees a protobuf object (DESIGN.md §3, rule 3). This file is the edge's one door,
 * gathering its parts:
 *
 * - frameDecode.ts: decoding checks every limit written in messages.proto, so a frame that gets
 *   through is safe to act on, and copies every bytes field it keeps (protobufjs hands out views
 *   into the datagram);
 * - frameEncode.ts: encoding builds plain objects and encodes them directly, with no
 *   create/fromObject/toObject on the per-hop path; frameOverhead.ts, the bytes beyond a payload;
 * - decodeError.ts (why a frame was rejected), frameSchema.ts (the schema and the shapes protobufjs
 *   gives back), handleWire.ts (handles and GUIDs), pingWire.ts (pings, pongs, padding).
 */
export { FrameDecodeError, type DecodeOptions, type DecodeReason } from './decodeError';
export type { WireHandle } from './frameSchema';
export { decodeFrame } from './frameDecode';
export { encodedFrameSize, encodeFrame, guidCheck } from './frameEncode';
export { directFrameOverhead, routeFrameOverhead } from './frameOverhead';
export { handleFromWire } from './handleWire';
export { paddingFromWire } from './pingWire';
