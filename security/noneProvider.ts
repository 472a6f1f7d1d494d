/**
 * The `none` provider: trusts every peer. Credentials, signatures, nonces and answers are all empty,
 * so a simulation or a closed network pays nothing for security, and it draws no randomness, so a
 * seeded run is the same with it as without it.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { SecurityProvider } from './provider';

const EMPTY = new Uint8Array(0);

export class NoneSecurityProvider implements SecurityProvider {
  readonly name = 'none';
  readonly authenticates = false;

  credential(): Uint8Array {
    return EMPTY;
  }

  validateCredential(_credential: Uint8Array, _claimed: Guid): boolean {
    return true;
  }

  sign(_data: Uint8Array): Uint8Array {
    return EMPTY;
  }

  verify(_credential: Uint8Array, _data: Uint8Array, _signature: Uint8Array): boolean {
    return true;
  }

  createNonce(): Uint8Array {
    return EMPTY;
  }

  answerChallenge(_nonce: Uint8Array, _challenger: Guid, _self?: NodeHandle): Uint8Array {
    return EMPTY;
  }

  verifyAnswer(_credential: Uint8Array, _nonce: Uint8Array, _challenger: Guid, _answer: Uint8Array, _answerer?: NodeHandle): boolean {
    return true;
  }
}

/** The `none` provider; it holds no state, so one instance serves every node. */
export const noneProvider: SecurityProvider = new NoneSecurityProvider();
