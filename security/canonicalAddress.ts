/**
 * An address in canonical bytes (family, IP, port), for statements that bind a node to where it is
 * reached: a challenge answer (challenge.ts) and a leave statement (leaveStatement.ts). The same
 * layout as the address inside a location record (records.ts).
 */
import { InvalidArgumentError } from '../errors';
import type { Address } from '../routing/handle';
import type { CanonicalWriter } from './canonical';

/** Writes `a`; InvalidArgumentError for an address no node could have (a caller's bug, or a peer's bytes the codec let through). */
export function writeAddress(w: CanonicalWriter, a: Address): CanonicalWriter {
  if (a.family !== 4 && a.family !== 6) throw new InvalidArgumentError(`address family must be 4 or 6, got ${String(a.family)}`);
  if (a.ip.length !== (a.family === 4 ? 4 : 16)) throw new InvalidArgumentError(`an IPv${a.family} address is ${a.family === 4 ? 4 : 16} bytes, got ${a.ip.length}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) throw new InvalidArgumentError(`port must be 0..65535, got ${a.port}`);
  return w.u8(a.family).bytes8(a.ip).u32(a.port);
}
