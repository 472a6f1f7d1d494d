/**
 * Signed location records: the canonical encoding checked byte by byte against a hand-built string,
 * round trips and uniqueness as properties, hostile bytes refused, and signatures that fail on any
 * change to what the publisher stated.
 */
import fc from 'fast-check';
import { DecodeError, InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { challengeMessage } from '../../security/challenge';
import { Identity, type RandomBytes } from '../../security/identity';
import { noneProvider } from '../../security/noneProvider';
import { signRecord, verifyRecord } from '../../security/recordSigning';
import { decodeRecord, encodeRecord, RECORD_DOMAIN, recordOrder, type LocationRecord, type PublishRecord } from '../../security/records';
import { SignedSecurityProvider } from '../../security/signedProvider';

function seeded(seed: number): RandomBytes {
  const rng = new SeededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => rng.int(256));
}

const alice = Identity.generate(seeded(1));
const mallory = Identity.generate(seeded(3));
const A = new SignedSecurityProvider(alice);
const M = new SignedSecurityProvider(mallory);
const V = new SignedSecurityProvider(Identity.generate(seeded(4)));

const v4: Address = { family: 4, ip: Uint8Array.of(192, 0, 2, 10), port: 4000 };
const object = Guid.fromName('some object');
const server: NodeHandle = { guid: alice.guid(), address: v4 };
const publish: PublishRecord = { kind: 'publish', object, server, tag: 'v2', sequence: 7, lifetimeMs: 25_000 };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Whether decoding throws a DecodeError (a plain check: expect().toThrow is slow in a hot property). */
/** Everything a record states, as one comparable string (an oracle independent of the encoding). */
function statement(r: LocationRecord): string {
  const a = r.server.address;
  const extra = r.kind === 'publish' ? [r.tag, r.lifetimeMs] : null;
  return JSON.stringify([r.kind, r.object.hex, r.server.guid.hex, a.family, hex(a.ip), a.port, r.sequence, extra]);
}

function decodeError(b: Uint8Array): boolean {
  try {
    decodeRecord(b);
    return false;
  } catch (err) {
    return err instanceof DecodeError;
  }
}

