/**
 * Identities: GUID derivation checked against node:crypto's own hashes, key handling checked against
 * the RFC 8032 test vectors, and the identity file (round trip, mode, never overwritten, corrupt
 * files reported by name).
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../sim/random';
import { InvalidArgumentError } from '../../errors';
import { CorruptIdentityFileError, IdentityFileError } from '../../security/errors';
import { guidFromPublicKey, Identity, type RandomBytes } from '../../security/identity';
import { formatIdentity, loadOrCreateIdentity, readIdentityFile } from '../../security/identityFile';
import { exportPublicKey, importPublicKey } from '../../security/keys';

function seeded(seed: number): RandomBytes {
  const rng = new SeededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => rng.int(256));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** RFC 8032 §7.1, tests 1–3: secret key (seed), public key, message, signature. */
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('Identity keys', () => {
  it.each(RFC8032)('a seed gives the RFC 8032 public key and signatures (%#)', (v) => {
    const id = Identity.fromSeed(Buffer.from(v.seed, 'hex'));
    expect(hex(id.publicKey)).toBe(v.pub);
    expect(hex(id.seed())).toBe(v.seed);
    const s = sign(null, Buffer.from(v.msg, 'hex'), id.privateKeyObject);
    expect(s.toString('hex')).toBe(v.sig);
    // The public KeyObject is the vector's key, as parsed independently from SPKI DER.
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(v.pub, 'hex')]);
    const ref = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(v.msg, 'hex'), ref, s)).toBe(true);
    expect(hex(exportPublicKey(id.publicKeyObject))).toBe(v.pub);
  });

  it('raw public keys go in and out unchanged', () => {
    for (const v of RFC8032) expect(hex(exportPublicKey(importPublicKey(Buffer.from(v.pub, 'hex'))))).toBe(v.pub);
    expect(() => importPublicKey(new Uint8Array(31))).toThrow(InvalidArgumentError);
  });

  it('a seeded random source gives the same identity every time; different seeds differ', () => {
    const a = Identity.generate(seeded(1));
    const b = Identity.generate(seeded(1));
    const c = Identity.generate(seeded(2));
    expect(hex(a.publicKey)).toBe(hex(b.publicKey));
    expect(hex(a.publicKey)).not.toBe(hex(c.publicKey));
    expect(Identity.generate().publicKey).toHaveLength(32);
  });

  it('refuses a random source that returns the wrong number of bytes', () => {
    expect(() => Identity.generate(() => new Uint8Array(16))).toThrow(InvalidArgumentError);
    expect(() => Identity.fromSeed(new Uint8Array(31))).toThrow(InvalidArgumentError);
  });
});

describe('GUID derivation', () => {
  it('is SHA-1 of the raw public key for 160-bit ids and SHA-256 for 256-bit ids', () => {
    const random = seeded(7);
    for (let i = 0; i < 50; i++) {
      const id = Identity.generate(random);
      const sha1 = createHash('sha1').update(id.publicKey).digest('hex');
      const sha256 = createHash('sha256').update(id.publicKey).digest('hex');
      expect(id.guid(160).hex).toBe(sha1);
      expect(id.guid(256).hex).toBe(sha256);
      expect(guidFromPublicKey(id.publicKey, 160).hex).toBe(sha1);
      expect(guidFromPublicKey(id.publicKey, 256).hex).toBe(sha256);
    }
  });

  it('matches a fixed value for the RFC 8032 test 1 key', () => {
    const pub = Buffer.from(RFC8032[0].pub, 'hex');
    expect(guidFromPublicKey(pub, 160).hex).toBe(createHash('sha1').update(pub).digest('hex'));
    expect(guidFromPublicKey(pub).bits).toBe(160);
    expect(() => guidFromPublicKey(new Uint8Array(33))).toThrow(InvalidArgumentError);
  });
});

