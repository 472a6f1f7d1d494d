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
import { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';

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
   * (too short to be fresh, or long enough to make it sign bulk data).
   *
   * `self` is this node's own handle (its GUID and the address it advertises); the node always
   * passes it. An answer must bind it, so that an answer relayed from this node to a challenger that
   * pinged another address does not verify there (see security/challenge.ts, challengeMessage). A
   * provider written before this parameter existed ignores it and stays bound to the challenger
   * only: a man in the middle can then relay its challenges to the real key holder.
   */
  answerChallenge(nonce: Uint8Array, challenger: Guid, self?: NodeHandle): Uint8Array | undefined;
  /**
   * Whether `answer` proves the holder of `credential` answered `nonce`, sent by `challenger`, from
   * `answerer`: the GUID the answer claims and the address the challenger pinged (the node always
   * passes it; the answer must have bound exactly that handle).
   */
  verifyAnswer(credential: Uint8Array, nonce: Uint8Array, challenger: Guid, answer: Uint8Array, answerer?: NodeHandle): boolean;
}

/**
 * Whether a peer proved it is `claimed.guid` at `claimed.address` (the address this node pinged): its
 * credential stands for that GUID, and it answered the nonce this node (`challenger`) sent it with an
 * answer bound to that GUID and address. A peer that fails is admitted to no routing table.
 *
 * `claimed` as a bare GUID checks an answer bound to the challenger only (challenge-answer v1): no
 * address is proven, so the node never calls it so.
 */
export function provesIdentity(
  provider: SecurityProvider,
  claimed: NodeHandle | Guid,
  credential: Uint8Array,
  nonce: Uint8Array,
  challenger: Guid,
  answer: Uint8Array,
): boolean {
  if (claimed instanceof Guid) return provider.validateCredential(credential, claimed) && provider.verifyAnswer(credential, nonce, challenger, answer);
  return provider.validateCredential(credential, claimed.guid) && provider.verifyAnswer(credential, nonce, challenger, answer, claimed);
}