describe('canonical encoding', () => {
  it('a publish record is exactly the documented bytes', () => {
    const expected = Buffer.concat([
      Buffer.from([RECORD_DOMAIN.length]),
      Buffer.from(RECORD_DOMAIN, 'ascii'),
      Buffer.from([1]), // kind: publish
      Buffer.from([20]),
      object.bytes,
      Buffer.from([20]),
      alice.guid().bytes,
      Buffer.from([4, 4, 192, 0, 2, 10]), // family, ip length, ip
      Buffer.from([0, 0, 0x0f, 0xa0]), // port 4000
      Buffer.from([0, 0, 0, 7]), // sequence
      Buffer.from([0, 0, 0x61, 0xa8]), // lifetime 25,000 ms
      Buffer.from([0, 2]),
      Buffer.from('v2', 'utf8'),
    ]);
    expect(hex(encodeRecord(publish))).toBe(expected.toString('hex'));
  });

  it('an unpublish record is exactly the documented bytes (no tag, no lifetime)', () => {
    const v6: Address = { family: 6, ip: Uint8Array.from({ length: 16 }, (_, i) => i), port: 65535 };
    const r: LocationRecord = { kind: 'unpublish', object, server: { guid: alice.guid(), address: v6 }, sequence: 0xffff_ffff };
    const expected = Buffer.concat([
      Buffer.from([RECORD_DOMAIN.length]),
      Buffer.from(RECORD_DOMAIN, 'ascii'),
      Buffer.from([2, 20]),
      object.bytes,
      Buffer.from([20]),
      alice.guid().bytes,
      Buffer.from([6, 16]),
      Buffer.from(v6.ip),
      Buffer.from([0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ]);
    expect(hex(encodeRecord(r))).toBe(expected.toString('hex'));
  });

  it('ignores the per-hop fields of a wire message: the same statement, the same bytes', () => {
    const wireA = { ...publish, saltIndex: 0, pathLatency: 0, extra: false };
    const wireB = { ...publish, saltIndex: 3, pathLatency: 12.5, extra: true };
    expect(hex(encodeRecord(wireA))).toBe(hex(encodeRecord(wireB)));
  });

  it('refuses records no publisher may sign', () => {
    const bad: LocationRecord[] = [
      { ...publish, tag: 'x'.repeat(257) },
      { ...publish, sequence: -1 },
      { ...publish, sequence: 2 ** 32 },
      { ...publish, sequence: 1.5 },
      { ...publish, lifetimeMs: Number.NaN },
      { ...publish, object: Guid.fromName('wide', 256) },
      { ...publish, server: { guid: alice.guid(), address: { family: 4, ip: new Uint8Array(16), port: 1 } } },
      { ...publish, server: { guid: alice.guid(), address: { family: 4, ip: new Uint8Array(4), port: 70_000 } } },
      { ...publish, server: { guid: alice.guid(), address: { family: 5 as 4, ip: new Uint8Array(4), port: 1 } } },
      { ...publish, kind: 'delete' as 'publish' },
    ];
    for (const r of bad) expect(() => encodeRecord(r)).toThrow(InvalidArgumentError);
  });
});

const guidArb = (bytes: 20 | 32): fc.Arbitrary<Guid> => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Guid.fromBytes(b));
const addressArb: fc.Arbitrary<Address> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), port: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ family: fc.constant(6 as const), ip: fc.uint8Array({ minLength: 16, maxLength: 16 }), port: fc.integer({ min: 0, max: 65535 }) }),
);
const recordArb: fc.Arbitrary<LocationRecord> = fc.constantFrom<20 | 32>(20, 32).chain((w) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('publish' as const),
      object: guidArb(w),
      server: fc.record({ guid: guidArb(w), address: addressArb }),
      tag: fc.string({ maxLength: 60, unit: 'grapheme' }),
      sequence: fc.nat({ max: 0xffff_ffff }),
      lifetimeMs: fc.nat({ max: 0xffff_ffff }),
    }),
    fc.record({
      kind: fc.constant('unpublish' as const),
      object: guidArb(w),
      server: fc.record({ guid: guidArb(w), address: addressArb }),
      sequence: fc.nat({ max: 0xffff_ffff }),
    }),
  ),
);

describe('encoding properties', () => {
  it('round trip: decode(encode(r)) states the same as r, and encodes to the same bytes', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const bytes = encodeRecord(r);
        const back = decodeRecord(bytes);
        expect(statement(back)).toBe(statement(r));
        expect(hex(encodeRecord(back))).toBe(hex(bytes));
      }),
      { numRuns: 1000, seed: 1 },
    );
  });

  it('two records have the same bytes exactly when they state the same thing', () => {
    // b is a itself, a copy with one field changed, or an unrelated record: near misses are where a
    // field boundary could slip.
    const variant = (a: LocationRecord, b: LocationRecord, how: number): LocationRecord => {
      switch (how) {
        case 0:
          return { ...a };
        case 1:
          return { ...a, sequence: b.sequence };
        case 2:
          return a.kind === 'publish' ? { ...a, tag: a.tag + 'x' } : { ...a, kind: 'publish', tag: '', lifetimeMs: 0 };
        case 3:
          return { ...a, server: { guid: a.server.guid, address: b.server.address } };
        default:
          return b;
      }
    };
    fc.assert(
      fc.property(recordArb, recordArb, fc.nat({ max: 4 }), (a, other, how) => {
        const b = variant(a, other, how);
        if (b.object.bytes.length !== b.server.guid.bytes.length) return;
        expect(hex(encodeRecord(a)) === hex(encodeRecord(b))).toBe(statement(a) === statement(b));
      }),
      { numRuns: 1000, seed: 2 },
    );
  });

  it('only one encoding decodes: truncations, extensions and byte changes either fail or re-encode identically', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, mask) => {
        const bytes = encodeRecord(r);
        for (const cut of [0, 1, bytes.length >> 1, bytes.length - 1]) expect(decodeError(bytes.subarray(0, cut))).toBe(true);
        expect(decodeError(new Uint8Array([...bytes, 0]))).toBe(true);
        const changed = new Uint8Array(bytes);
        changed[at % changed.length] ^= mask;
        let decoded: LocationRecord | undefined;
        try {
          decoded = decodeRecord(changed);
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
        if (decoded) expect(hex(encodeRecord(decoded))).toBe(hex(changed));
      }),
      { numRuns: 1000, seed: 3 },
    );
  });

  it('random bytes never decode to anything but a DecodeError or a canonical record', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          const r = decodeRecord(b);
          expect(hex(encodeRecord(r))).toBe(hex(b));
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 3000, seed: 4 },
    );
  });

  it('a challenge answer can never pass for a record: the domain tags differ', () => {
    expect(() => decodeRecord(challengeMessage(new Uint8Array(32), alice.guid()))).toThrow(DecodeError);
  });
});

