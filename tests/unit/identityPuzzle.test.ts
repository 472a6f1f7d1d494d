/**
 * The identity puzzle (security/puzzle.ts): the leading-zero count against a bit-by-bit oracle, keys
 * ground at a difficulty meet it, and the `signed` provider never admits a key below its mesh's.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leadingZeroBits, meetsDifficulty, puzzleBits, puzzleHash } from '../../security/puzzle';
import { Identity } from '../../security/identity';
import { loadOrCreateIdentity } from '../../security/identityFile';
import { IdentityDifficultyError } from '../../security/errors';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { SeededRng } from '../../sim/random';
import { seededRandom } from '../../testing/testnet';
import { InvalidArgumentError } from '../../errors';

/** Oracle: walk the bits one by one, most significant first. */
function zerosByBits(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length * 8; i++) {
    if ((bytes[i >> 3] >> (7 - (i & 7))) & 1) return n;
    n++;
  }
  return n;
}

test('leadingZeroBits agrees with a bit-by-bit count', () => {
  const rng = new SeededRng(11);
  for (let t = 0; t < 5_000; t++) {
    const len = 1 + rng.int(8);
    const bytes = Uint8Array.from({ length: len }, () => rng.int(256));
    // Zero a random-length prefix so long runs are exercised, not only the first byte's.
    const zeroBits = rng.int(len * 8 + 1);
    for (let i = 0; i < zeroBits; i++) bytes[i >> 3] &= ~(1 << (7 - (i & 7)));
    expect(leadingZeroBits(bytes)).toBe(zerosByBits(bytes));
  }
  expect(leadingZeroBits(new Uint8Array(0))).toBe(0);
  expect(leadingZeroBits(new Uint8Array(3))).toBe(24);
});

test('the puzzle hash is SHA-256 of SHA-256 of the key', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const once = createHash('sha256').update(key).digest();
  expect(Buffer.from(puzzleHash(key)).toString('hex')).toBe(createHash('sha256').update(once).digest('hex'));
});

test.each([0, 1, 4, 8])('keys ground at difficulty %i meet it, and take about 2^c tries', (c) => {
  const random = seededRandom(new SeededRng(100 + c));
  let tries = 0;
  for (let k = 0; k < 6; k++) {
    const { identity, cost } = Identity.grind(random, c);
    expect(zerosByBits(puzzleHash(identity.publicKey))).toBeGreaterThanOrEqual(c);
    tries += cost.tries;
  }
  if (c === 0) expect(tries).toBe(6);
  // Six draws of a geometric variable with mean 2^c: far from 0, far below 20 × 2^c.
  else expect(tries).toBeLessThan(6 * 20 * 2 ** c);
});

test('difficulty 0 draws exactly the key generate() always drew', () => {
  const a = Identity.generate(seededRandom(new SeededRng(7)));
  const seed = seededRandom(new SeededRng(7))(32);
  expect(Buffer.from(a.seed())).toEqual(Buffer.from(seed));
});

test('a difficulty out of range is refused', () => {
  expect(() => Identity.grind(seededRandom(new SeededRng(1)), -1)).toThrow(InvalidArgumentError);
  expect(() => Identity.grind(seededRandom(new SeededRng(1)), 999)).toThrow(InvalidArgumentError);
});

test('the signed provider never admits a key below its difficulty, and counts each refusal', () => {
  const c = 6;
  const random = seededRandom(new SeededRng(21));
  const self = Identity.generate(random, c);
  const provider = new SignedSecurityProvider(self, { random, difficulty: c });
  let below = 0, admitted = 0;
  for (let i = 0; i < 300; i++) {
    const peer = Identity.generate(random);
    const ok = provider.validateCredential(peer.publicKey, peer.guid(160));
    // Oracle: the bit-by-bit count of the puzzle hash.
    const meets = zerosByBits(puzzleHash(peer.publicKey)) >= c;
    expect(ok).toBe(meets);
    if (!meets) below++;
    else admitted++;
  }
  expect(below).toBeGreaterThan(250);
  expect(provider.stats.belowDifficulty).toBe(below);
  // A ground key is admitted at both id widths.
  const good = Identity.generate(random, c);
  expect(provider.validateCredential(good.publicKey, good.guid(160))).toBe(true);
  expect(provider.validateCredential(good.publicKey, good.guid(256))).toBe(true);
  expect(admitted).toBe(300 - below);
});

test('a node whose own key falls short of its difficulty is refused at once', () => {
  const random = seededRandom(new SeededRng(3));
  let weak = Identity.generate(random);
  while (puzzleBits(weak.publicKey) >= 4) weak = Identity.generate(random);
  expect(() => new SignedSecurityProvider(weak, { difficulty: 4 })).toThrow(/below the 4 asked/);
  expect(meetsDifficulty(weak.publicKey, 0)).toBe(true);
});

test('an identity file is created at the difficulty, and a file below it is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'puzzle-'));
  try {
    const random = seededRandom(new SeededRng(5));
    const made = await loadOrCreateIdentity(join(dir, 'a.json'), { random, difficulty: 5 });
    expect(puzzleBits(made.publicKey)).toBeGreaterThanOrEqual(5);
    const again = await loadOrCreateIdentity(join(dir, 'a.json'), { difficulty: 5 });
    expect(Buffer.from(again.publicKey)).toEqual(Buffer.from(made.publicKey));
    const weak = await loadOrCreateIdentity(join(dir, 'b.json'), { random });
    const bits = puzzleBits(weak.publicKey);
    await expect(loadOrCreateIdentity(join(dir, 'b.json'), { difficulty: bits + 1 })).rejects.toThrow(IdentityDifficultyError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
