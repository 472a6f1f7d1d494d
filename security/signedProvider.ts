/**
 * The `signed` provider: real ed25519 through node:crypto (11–15× faster than pure-JS curves here).
 * A node's credential is its raw public key; a credential stands for a GUID when the GUID is that
 * key's hash. Remote keys are parsed once and kept in a bounded KeyCache.
 *
 * ed25519 signatures are deterministic, so simulations with this provider repeat exactly as long as
 * identities and nonces come from seeded sources.
 */
import { sign, verify } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { challengeMessage, createNonce, isAnswerableNonce } from './challenge';
import { guidFromPublicKey, secureRandom, type Identity, type RandomBytes } from './identity';
import { type KeyCache, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sharedKeyCache } from './keys';
import { DEFAULTS } from './../defaults';
import type { SecurityProvider } from './provider';

export interface SignedProviderOptions {
  /** Source of nonces; the OS CSPRNG by default, a seeded one in the simulator. */
  random?: RandomBytes;
  /** Parsed remote keys; the process-wide sharedKeyCache() by default. */
  keyCache?: KeyCache;
  /** Bytes per nonce; DEFAULTS.nonceBytes. */
  nonceBytes?: number;
}

export class SignedSecurityProvider implements SecurityProvider {
  readonly name = 'signed';
  readonly authenticates = true;
  readonly keyCache: KeyCache;
  private readonly random: RandomBytes;
  private readonly nonceBytes: number;

  constructor(
    readonly identity: Identity,
    opts: SignedProviderOptions = {},
  ) {
    this.random = opts.random ?? secureRandom;
    this.keyCache = opts.keyCache ?? sharedKeyCache();
    const nonceBytes = opts.nonceBytes ?? DEFAULTS.nonceBytes;
    // Checked now rather than at the first challenge.
    if (!Number.isInteger(nonceBytes) || nonceBytes < DEFAULTS.minNonceBytes || nonceBytes > DEFAULTS.maxNonceBytes) {
      throw new InvalidArgumentError(`nonceBytes must be ${DEFAULTS.minNonceBytes} to ${DEFAULTS.maxNonceBytes}, got ${nonceBytes}`);
    }
    this.nonceBytes = nonceBytes;
  }

  credential(): Uint8Array {
    return this.identity.publicKey;
  }

  validateCredential(credential: Uint8Array, claimed: Guid): boolean {
    if (!(credential instanceof Uint8Array) || credential.length !== PUBLIC_KEY_BYTES) return false;
    return guidFromPublicKey(credential, claimed.bits).equals(claimed);
  }

  sign(data: Uint8Array): Uint8Array {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('sign() takes a Uint8Array');
    return sign(null, data, this.identity.privateKeyObject);
  }

  verify(credential: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
    if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    const key = this.keyCache.get(credential);
    if (key === undefined) return false;
    try {
      return verify(null, data, key, signature);
    } catch {
      return false;
    }
  }

  createNonce(): Uint8Array {
    return createNonce(this.random, this.nonceBytes);
  }

  answerChallenge(nonce: Uint8Array, challenger: Guid, self?: NodeHandle): Uint8Array | undefined {
    if (!isAnswerableNonce(nonce)) return undefined;
    return this.sign(challengeMessage(nonce, challenger, self));
  }

  verifyAnswer(credential: Uint8Array, nonce: Uint8Array, challenger: Guid, answer: Uint8Array, answerer?: NodeHandle): boolean {
    if (!isAnswerableNonce(nonce)) return false;
    let message: Uint8Array;
    try {
      message = challengeMessage(nonce, challenger, answerer);
    } catch {
      // An address no answer could bind (a malformed handle): nothing is proven, and nothing throws.
      return false;
    }
    return this.verify(credential, message, answer);
  }
}
