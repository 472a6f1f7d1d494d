import { DecodeError } from '../../errors';
import { FrameDecodeError, type DecodeReason } from '../../wire/codec';

/** The reason `decode` fails with; fails the test if it succeeds or throws anything but a FrameDecodeError. */
export function decodeReason(decode: () => unknown): DecodeReason {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    expect(err).toBeInstanceOf(FrameDecodeError);
    return (err as FrameDecodeError).reason;
  }
  throw new Error('expected a DecodeError, but the input decoded');
}
