/**
 * The security provider: how a node authenticates itself and others, after Windows DRT's security
 * provider (GetSerializedCredential / ValidateRemoteCredential / SignData / VerifyData). The node
 * picks one at createNode: `none` for simulations and closed networks, `signed` on the open network,
 * or the application's own implementation of this interface (certificates, a PKI, an HSM).
 *
 * Contract: every method that looks at something a peer sent (a credential, a signature, a nonce, an
 * answer) returns false or undefined for anything it does not accept and never throws, so a hostile
 * frame cannot throw out of an actor. Methods are synchronous: they run once per hop in the router.
 */
import type { Guid } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';

export type { RandomBytes } from './identity';

/**
 * How a node authenticates itself and others (after Windows DRT's security provider). Built in:
 * `none` and `signed`; an application may bring its own (certificates, a PKI, an HSM).
 *
 * Contract: every method that looks at something a peer sent (a credential, a signature, a nonce, an
 * answer) returns false or undefined for anything it does not accept and never throws. Methods are
 * synchronous: they run once per hop in the router.
 */
export interface SecurityProvider {
  /** Shown in logs and stats: 'none', 'signed', or the application's name. */
  readonly name: string;
  /**
   * Whether this provider actually authenticates anything. When false the node may skip the
   * challenge round trip and signature fields altogether (the `none` provider).
   */
  readonly authenticates: boolean;

  /** This node's credential, sent to peers that ask who it is (for `signed`: the raw public key). */
  credential(): Uint8Array;
  /** Whether `credential` may stand for `claimed` (for `signed`: the GUID is the hash of the key). */
  validateCredential(credential: Uint8Array, claimed: Guid): boolean;

  /** A signature of `data` by this node. */
  sign(data: Uint8Array): Uint8Array;
  /** Whether `signature` is the holder of `credential`'s signature of `data`. */
  verify(credential: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;

  /** A fresh nonce to challenge a peer with (from the provider's injected random source). */
  createNonce(): Uint8Array;
  /**
   * This node's answer to `challenger`'s nonce, or undefined when the nonce is not one it answers
   * (too short to be fresh, or long enough to make it sign bulk data). `answerer` is this node's own
   * handle (GUID and the address it advertises): the answer must cover it, so that a relay at another
   * address cannot pass the answer off as made at its own (the built-in nodes always give it).
   */
  answerChallenge(nonce: Uint8Array, challenger: Guid, answerer?: NodeHandle): Uint8Array | undefined;
  /**
   * Whether `answer` proves the holder of `credential` answered `nonce`, sent by `challenger`, at
   * `answerer` (the GUID it claims and the address the challenge was sent to).
   */
  verifyAnswer(credential: Uint8Array, nonce: Uint8Array, challenger: Guid, answer: Uint8Array, answerer?: NodeHandle): boolean;
}

/**
 * Whether a peer proved it is `claimed`: its credential stands for that GUID, and it answered the
 * nonce this node (`challenger`) sent it. With `at` (the address the challenge went to) the answer
 * must also be bound to that GUID at that address. A peer that fails is admitted to no routing table.
 */
export function provesIdentity(
  provider: SecurityProvider,
  claimed: Guid,
  credential: Uint8Array,
  nonce: Uint8Array,
  challenger: Guid,
  answer: Uint8Array,
  at?: Address,
): boolean {
  return provider.validateCredential(credential, claimed) &&
    provider.verifyAnswer(credential, nonce, challenger, answer, at ? { guid: claimed, address: at } : undefined);
}
