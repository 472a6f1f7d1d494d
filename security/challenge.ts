/**
 * Challenge and response: a peer proves it holds the key behind its GUID by signing a fresh nonce.
 *
 * What is signed is not the bare nonce but a domain-tagged string holding the challenger's GUID, the
 * answerer's own GUID and address (as the answerer advertises them) and the nonce. The tag keeps an
 * answer from ever being a valid signature of anything else (a signed record). The challenger's GUID
 * keeps a man in the middle from passing an answer the real key holder gave to someone else as its
 * own. The answerer's address closes the other relay: a node at address A that claims a victim's GUID
 * and relays each challenge it gets to the victim receives answers bound to the victim's address, so
 * a challenger that pinged A (and checks the answer against A) refuses them.
 *
 * A challenge-answer v1 (challenger and nonce only) is still what a provider signs when it is called
 * without the answerer (an application calling a provider directly); the node always passes it.
 */
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { CanonicalWriter } from './canonical';
import { writeAddress } from './canonicalAddress';
import type { RandomBytes } from './identity';
import { DEFAULTS } from './../defaults';

/** Domain tag of a challenge answer bound to the challenger alone (no answerer given). */
export const CHALLENGE_DOMAIN = 'tapestry/challenge-answer/v1';
/** Domain tag of a challenge answer bound to the answerer's GUID and address too. */
export const CHALLENGE_DOMAIN_BOUND = 'tapestry/challenge-answer/v2';

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

/**
 * The bytes an answer signs; callers check isAnswerableNonce first. With `answerer` (the answering
 * node's GUID and its own address) the answer is bound to where it was made: the verifier passes the
 * GUID the pong claims and the address it pinged, so an answer made elsewhere does not verify.
 */
export function challengeMessage(nonce: Uint8Array, challenger: Guid, answerer?: NodeHandle): Uint8Array {
  if (answerer === undefined) return new CanonicalWriter(CHALLENGE_DOMAIN).bytes8(challenger.bytes).bytes8(nonce).finish();
  const w = new CanonicalWriter(CHALLENGE_DOMAIN_BOUND).bytes8(challenger.bytes).bytes8(answerer.guid.bytes);
  return writeAddress(w, answerer.address).bytes8(nonce).finish();
}
