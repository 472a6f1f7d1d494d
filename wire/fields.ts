/**
 * Field helpers shared by the payload codecs (wire/locationCodec.ts, wire/membershipCodec.ts): the
 * messages they read travel inside a RouteMsg's payload, not as frame bodies, but they obey the same
 * rules as frames (DESIGN.md §3, rule 3): every limit checked, every failure a FrameDecodeError with a
 * reason, every kept byte copied. Keeping one copy of each check means a GUID, handle or list bound is
 * judged the same way whichever message carries it.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { Guid } from '../routing/guid';
import { FrameDecodeError, handleFromWire, type DecodeReason, type WireHandle } from './codec';
import type { NodeHandle } from '../routing/handle';

/**
 * messages.proto, loaded once for the payload codecs: the schema is part of the program, so a missing
 * or broken file should fail at start-up rather than on the first message.
 */
export const schema = protobuf.loadSync(path.join(__dirname, '..', 'messages.proto'));
const families = schema.lookupEnum('tapestry.AddressFamily').values;
const WIRE_V4 = families.V4;
const WIRE_V6 = families.V6;

export function fail(reason: DecodeReason, detail: string): never {
  throw new FrameDecodeError(reason, detail);
}

/** A caller's idBytes option is misuse, not bad input, when it is neither 20 nor 32. */
export function checkIdBytesOption(idBytes: number | undefined): void {
  if (idBytes !== undefined && idBytes !== 20 && idBytes !== 32) {
    throw new InvalidArgumentError(`idBytes must be 20 or 32, got ${idBytes}`);
  }
}

/**
 * Parses a route payload as `type`, turning every protobufjs failure into FrameDecodeError 'protobuf'.
 * The result is protobufjs's plain shape, still holding views into `bytes`: the caller validates and
 * copies what it keeps.
 */
export function decodePayload<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  // A route's payload is bounded by maxMessageBytes after reassembly; checked again here so the
  // payload codecs are safe on bytes from anywhere.
  if (bytes.length > DEFAULTS.maxMessageBytes) {
    fail('tooLarge', `${what} of ${bytes.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
  }
  // As in decodeFrame: a plain Uint8Array view decodes faster than a Buffer and yields plain
  // Uint8Array fields.
  const input = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  try {
    return type.decode(input) as unknown as T;
  } catch (err) {
    return fail('protobuf', err instanceof Error ? err.message : String(err));
  }
}

/** A required handle: 'missing' when absent, else the frame codec's checks (GUID width, family, ip, port). */
export function requiredHandle(h: WireHandle | null | undefined, idBytes: number, missing: string): NodeHandle {
  if (!h) fail('missing', missing);
  return handleFromWire(h, idBytes);
}

/** A GUID of exactly `idBytes` bytes, copied. */
export function guidFromWire(bytes: Uint8Array, idBytes: number, what: string): Guid {
  // idBytes may come from a GUID of the message itself, so it is checked here too.
  if (bytes.length !== idBytes || (idBytes !== 20 && idBytes !== 32)) {
    fail('guid', `${bytes.length}-byte ${what} GUID where ${idBytes === 20 || idBytes === 32 ? idBytes : '20 or 32'} were expected`);
  }
  return Guid.fromBytes(bytes); // copies
}

/** Fails with `reason` when a repeated field holds more than `max` entries. */
export function checkCount(length: number, max: number, reason: DecodeReason, what: string): void {
  if (length > max) fail(reason, `${length} ${what} exceed ${max}`);
}

/** Fails with `reason` unless `ms` is finite and >= 0. */
export function checkMs(ms: number, reason: DecodeReason, what: string): void {
  // Written so NaN fails too: every comparison with NaN is false.
  if (!(ms >= 0 && ms < Infinity)) fail(reason, `${what} ${ms}`);
}

export function handleToWire(h: NodeHandle): WireHandle {
  const a = h.address;
  const wire: WireHandle = { guid: h.guid.bytes, family: a.family === 4 ? WIRE_V4 : WIRE_V6, ip: a.ip, port: a.port };
  // Only when set (NodeHandle.resolve_only): a full node's handle stays the bytes it always was.
  if (h.resolveOnly) wire.resolveOnly = true;
  return wire;
}

export function guidsToWire(guids: readonly Guid[]): Uint8Array[] {
  const out = new Array<Uint8Array>(guids.length);
  for (let i = 0; i < guids.length; i++) out[i] = guids[i].bytes;
  return out;
}