describe('signed records', () => {
  const credential = A.credential();
  const sig = signRecord(A, publish);

  it("the server's signature verifies at any hop", () => {
    expect(verifyRecord(V, credential, publish, sig)).toBe(true);
    expect(V.verify(credential, encodeRecord(publish), sig)).toBe(true);
  });

  it('any change to what the publisher stated breaks the signature', () => {
    const changed: LocationRecord[] = [
      { ...publish, tag: 'v3' },
      { ...publish, tag: '' },
      { ...publish, sequence: 8 },
      { ...publish, lifetimeMs: 86_400_000 },
      { ...publish, object: Guid.fromName('another object') },
      { ...publish, server: { guid: alice.guid(), address: { ...v4, port: 4001 } } },
      { ...publish, server: { guid: alice.guid(), address: { ...v4, ip: Uint8Array.of(203, 0, 113, 5) } } },
      { kind: 'unpublish', object, server, sequence: 7 },
    ];
    for (const r of changed) expect(verifyRecord(V, credential, r, sig)).toBe(false);
  });

  it("a forged record is rejected: signed by another key, or claiming another node's server GUID", () => {
    // Mallory signs a publish naming Alice as the server, and presents her own key or Alice's.
    const forged = signRecord(M, publish);
    expect(verifyRecord(V, M.credential(), publish, forged)).toBe(false);
    expect(verifyRecord(V, credential, publish, forged)).toBe(false);
    // Mallory's own record is fine, but her signature does not carry over to Alice's.
    const hers: LocationRecord = { ...publish, server: { guid: mallory.guid(), address: v4 } };
    const hersSig = signRecord(M, hers);
    expect(verifyRecord(V, M.credential(), hers, hersSig)).toBe(true);
    expect(verifyRecord(V, M.credential(), publish, hersSig)).toBe(false);
  });

  it('an unencodable record from the network is simply invalid, never a throw', () => {
    expect(verifyRecord(V, credential, { ...publish, tag: 'x'.repeat(300) }, sig)).toBe(false);
    expect(verifyRecord(V, credential, { ...publish, sequence: -5 }, sig)).toBe(false);
  });

  it('with the none provider every record passes and signatures are empty', () => {
    expect(signRecord(noneProvider, publish)).toHaveLength(0);
    expect(verifyRecord(noneProvider, new Uint8Array(0), publish, new Uint8Array(0))).toBe(true);
  });
});

describe('record order', () => {
  it('publish s < unpublish s < publish s+1, exactly up to the largest uint32', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_fffe }), (s) => {
        const p = recordOrder({ kind: 'publish', sequence: s });
        const u = recordOrder({ kind: 'unpublish', sequence: s });
        const next = recordOrder({ kind: 'publish', sequence: s + 1 });
        expect(p < u && u < next).toBe(true);
      }),
      { numRuns: 500, seed: 5 },
    );
    expect(recordOrder({ kind: 'unpublish', sequence: 0xffff_ffff })).toBe(2 * 0xffff_ffff + 1);
  });
});