describe('identity file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapestry-identity-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file once (mode 0600, in a new directory) and loads the same identity after', async () => {
    const path = join(dir, 'nested', 'node.key');
    const first = await loadOrCreateIdentity(path, { random: seeded(3) });
    const again = await loadOrCreateIdentity(path, { random: seeded(99) });
    expect(hex(again.publicKey)).toBe(hex(first.publicKey));
    expect(again.guid().hex).toBe(first.guid().hex);
    expect(hex(again.seed())).toBe(hex(first.seed()));
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    const data = JSON.parse(await readFile(path, 'utf8'));
    expect(data).toEqual({
      version: 1,
      algorithm: 'ed25519',
      publicKey: Buffer.from(first.publicKey).toString('base64url'),
      privateKey: Buffer.from(first.seed()).toString('base64url'),
    });
    // No temporary left behind.
    expect(await readdir(join(dir, 'nested'))).toEqual(['node.key']);
  });

  it('loads a file written by hand from a known seed', async () => {
    const path = join(dir, 'rfc.key');
    const v = RFC8032[1];
    const b64 = (h: string): string => Buffer.from(h, 'hex').toString('base64url');
    await writeFile(path, JSON.stringify({ version: 1, algorithm: 'ed25519', publicKey: b64(v.pub), privateKey: b64(v.seed) }));
    const id = await readIdentityFile(path);
    expect(hex(id!.publicKey)).toBe(v.pub);
    expect(await readIdentityFile(join(dir, 'absent.key'))).toBeUndefined();
  });

  it('concurrent creators agree on one identity', async () => {
    const path = join(dir, 'race.key');
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map((s) => loadOrCreateIdentity(path, { random: seeded(s) })));
    const keys = new Set(ids.map((i) => hex(i.publicKey)));
    expect(keys.size).toBe(1);
    expect(hex((await readIdentityFile(path))!.publicKey)).toBe([...keys][0]);
    expect(await readdir(dir)).toEqual(['race.key']);
  });

  const good = Identity.generate(seeded(11));
  const goodText = formatIdentity(good);
  const goodJson = JSON.parse(goodText) as Record<string, unknown>;
  const other = Identity.generate(seeded(12));
  const corrupt: Array<[string, string]> = [
    ['empty', ''],
    ['not JSON', '{"version":1,'],
    ['null', 'null'],
    ['an array', '[]'],
    ['wrong version', JSON.stringify({ ...goodJson, version: 2 })],
    ['wrong algorithm', JSON.stringify({ ...goodJson, algorithm: 'rsa' })],
    ['missing private key', JSON.stringify({ ...goodJson, privateKey: undefined })],
    ['short private key', JSON.stringify({ ...goodJson, privateKey: 'AAAA' })],
    ['private key not base64url', JSON.stringify({ ...goodJson, privateKey: '!'.repeat(43) })],
    ['public key a number', JSON.stringify({ ...goodJson, publicKey: 7 })],
    ['keys of two identities', JSON.stringify({ ...goodJson, publicKey: Buffer.from(other.publicKey).toString('base64url') })],
    ['truncated', goodText.slice(0, goodText.length - 20)],
    ['too large', ' '.repeat(5000) + goodText],
  ];

  it.each(corrupt)('a corrupt file (%s) is a CorruptIdentityFileError and is left untouched', async (_why, text) => {
    const path = join(dir, 'bad.key');
    await writeFile(path, text);
    const err = await loadOrCreateIdentity(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptIdentityFileError);
    expect((err as CorruptIdentityFileError).path).toBe(path);
    expect((err as Error).name).toBe('CorruptIdentityFileError');
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('a flipped bit anywhere in the seed is caught, never a silent new identity', async () => {
    const path = join(dir, 'flip.key');
    const seed = Buffer.from(good.seed());
    for (let bit = 0; bit < 256; bit += 7) {
      const bad = Buffer.from(seed);
      bad[bit >> 3] ^= 1 << (bit & 7);
      await writeFile(path, JSON.stringify({ ...goodJson, privateKey: bad.toString('base64url') }));
      await expect(loadOrCreateIdentity(path)).rejects.toBeInstanceOf(CorruptIdentityFileError);
    }
  });

  it('a directory at the path or an unreadable file is an IdentityFileError, not a crash', async () => {
    await expect(loadOrCreateIdentity(dir)).rejects.toBeInstanceOf(IdentityFileError);
    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      const path = join(dir, 'locked.key');
      await writeFile(path, goodText);
      await chmod(path, 0o000);
      await expect(loadOrCreateIdentity(path)).rejects.toBeInstanceOf(IdentityFileError);
    }
    await expect(loadOrCreateIdentity('')).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
