/** Named errors of the security layer. */
import { TapestryError } from '../errors';

/** The identity file could not be read or written (permissions, a directory at the path, disk full). */
export class IdentityFileError extends TapestryError {
  constructor(
    readonly path: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${path}: ${message}`);
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * The identity file exists but does not hold a valid key pair. It is left untouched: overwriting it
 * would silently give the node a new GUID and lose the old one for good.
 */
export class CorruptIdentityFileError extends IdentityFileError {}

/**
 * The identity file holds a key below the identity puzzle's difficulty (security/puzzle.ts): every
 * peer of a mesh asking that difficulty would refuse it. Left in place; a new file is needed.
 */
export class IdentityDifficultyError extends IdentityFileError {
  constructor(
    path: string,
    readonly difficulty: number,
    readonly bits: number,
  ) {
    super(path, `the key meets identity difficulty ${bits}, below the ${difficulty} asked; move the file away to make a new identity`);
  }
}
