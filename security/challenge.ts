/**
 * Challenge and response: a peer proves it holds the key behind its GUID by signing a fresh nonce.
 *
 * What is signed is not the bare nonce but a domain-tagged string holding the challenger's GUID and
 * the nonce. The tag keeps an answer from ever being a valid signature of anything else (a signed
 * record); the challenger's GUID keeps a man in the middle from relaying a challenge it received to
 * the real key holder and passing the answer off as its own: the holder would bind it to the relay's
 * GUID, not to the node that asked.
 */
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { writeAddress } from './records';
import { CanonicalWriter } from './canonical';
import type { RandomBytes } from './identity';
import { DEFAULTS } from './../defaults';

/** Domain tag of a challenge answer. */
export const CHALLENGE_DOMAIN = 'tapestry/challenge-answer/v1';

/** A nonce of `bytes` random bytes. */
export function createNonce(random: RandomBytes, bytes: number = DEFAULTS.nonceBytes): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < DEFAULTS.minNonceBytes || bytes > DEFAULTS.maxNonceBytes) {
    throw new InvalidArgumentError(
      `a nonce is ${DEFAULTS.minNonceBytes} to ${DEFAULTS.maxNonceBytes} bytes, got ${bytes}`,
    );
  }
  const nonce = random(bytes);
  if (!(nonce instanceof Uint8Array) || nonce.length !== bytes) throw new InvalidArgumentError(`random(${bytes}) must return ${bytes} bytes`);
  return new Uint8Array(nonce);
}

/** Whether a nonce from a peer is one this node answers: within the nonce size limits. */
export function isAnswerableNonce(nonce: unknown): nonce is Uint8Array {
  return nonce instanceof Uint8Array && nonce.length >= DEFAULTS.minNonceBytes && nonce.length <= DEFAULTS.maxNonceBytes;
}

/** Domain tag of a challenge answer bound to the answerer's own GUID and address. */
export const BOUND_CHALLENGE_DOMAIN = 'tapestry/challenge-answer/v2';

/**
 * The bytes an answer signs; callers check isAnswerableNonce first. With `answerer` (what the
 * built-in nodes always give) the answer also covers the answerer's GUID and the address it is
 * reached at: a relay at another address that passes a challenge on to the real key holder gets back
 * an answer the challenger checks against the address it pinged, and refuses.
 */
export function challengeMessage(nonce: Uint8Array, challenger: Guid, answerer?: NodeHandle): Uint8Array {
  if (!answerer) return new CanonicalWriter(CHALLENGE_DOMAIN).bytes8(challenger.bytes).bytes8(nonce).finish();
  const w = new CanonicalWriter(BOUND_CHALLENGE_DOMAIN).bytes8(challenger.bytes).bytes8(nonce).bytes8(answerer.guid.bytes);
  writeAddress(w, answerer.address);
  return w.finish();
}
