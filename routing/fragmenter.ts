/**
 * Splits a message that does not fit in one frame into MTU-sized pieces. Pure: the router decides
 * the piece size (MTU minus the frame's own fields) and numbers the pieces; routing/reassembler.ts
 * puts them back together at the destination.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError, MessageTooLargeError } from '../errors';

/**
 * The payload cut into pieces of `chunkBytes` (the last may be shorter). A payload that fits in one
 * piece comes back as a single piece, and the caller sends it unfragmented (the wire only carries
 * fragment headers with count >= 2). Every piece of a fragmented message is non-empty.
 * Pieces are views into `payload`, not copies.
 */
export function splitPayload(
  payload: Uint8Array,
  chunkBytes: number,
  maxFragments: number = DEFAULTS.maxFragments,
): Uint8Array[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new InvalidArgumentError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  if (!Number.isInteger(maxFragments) || maxFragments < 1) {
    throw new InvalidArgumentError(`maxFragments must be a positive integer, got ${maxFragments}`);
  }
  if (payload.length > DEFAULTS.maxMessageBytes) {
    throw new MessageTooLargeError(`payload of ${payload.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
  }
  const count = Math.max(1, Math.ceil(payload.length / chunkBytes));
  if (count > maxFragments) {
    throw new MessageTooLargeError(
      `payload of ${payload.length} bytes needs ${count} fragments of ${chunkBytes}, more than ${maxFragments}`,
    );
  }
  const pieces = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) pieces[i] = payload.subarray(i * chunkBytes, (i + 1) * chunkBytes);
  return pieces;
}
