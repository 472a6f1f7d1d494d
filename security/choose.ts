/**
 * The provider a node runs with, from what createNode was given: a name, or the application's own
 * provider. `signed` needs the node's identity; `none` ignores it.
 */
import { InvalidArgumentError } from '../errors';
import type { Identity } from './identity';
import { noneProvider } from './noneProvider';
import type { SecurityProvider } from './provider';
import { SignedSecurityProvider, type SignedProviderOptions } from './signedProvider';

/**
 * createNode's `security` option: `none` (nothing authenticated: simulations, closed networks),
 * `signed` (ed25519 keys; every GUID proven, every location record signed) or the application's own
 * {@link SecurityProvider}.
 */
export type SecurityProviderChoice = 'none' | 'signed' | SecurityProvider;

export function createSecurityProvider(choice: SecurityProviderChoice, identity: Identity, opts: SignedProviderOptions = {}): SecurityProvider {
  if (choice === 'none') return noneProvider;
  if (choice === 'signed') return new SignedSecurityProvider(identity, opts);
  if (isProvider(choice)) return choice;
  throw new InvalidArgumentError(`security must be 'none', 'signed' or a SecurityProvider, got ${String(choice)}`);
}

/** The methods a SecurityProvider has (the shape createNode checks an application provider by). */
const METHODS = ['credential', 'validateCredential', 'sign', 'verify', 'createNonce', 'answerChallenge', 'verifyAnswer'] as const;

export function isProvider(x: unknown): x is SecurityProvider {
  if (x === null || typeof x !== 'object') return false;
  const p = x as Record<string, unknown>;
  return typeof p.name === 'string' && typeof p.authenticates === 'boolean' && METHODS.every((m) => typeof p[m] === 'function');
}
