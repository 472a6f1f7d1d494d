/**
 * Node handles and GUIDs on the wire, both ways: every message carrying a handle (a frame's sender, a
 * route's source, the handles in location and membership messages) checks it here the same way.
 */
import { Guid } from '../routing/guid';
import { handleInterner } from '../routing/handleInterner';
import type { NodeHandle } from '../routing/messages';
import type { Address } from '../transport/types';
import { fail } from './decodeError';
import { WIRE_V4, WIRE_V6, type WireHandle } from './frameSchema';

/**
 * Validates and copies a decoded NodeHandle: GUID of exactly `idBytes` bytes, V4 with a 4-byte or V6
 * with a 16-byte ip, port 1..65535. Exported so every message carrying a handle checks it the same way.
 */
export function handleFromWire(h: WireHandle, idBytes: number): NodeHandle {
  // The width first: a shared handle of another width must not pass for this one.
  if (h.guid.length !== idBytes || (idBytes !== 20 && idBytes !== 32)) guidFromWire(h.guid, idBytes);
  // The family is checked before sharing, so a shared handle never passes for a malformed one.
  const family = h.family === WIRE_V4 && h.ip.length === 4 ? 4 : h.family === WIRE_V6 && h.ip.length === 16 ? 6 : 0;
  if (family === 0) return fail('address', `family ${h.family} with a ${h.ip.length}-byte ip`);
  // A resolve-only handle is never shared: a shared handle is a full node's, and the flag must neither
  // be lost (an interned unflagged handle for the same fields) nor stick to the fields (routing/resolveOnly.ts).
  if (h.resolveOnly) return { ...buildHandle(h, idBytes, family), resolveOnly: true };
  return handleInterner.intern(h.guid, family, h.ip, h.port, () => buildHandle(h, idBytes, family));
}

/** A new handle from wire fields whose family `handleFromWire` already checked. */
function buildHandle(h: WireHandle, idBytes: number, family: 4 | 6): NodeHandle {
  const guid = guidFromWire(h.guid, idBytes);
  if (h.port < 1 || h.port > 65_535) fail('address', `port ${h.port}`);
  const address: Address = { family, ip: new Uint8Array(h.ip), port: h.port };
  return { guid, address };
}

/** A GUID of exactly `idBytes` bytes (20 or 32), copied. */
export function guidFromWire(bytes: Uint8Array, idBytes: number): Guid {
  // idBytes may come from the sender's own GUID, so it is itself checked here.
  if (bytes.length !== idBytes || (idBytes !== 20 && idBytes !== 32)) {
    fail('guid', `${bytes.length}-byte GUID where ${idBytes === 20 || idBytes === 32 ? idBytes : '20 or 32'} were expected`);
  }
  return Guid.fromBytes(bytes); // copies
}

/** A handle as the wire carries it. */
export function handleToWire(h: NodeHandle): WireHandle {
  const a = h.address;
  const wire: WireHandle = { guid: h.guid.bytes, family: a.family === 4 ? WIRE_V4 : WIRE_V6, ip: a.ip, port: a.port };
  // Only when set: a full node's handle stays the bytes it always was.
  if (h.resolveOnly) wire.resolveOnly = true;
  return wire;
}
