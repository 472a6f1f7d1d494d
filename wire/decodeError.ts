/**
 * Why a frame or payload was rejected: the named error every wire decoder throws, with a reason to
 * count drops by (DESIGN.md §3, rule 3).
 */
import { DecodeError } from '../errors';

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

/** Throws FrameDecodeError: `reason` and what broke it. */
export function fail(reason: DecodeReason, detail: string): never {
  throw new FrameDecodeError(reason, detail);
}
