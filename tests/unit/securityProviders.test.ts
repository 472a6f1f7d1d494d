/**
 * The two providers. `signed`: signatures checked against node:crypto directly, every single-byte
 * tamper rejected, forged credentials and wrong challenge answers rejected, hostile input never
 * throws. `none`: trusts everything and costs nothing.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { challengeMessage, CHALLENGE_DOMAIN, createNonce } from '../../security/challenge';
import { createSecurityProvider } from '../../security/choose';
import { Identity, type RandomBytes } from '../../security/identity';
import { KeyCache } from '../../security/keys';
import { DEFAULTS } from '../../defaults';
import { noneProvider } from '../../security/noneProvider';
import { provesIdentity, type SecurityProvider } from '../../security/provider';
import { SignedSecurityProvider } from '../../security/signedProvider';

function seeded(seed: number): RandomBytes {
  const rng = new SeededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => rng.int(256));
}

const alice = Identity.generate(seeded(1));
const bob = Identity.generate(seeded(2));
const mallory = Identity.generate(seeded(3));
const A = new SignedSecurityProvider(alice, { random: seeded(10) });
const B = new SignedSecurityProvider(bob, { random: seeded(20) });
const M = new SignedSecurityProvider(mallory, { random: seeded(30) });

/** An independent verifier: the key parsed from SPKI DER, not through the provider's JWK cache. */
function refVerify(publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  return cryptoVerify(null, data, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
}

function flipped(b: Uint8Array, i: number, mask = 0x01): Uint8Array {
  const c = new Uint8Array(b);
  c[i] ^= mask;
  return c;
}

describe('signed provider: sign and verify', () => {
  const record = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
  const sig = A.sign(record);

  it('a signature verifies, and an independent verifier agrees', () => {
    expect(sig).toHaveLength(64);
    expect(A.verify(alice.publicKey, record, sig)).toBe(true);
    expect(B.verify(alice.publicKey, record, sig)).toBe(true);
    expect(refVerify(alice.publicKey, record, sig)).toBe(true);
    // Deterministic (RFC 8032): simulations repeat.
    expect(Buffer.from(A.sign(record)).equals(Buffer.from(sig))).toBe(true);
  });

  it('flipping any bit of any byte of the record or the signature makes it fail', () => {
    for (let i = 0; i < record.length; i++) {
      expect(B.verify(alice.publicKey, flipped(record, i, 1 << (i % 8)), sig)).toBe(false);
    }
    for (let i = 0; i < sig.length; i++) {
      expect(B.verify(alice.publicKey, record, flipped(sig, i, 1 << (i % 8)))).toBe(false);
    }
    for (let i = 0; i < 32; i++) expect(B.verify(flipped(alice.publicKey, i), record, sig)).toBe(false);
    // Shorter, longer or another signer's.
    expect(B.verify(alice.publicKey, record.subarray(1), sig)).toBe(false);
    expect(B.verify(alice.publicKey, new Uint8Array([...record, 0]), sig)).toBe(false);
    expect(B.verify(bob.publicKey, record, sig)).toBe(false);
    expect(B.verify(alice.publicKey, record, sig.subarray(0, 63))).toBe(false);
    expect(B.verify(alice.publicKey, record, new Uint8Array([...sig, 0]))).toBe(false);
  });

  it('property: random data signs and verifies; a random single-byte change never verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, at, mask) => {
        const s = A.sign(data);
        expect(B.verify(alice.publicKey, data, s)).toBe(true);
        expect(refVerify(alice.publicKey, data, s)).toBe(true);
        if (data.length > 0) expect(B.verify(alice.publicKey, flipped(data, at % data.length, mask), s)).toBe(false);
        expect(B.verify(alice.publicKey, data, flipped(s, at % 64, mask))).toBe(false);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('hostile input never throws, only fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), (key, data, s) => {
        expect(B.verify(key, data, s)).toBe(false);
      }),
      { numRuns: 500, seed: 6 },
    );
    const junk = [undefined, null, 'str', 5, {}, [1, 2]] as unknown as Uint8Array[];
    for (const j of junk) {
      expect(B.verify(j, new Uint8Array(1), new Uint8Array(64))).toBe(false);
      expect(B.verify(alice.publicKey, j, new Uint8Array(64))).toBe(false);
      expect(B.verify(alice.publicKey, new Uint8Array(1), j)).toBe(false);
      expect(B.validateCredential(j, alice.guid())).toBe(false);
    }
    expect(() => A.sign('text' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe('signed provider: credentials', () => {
  it("a node's credential is its public key, and it stands for its GUID in both widths", () => {
    expect(Buffer.from(A.credential()).equals(Buffer.from(alice.publicKey))).toBe(true);
    expect(B.validateCredential(A.credential(), alice.guid(160))).toBe(true);
    expect(B.validateCredential(A.credential(), alice.guid(256))).toBe(true);
    const independent = Guid.fromHex(createHash('sha1').update(A.credential()).digest('hex'));
    expect(B.validateCredential(A.credential(), independent)).toBe(true);
  });

  it('a forged credential (a key that does not hash to the claimed GUID) is rejected', () => {
    // Mallory claims Alice's GUID with her own key, and any GUID one bit away from her own.
    expect(B.validateCredential(M.credential(), alice.guid())).toBe(false);
    expect(B.validateCredential(M.credential(), alice.guid(256))).toBe(false);
    const own = mallory.guid().bytes;
    for (let i = 0; i < own.length; i++) expect(B.validateCredential(M.credential(), Guid.fromBytes(flipped(own, i)))).toBe(false);
    // A GUID of the right width but hashed with the other function.
    const wrongHash = Guid.fromBytes(createHash('sha256').update(M.credential()).digest().subarray(0, 20));
    expect(B.validateCredential(M.credential(), wrongHash)).toBe(false);
    expect(B.validateCredential(new Uint8Array(0), mallory.guid())).toBe(false);
  });
});

describe('signed provider: challenge and response', () => {
  const nonce = A.createNonce();

  it('an honest answer proves the GUID; the same answer proves nothing else', () => {
    expect(nonce).toHaveLength(DEFAULTS.nonceBytes);
    const answer = B.answerChallenge(nonce, alice.guid())!;
    expect(A.verifyAnswer(bob.publicKey, nonce, alice.guid(), answer)).toBe(true);
    expect(provesIdentity(A, bob.guid(), bob.publicKey, nonce, alice.guid(), answer)).toBe(true);
    // The signed bytes are the domain-tagged (challenger, nonce), checked independently.
    const expected = Buffer.concat([
      Buffer.from([CHALLENGE_DOMAIN.length]),
      Buffer.from(CHALLENGE_DOMAIN, 'ascii'),
      Buffer.from([20]),
      alice.guid().bytes,
      Buffer.from([nonce.length]),
      nonce,
    ]);
    expect(Buffer.from(challengeMessage(nonce, alice.guid())).equals(expected)).toBe(true);
    expect(refVerify(bob.publicKey, expected, answer)).toBe(true);
  });

  it('an answer to a different nonce is rejected', () => {
    const answer = B.answerChallenge(nonce, alice.guid())!;
    const other = A.createNonce();
    expect(Buffer.from(other).equals(Buffer.from(nonce))).toBe(false);
    expect(A.verifyAnswer(bob.publicKey, other, alice.guid(), answer)).toBe(false);
    for (let i = 0; i < nonce.length; i++) expect(A.verifyAnswer(bob.publicKey, flipped(nonce, i), alice.guid(), answer)).toBe(false);
    expect(A.verifyAnswer(bob.publicKey, nonce.subarray(0, 20), alice.guid(), answer)).toBe(false);
  });

  it('a relayed answer (bound to another challenger), a bare signature of the nonce, or another key is rejected', () => {
    // Mallory relays Alice's nonce to Bob as her own challenge; Bob binds his answer to Mallory.
    const relayed = B.answerChallenge(nonce, mallory.guid())!;
    expect(A.verifyAnswer(bob.publicKey, nonce, alice.guid(), relayed)).toBe(false);
    // A signature of the raw nonce (no domain tag) is not an answer.
    expect(A.verifyAnswer(bob.publicKey, nonce, alice.guid(), B.sign(nonce))).toBe(false);
    // Mallory answers herself while claiming Bob's GUID.
    const own = M.answerChallenge(nonce, alice.guid())!;
    expect(A.verifyAnswer(mallory.publicKey, nonce, alice.guid(), own)).toBe(true);
    expect(provesIdentity(A, bob.guid(), mallory.publicKey, nonce, alice.guid(), own)).toBe(false);
    expect(provesIdentity(A, bob.guid(), bob.publicKey, nonce, alice.guid(), own)).toBe(false);
  });

  it('refuses to answer a nonce too short to be fresh or long enough to sign bulk data', () => {
    expect(B.answerChallenge(new Uint8Array(DEFAULTS.minNonceBytes - 1), alice.guid())).toBeUndefined();
    expect(B.answerChallenge(new Uint8Array(DEFAULTS.maxNonceBytes + 1), alice.guid())).toBeUndefined();
    expect(B.answerChallenge(new Uint8Array(DEFAULTS.minNonceBytes), alice.guid())).toHaveLength(64);
    expect(A.verifyAnswer(bob.publicKey, new Uint8Array(0), alice.guid(), new Uint8Array(64))).toBe(false);
  });

  it('nonces come from the injected random source: seeded providers repeat exactly', () => {
    const p1 = new SignedSecurityProvider(alice, { random: seeded(77) });
    const p2 = new SignedSecurityProvider(alice, { random: seeded(77) });
    const seq1 = [p1.createNonce(), p1.createNonce()].map((n) => Buffer.from(n).toString('hex'));
    const seq2 = [p2.createNonce(), p2.createNonce()].map((n) => Buffer.from(n).toString('hex'));
    expect(seq1).toEqual(seq2);
    expect(seq1[0]).not.toBe(seq1[1]);
    expect(() => createNonce(seeded(1), 8)).toThrow(InvalidArgumentError);
    expect(() => createNonce(() => new Uint8Array(3), 32)).toThrow(InvalidArgumentError);
    expect(() => new SignedSecurityProvider(alice, { nonceBytes: 1000 })).toThrow(InvalidArgumentError);
  });
});

describe('key cache', () => {
  it('parses each key once, stays within its bound, and never caches an unusable key', () => {
    const cache = new KeyCache(3);
    const P = new SignedSecurityProvider(alice, { keyCache: cache });
    const ids = [1, 2, 3, 4, 5].map((s) => Identity.generate(seeded(100 + s)));
    const data = new Uint8Array([1, 2, 3]);
    const sigs = ids.map((id) => new SignedSecurityProvider(id, { keyCache: new KeyCache(1) }).sign(data));
    for (let round = 0; round < 2; round++) {
      ids.forEach((id, i) => expect(P.verify(id.publicKey, data, sigs[i])).toBe(true));
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.stats.evicted).toBeGreaterThan(0);
    // The most recent three are hits now.
    const before = cache.stats.hits;
    ids.slice(2).forEach((id, i) => expect(P.verify(id.publicKey, data, sigs[i + 2])).toBe(true));
    expect(cache.stats.hits - before).toBe(3);
    expect(P.verify(new Uint8Array(31), data, sigs[0])).toBe(false);
    expect(cache.stats.invalid).toBe(1);
    expect(() => new KeyCache(0)).toThrow(InvalidArgumentError);
  });
});

describe('none provider', () => {
  it('trusts everything, signs with nothing, and draws no randomness', () => {
    const p: SecurityProvider = noneProvider;
    expect(p.name).toBe('none');
    expect(p.authenticates).toBe(false);
    expect(p.credential()).toHaveLength(0);
    expect(p.sign(new Uint8Array([1, 2, 3]))).toHaveLength(0);
    expect(p.verify(new Uint8Array(0), new Uint8Array([9]), new Uint8Array(0))).toBe(true);
    expect(p.validateCredential(mallory.publicKey, alice.guid())).toBe(true);
    expect(p.createNonce()).toHaveLength(0);
    expect(p.answerChallenge(new Uint8Array(0), alice.guid())).toHaveLength(0);
    expect(p.verifyAnswer(new Uint8Array(0), new Uint8Array(0), alice.guid(), new Uint8Array(0))).toBe(true);
    expect(provesIdentity(p, alice.guid(), new Uint8Array(0), new Uint8Array(0), bob.guid(), new Uint8Array(0))).toBe(true);
  });
});

describe('choosing a provider', () => {
  it("'none', 'signed' or the application's own; anything else is misuse", () => {
    expect(createSecurityProvider('none', alice)).toBe(noneProvider);
    const s = createSecurityProvider('signed', alice);
    expect(s).toBeInstanceOf(SignedSecurityProvider);
    expect(Buffer.from(s.credential()).equals(Buffer.from(alice.publicKey))).toBe(true);
    // An application's own provider: any object with the interface's members.
    const own: SecurityProvider = {
      name: 'app',
      authenticates: true,
      credential: () => new Uint8Array([1]),
      validateCredential: () => true,
      sign: () => new Uint8Array([2]),
      verify: () => true,
      createNonce: () => new Uint8Array(16),
      answerChallenge: () => new Uint8Array([3]),
      verifyAnswer: () => true,
    };
    expect(createSecurityProvider(own, alice)).toBe(own);
    const { verify: _missing, ...incomplete } = own;
    expect(() => createSecurityProvider(incomplete as unknown as SecurityProvider, alice)).toThrow(InvalidArgumentError);
    expect(() => createSecurityProvider('rsa' as 'none', alice)).toThrow(InvalidArgumentError);
  });
});
