import { compareGuids, digitAt, Guid, idSpace, sharedPrefixLength } from '../../routing/guid';
import { InvalidArgumentError } from '../../errors';
import { SeededRng } from '../../sim/random';

const DIGIT_BITS = [1, 2, 4, 8] as const;

/** The GUID as a string of '0'/'1', most significant bit first: the reference every check slices. */
const bitStrings = new Map<string, string>();
function bitString(g: Guid): string {
  let s = bitStrings.get(g.hex);
  if (s === undefined) {
    s = Array.from(g.hex, (c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
    bitStrings.set(g.hex, s);
  }
  return s;
}

function refDigit(g: Guid, i: number, digitBits: number): number {
  return parseInt(bitString(g).slice(i * digitBits, (i + 1) * digitBits), 2);
}

function refSharedPrefix(a: Guid, b: Guid, digitBits: number): number {
  const digits = a.bits / digitBits;
  let n = 0;
  while (n < digits && refDigit(a, n, digitBits) === refDigit(b, n, digitBits)) n++;
  return n;
}

function randomGuid(rng: SeededRng, bits: 160 | 256 = 160): Guid {
  return Guid.random(() => rng.int(256), bits);
}

/** A GUID equal to `g` in its first `bits` bits and differing at bit `bits` (if any). */
function withSharedBits(g: Guid, bits: number, rng: SeededRng): Guid {
  const src = bitString(g);
  let out = src.slice(0, bits);
  if (bits < src.length) out += src[bits] === '0' ? '1' : '0';
  while (out.length < src.length) out += rng.int(2) ? '1' : '0';
  const bytes = new Uint8Array(src.length / 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(out.slice(i * 8, i * 8 + 8), 2);
  return Guid.fromBytes(bytes);
}

describe('idSpace', () => {
  it('derives base, digits and bytes, and shares one object per shape', () => {
    const s = idSpace(160, 4);
    expect(s).toMatchObject({ bits: 160, digitBits: 4, base: 16, digits: 40, bytes: 20 });
    expect(idSpace(256, 8)).toMatchObject({ base: 256, digits: 32, bytes: 32 });
    expect(idSpace(160, 1)).toMatchObject({ base: 2, digits: 160 });
    expect(idSpace(160, 4)).toBe(s);
  });

  it('rejects other widths', () => {
    expect(() => idSpace(128, 4)).toThrow(InvalidArgumentError);
    expect(() => idSpace(160, 3)).toThrow(InvalidArgumentError);
  });
});

describe('digits', () => {
  const rng = new SeededRng(1);
  const guids = [
    Guid.fromHex('00'.repeat(20)),
    Guid.fromHex('ff'.repeat(20)),
    Guid.fromHex('0123456789abcdef'.repeat(4).slice(0, 40)),
    ...Array.from({ length: 20 }, () => randomGuid(rng)),
    ...Array.from({ length: 10 }, () => randomGuid(rng, 256)),
  ];

  it.each(DIGIT_BITS)('every digit of %i bits matches slicing the bit string', (digitBits) => {
    // Mismatches are collected so one expect reports them all (and thousands of expects stay cheap).
    const wrong: string[] = [];
    for (const g of guids) {
      const digits = g.bits / digitBits;
      for (let i = 0; i < digits; i++) {
        const want = refDigit(g, i, digitBits);
        const got = [digitAt(g.bytes, i, digitBits), g.digit(i, digitBits)];
        if (got[0] !== want || got[1] !== want) wrong.push(`${g.hex}[${i}]: ${got} != ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('hex digits are the characters of the hex form', () => {
    for (const g of guids) {
      const digits = Array.from(g.hex, (_, i) => g.digit(i, 4).toString(16)).join('');
      expect(digits).toBe(g.hex);
    }
  });
});

describe('sharedPrefixLength', () => {
  it.each(DIGIT_BITS)('matches the reference for %i-bit digits at every shared-bit count', (digitBits) => {
    const rng = new SeededRng(2 + digitBits);
    for (const width of [160, 256] as const) {
      for (let shared = 0; shared <= width; shared += shared < 20 ? 1 : 7) {
        const a = randomGuid(rng, width);
        const b = withSharedBits(a, Math.min(shared, width), rng);
        const want = refSharedPrefix(a, b, digitBits);
        expect(sharedPrefixLength(a, b, digitBits)).toBe(want);
        expect(sharedPrefixLength(b, a, digitBits)).toBe(want);
      }
      const a = randomGuid(rng, width);
      expect(sharedPrefixLength(a, a, digitBits)).toBe(width / digitBits);
    }
  });

  it('matches the reference on unrelated random pairs', () => {
    const rng = new SeededRng(9);
    for (let t = 0; t < 200; t++) {
      const a = randomGuid(rng);
      const b = randomGuid(rng);
      for (const bits of DIGIT_BITS) expect(sharedPrefixLength(a, b, bits)).toBe(refSharedPrefix(a, b, bits));
    }
  });
});

describe('construction', () => {
  it('fromName hashes with SHA-1 for 160 bits and SHA-256 for 256 bits', () => {
    expect(Guid.fromName('abc').hex).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(Guid.fromName('abc', 160).bits).toBe(160);
    const g256 = Guid.fromName('abc', 256);
    expect(g256.hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(g256.bits).toBe(256);
    expect(Guid.fromName(new TextEncoder().encode('abc')).hex).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('fromHex accepts 40 or 64 digits in either case and rejects anything else', () => {
    const hex = 'A9993E364706816ABA3E25717850C26C9CD0D89D';
    expect(Guid.fromHex(hex).hex).toBe(hex.toLowerCase());
    expect(Guid.fromHex('0'.repeat(64)).bits).toBe(256);
    for (const bad of ['', 'abc', '0'.repeat(39), '0'.repeat(41), '0'.repeat(63), 'g'.repeat(40), ' '.repeat(40), '0x' + '0'.repeat(38)]) {
      expect(() => Guid.fromHex(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('fromBytes accepts 20 or 32 bytes and rejects other lengths', () => {
    expect(Guid.fromBytes(new Uint8Array(20)).bits).toBe(160);
    expect(Guid.fromBytes(new Uint8Array(32)).bits).toBe(256);
    for (const len of [0, 1, 19, 21, 31, 33]) expect(() => Guid.fromBytes(new Uint8Array(len))).toThrow(InvalidArgumentError);
  });

  it('fromBytes copies, so a reused buffer cannot change the GUID', () => {
    const buffer = new Uint8Array(64).fill(7);
    const view = buffer.subarray(10, 30);
    const g = Guid.fromBytes(view);
    buffer.fill(0);
    expect(g.hex).toBe('07'.repeat(20));
    expect(g.bytes.byteLength).toBe(20);
    expect(g.bytes.buffer).not.toBe(buffer.buffer);
  });

  it('random draws the requested width from the given source', () => {
    const rng = new SeededRng(5);
    expect(randomGuid(rng).bits).toBe(160);
    expect(randomGuid(rng, 256).bits).toBe(256);
    expect(randomGuid(new SeededRng(5)).hex).toBe(randomGuid(new SeededRng(5)).hex);
  });
});

describe('comparison', () => {
  it('equals compares value, compareGuids orders as unsigned big-endian integers', () => {
    const a = Guid.fromHex('00' + 'ff'.repeat(19));
    const b = Guid.fromHex('01' + '00'.repeat(19));
    expect(a.equals(Guid.fromBytes(a.bytes))).toBe(true);
    expect(a.equals(b)).toBe(false);
    expect(compareGuids(a, b)).toBeLessThan(0);
    expect(compareGuids(b, a)).toBeGreaterThan(0);
    expect(compareGuids(a, Guid.fromHex(a.hex))).toBe(0);
  });

  // Both settle most pairs on the first 32 bits (`lead`): the oracle is a byte-by-byte comparison,
  // over pairs that differ first inside the lead, at its last bit, and only past it.
  it('equals, compareGuids and digit agree with the bytes for every first differing bit', () => {
    const rng = new SeededRng(12);
    const byBytes = (x: Guid, y: Guid) => Math.sign(Buffer.compare(Buffer.from(x.bytes), Buffer.from(y.bytes)));
    for (const width of [160, 256] as const) {
      for (let shared = 0; shared <= width; shared += shared < 40 ? 1 : 9) {
        const a = randomGuid(rng, width);
        const b = withSharedBits(a, Math.min(shared, width), rng);
        expect(Math.sign(compareGuids(a, b))).toBe(byBytes(a, b));
        expect(Math.sign(compareGuids(b, a))).toBe(byBytes(b, a));
        expect(a.equals(b)).toBe(byBytes(a, b) === 0);
        for (const bits of DIGIT_BITS) {
          for (let i = 0; i < 12; i++) expect(b.digit(i, bits)).toBe(digitAt(b.bytes, i, bits));
        }
      }
    }
    // The top bit, where a signed comparison of unflipped words would get the order backwards.
    const low = Guid.fromHex('7f' + 'ff'.repeat(19));
    const high = Guid.fromHex('80' + '00'.repeat(19));
    expect(compareGuids(low, high)).toBeLessThan(0);
    expect(compareGuids(high, low)).toBeGreaterThan(0);
  });
});
