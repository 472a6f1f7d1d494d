import { createHash } from 'node:crypto';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { saltedRoot, saltedRoots } from '../../location/saltedRoots';
import { SeededRng } from '../../sim/random';

/** The oracle: the hash computed straight from node:crypto, independent of Guid.fromName. */
function expectedRoot(object: Guid, index: number): string {
  const salt = Buffer.alloc(4);
  salt.writeUInt32BE(index, 0);
  const algorithm = object.bits === 160 ? 'sha1' : 'sha256';
  return createHash(algorithm).update(Buffer.concat([Buffer.from(object.bytes), salt])).digest('hex');
}

function randomGuid(rng: SeededRng, bits: 160 | 256): Guid {
  return Guid.random(() => rng.int(256), bits);
}

describe('saltedRoot', () => {
  it('is the SHA-1 of object ‖ index (4 bytes, big-endian) for 160-bit objects', () => {
    const rng = new SeededRng(11);
    for (let n = 0; n < 50; n++) {
      const object = randomGuid(rng, 160);
      for (let i = 0; i < DEFAULTS.maxSalts; i++) {
        const root = saltedRoot(object, i);
        expect(root.bits).toBe(160);
        expect(root.hex).toBe(expectedRoot(object, i));
      }
    }
  });

  it('is the SHA-256 of object ‖ index for 256-bit objects, giving 256-bit roots', () => {
    const rng = new SeededRng(12);
    for (let n = 0; n < 50; n++) {
      const object = randomGuid(rng, 256);
      for (let i = 0; i < DEFAULTS.maxSalts; i++) {
        const root = saltedRoot(object, i);
        expect(root.bits).toBe(256);
        expect(root.hex).toBe(expectedRoot(object, i));
      }
    }
  });

  it('matches a hand-written vector (all-zero object, index 1)', () => {
    const zero = Guid.fromHex('0'.repeat(40));
    const data = Buffer.concat([Buffer.alloc(20), Buffer.from([0, 0, 0, 1])]);
    expect(saltedRoot(zero, 1).hex).toBe(createHash('sha1').update(data).digest('hex'));
  });

  it('gives distinct roots for distinct indices, none equal to the object', () => {
    const rng = new SeededRng(13);
    for (const bits of [160, 256] as const) {
      for (let n = 0; n < 20; n++) {
        const object = randomGuid(rng, bits);
        const roots = saltedRoots(object, DEFAULTS.maxSalts).map((g) => g.hex);
        expect(new Set(roots).size).toBe(DEFAULTS.maxSalts);
        expect(roots).not.toContain(object.hex);
      }
    }
  });

  it('does not keep or alter the object bytes', () => {
    const object = Guid.fromName('some object');
    const before = object.hex;
    const root = saltedRoot(object, 2);
    expect(object.hex).toBe(before);
    expect(root.bytes).not.toBe(object.bytes);
  });

  it('rejects indices outside 0..maxSalts-1', () => {
    const object = Guid.fromName('x');
    for (const bad of [-1, DEFAULTS.maxSalts, 0.5, NaN, Infinity, 2 ** 32]) {
      expect(() => saltedRoot(object, bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('saltedRoots', () => {
  it('returns DEFAULTS.salts roots by default, root i = saltedRoot(object, i)', () => {
    const object = Guid.fromName('photo.jpg');
    const roots = saltedRoots(object);
    expect(roots).toHaveLength(DEFAULTS.salts);
    roots.forEach((r, i) => expect(r.hex).toBe(saltedRoot(object, i).hex));
  });

  it('is deterministic: the same object gives the same roots on every call', () => {
    const a = saltedRoots(Guid.fromName('k', 256), 5).map((g) => g.hex);
    const b = saltedRoots(Guid.fromName('k', 256), 5).map((g) => g.hex);
    expect(a).toEqual(b);
  });

  it('accepts counts 1..maxSalts and rejects others', () => {
    const object = Guid.fromName('y');
    expect(saltedRoots(object, 1)).toHaveLength(1);
    expect(saltedRoots(object, DEFAULTS.maxSalts)).toHaveLength(DEFAULTS.maxSalts);
    for (const bad of [0, -1, DEFAULTS.maxSalts + 1, 1.5, NaN]) {
      expect(() => saltedRoots(object, bad)).toThrow(InvalidArgumentError);
    }
  });
});
