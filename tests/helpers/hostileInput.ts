import { SeededRng } from '../../sim/random';

/**
 * The hostile-input tests every payload codec gets: truncations of valid messages, random bytes and
 * random mutations. `decodeOutcome` must fail the test on any exception other than the codec's
 * decode error; it returns 'ok' or the decode reason.
 */
export function hostileInputTests(
  name: string,
  seeds: readonly [number, number, number],
  validMessages: (rng: SeededRng) => Uint8Array[],
  decodeOutcome: (bytes: Uint8Array) => string,
): void {
  describe(`${name} under hostile input`, () => {
    const tally = (inputs: Iterable<Uint8Array>) => {
      const outcomes: Record<string, number> = {};
      for (const bytes of inputs) {
        const outcome = decodeOutcome(bytes);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      return outcomes;
    };

    test('every truncation of a valid message throws FrameDecodeError or decodes to a valid message', () => {
      const truncations = validMessages(new SeededRng(seeds[0])).flatMap((bytes) => Array.from({ length: bytes.length }, (_, n) => bytes.slice(0, n)));
      expect(tally(truncations).protobuf).toBeGreaterThan(0);
    });

    test('20,000 random byte strings only ever throw FrameDecodeError', () => {
      const rng = new SeededRng(seeds[1]);
      const inputs = Array.from({ length: 20_000 }, () => Uint8Array.from({ length: rng.int(200) }, () => rng.int(256)));
      expect(tally(inputs).protobuf).toBeGreaterThan(0);
    });

    test('20,000 random mutations of valid messages only ever throw FrameDecodeError', () => {
      const rng = new SeededRng(seeds[2]);
      const valid = validMessages(rng);
      const inputs = Array.from({ length: 20_000 }, () => {
        const bytes = Uint8Array.from(valid[rng.int(valid.length)]);
        const edits = 1 + rng.int(4);
        for (let e = 0; e < edits; e++) bytes[rng.int(bytes.length)] = rng.int(256);
        return bytes;
      });
      // Mutations reach past the protobuf layer into the field checks.
      expect(Object.keys(tally(inputs)).length).toBeGreaterThan(5);
    });
  });
}
