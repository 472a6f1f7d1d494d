import { FrameDecodeError, type DecodeReason } from '../../wire/codec';
import type { Address } from '../../transport/types';

/**
 * A decode-and-judge function for fuzzing a payload codec: returns the decode reason, or 'ok' for a
 * message that decodes, which must then survive a second encode and decode unchanged. Anything
 * thrown that is not a FrameDecodeError fails the test.
 */
export function outcomeOf<M>(decode: (b: Uint8Array) => M, encode: (m: M) => Uint8Array): (bytes: Uint8Array) => 'ok' | DecodeReason {
  return (bytes) => {
    let msg: M;
    try {
      msg = decode(bytes);
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err;
      return err.reason;
    }
    // Compared by encoding (one check, not dozens of matchers): the fuzz tests decode thousands of these.
    const encoded = encode(msg);
    const again = encode(decode(encoded));
    if (Buffer.compare(encoded, again) !== 0) throw new Error('a decoded message did not survive a round trip');
    return 'ok';
  };
}

// A minimal protobuf writer, to build messages the encoder cannot produce (a handle left out).
export function varint(v: number): number[] {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
export const lenField = (field: number, content: ArrayLike<number>) => [...varint((field << 3) | 2), ...varint(content.length), ...Array.from(content)];
export const varintField = (field: number, v: number) => [...varint(field << 3), ...varint(v)];

/** Addresses no decoder may accept: a bad family (family 0 is proto3's unset value), IP length or port. */
export const BAD_ADDRESSES: readonly Address[] = [
  { family: 5 as 4, ip: new Uint8Array(4), port: 80 },
  { family: 0 as 4, ip: new Uint8Array(4), port: 80 },
  { family: 4, ip: new Uint8Array(16), port: 80 },
  { family: 6, ip: new Uint8Array(4), port: 80 },
  { family: 4, ip: new Uint8Array(0), port: 80 },
  { family: 4, ip: new Uint8Array(4), port: 0 },
  { family: 6, ip: new Uint8Array(16), port: 65_536 },
];
