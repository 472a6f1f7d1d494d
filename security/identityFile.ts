/**
 * Keeps a node's identity in a small file, so a restarted node comes back with the same GUID and the
 * pointers and routing entries others hold for it stay valid.
 *
 * File format (JSON, mode 0600):
 *   {"version":1,"algorithm":"ed25519","publicKey":"<base64url, 32 bytes>","privateKey":"<base64url seed, 32 bytes>"}
 * The public key is redundant; it is kept so a damaged seed is caught (it no longer derives the key
 * written beside it) instead of silently becoming a different identity.
 *
 * A missing file is created; an existing file is never overwritten. A file that cannot be parsed is a
 * CorruptIdentityFileError, left in place for the operator to inspect.
 */
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '../errors';
import { CorruptIdentityFileError, IdentityDifficultyError, IdentityFileError } from './errors';
import { checkDifficulty, meetsDifficulty, puzzleBits } from './puzzle';
import { Identity, secureRandom, type RandomBytes } from './identity';
import { PUBLIC_KEY_BYTES, SEED_BYTES } from './keys';
import { DEFAULTS } from './../defaults';

const VERSION = 1;
const ALGORITHM = 'ed25519';

export interface IdentityFileOptions {
  /** Where a new identity's seed comes from; the OS CSPRNG by default. */
  random?: RandomBytes;
  /** Largest file read; DEFAULTS.maxIdentityFileBytes. */
  maxFileBytes?: number;
  /**
   * The identity puzzle's difficulty (security/puzzle.ts): a new identity is ground until its key
   * meets it, and a file whose key falls short is refused (IdentityDifficultyError) rather than
   * joined with a key every peer would refuse. Default 0: no puzzle.
   */
  difficulty?: number;
}

/** The identity in the file at `path`, creating the file with a new identity when there is none. */
export async function loadOrCreateIdentity(path: string, opts: IdentityFileOptions = {}): Promise<Identity> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('an identity file path is required');
  const difficulty = checkDifficulty(opts.difficulty ?? 0);
  const existing = await readIdentityFile(path, opts);
  if (existing !== undefined) return meetingDifficulty(path, existing, difficulty);
  const created = Identity.generate(opts.random ?? secureRandom, difficulty);
  const won = await createIdentityFile(path, created);
  if (won) return created;
  // Another process created the file between our read and our write: its identity is the one.
  const theirs = await readIdentityFile(path, opts);
  if (theirs === undefined) throw new IdentityFileError(path, 'the identity file vanished while it was being created');
  return meetingDifficulty(path, theirs, difficulty);
}

/** `identity`, unless its key falls short of the puzzle's difficulty (IdentityDifficultyError). */
function meetingDifficulty(path: string, identity: Identity, difficulty: number): Identity {
  if (meetsDifficulty(identity.publicKey, difficulty)) return identity;
  throw new IdentityDifficultyError(path, difficulty, puzzleBits(identity.publicKey));
}

/** The identity in the file, or undefined when there is no file. Throws the named errors above. */
export async function readIdentityFile(path: string, opts: IdentityFileOptions = {}): Promise<Identity | undefined> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULTS.maxIdentityFileBytes;
  let text: string;
  try {
    // A stat first, so a huge file at the path is never read into memory.
    const info = await stat(path);
    if (!info.isFile()) throw new IdentityFileError(path, 'not a regular file');
    if (info.size > maxFileBytes) throw new CorruptIdentityFileError(path, `file is ${info.size} bytes, over ${maxFileBytes}`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof IdentityFileError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IdentityFileError(path, `could not read the identity file: ${(err as Error).message}`, err);
  }
  return parseIdentity(path, text);
}

/** Parses the file's text; every way it can be wrong is a CorruptIdentityFileError. */
export function parseIdentity(path: string, text: string): Identity {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CorruptIdentityFileError(path, 'not JSON');
  }
  const d = data as { version?: unknown; algorithm?: unknown; publicKey?: unknown; privateKey?: unknown } | null;
  if (d === null || typeof d !== 'object' || d.version !== VERSION || d.algorithm !== ALGORITHM) {
    throw new CorruptIdentityFileError(path, `not a version ${VERSION} ${ALGORITHM} identity file`);
  }
  const publicKey = base64url(d.publicKey, PUBLIC_KEY_BYTES);
  const seed = base64url(d.privateKey, SEED_BYTES);
  if (publicKey === undefined) throw new CorruptIdentityFileError(path, `publicKey is not ${PUBLIC_KEY_BYTES} base64url bytes`);
  if (seed === undefined) throw new CorruptIdentityFileError(path, `privateKey is not ${SEED_BYTES} base64url bytes`);
  const identity = Identity.fromSeed(seed);
  if (!Buffer.from(identity.publicKey).equals(publicKey)) {
    throw new CorruptIdentityFileError(path, 'privateKey does not derive the publicKey written beside it');
  }
  return identity;
}

/** The file's text for an identity. */
export function formatIdentity(identity: Identity): string {
  return (
    JSON.stringify({
      version: VERSION,
      algorithm: ALGORITHM,
      publicKey: Buffer.from(identity.publicKey).toString('base64url'),
      privateKey: Buffer.from(identity.seed()).toString('base64url'),
    }) + '\n'
  );
}

/**
 * Writes the identity to `path` only if nothing is there: the whole file goes to a private temporary
 * first (mode 0600, flushed), then is hard-linked into place, which fails rather than replaces when
 * the path exists. So a crash never leaves a half-written identity, and a file that appeared in the
 * meantime is never clobbered. Returns false when the path was taken.
 */
export async function createIdentityFile(path: string, identity: Identity): Promise<boolean> {
  // A random suffix: concurrent creators, and a temporary left by a crash, never share a name.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(formatIdentity(identity), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // Filesystems without hard links: a rename is still atomic, but it would replace a file created
      // since the check; look once more to keep that window as small as it can be.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      if (await exists(path)) return false;
      await rename(temp, path);
    }
    return true;
  } catch (err) {
    throw new IdentityFileError(path, `could not write the identity file: ${(err as Error).message}`, err);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function base64url(value: unknown, bytes: number): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  const out = Buffer.from(value, 'base64url');
  // Re-encoding must give the same text, so trailing junk bits do not pass as a valid key.
  return out.length === bytes && out.toString('base64url') === value ? out : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
