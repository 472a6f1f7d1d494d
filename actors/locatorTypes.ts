/** What the location runtime (actors/locatorRuntime.ts) needs from its node, and its options. */
import type { NodeHandle } from '../routing/handle';
import type { Delivery } from '../upcalls/contract';
import type { SecurityProvider } from '../security/provider';
import type { RandomBytes } from '../security/identity';
import type { RuntimeHost } from './routerTypes';

/** What the locator needs from its node. */
export interface LocatorHost extends RuntimeHost {
  /** `acked` false: no hop acknowledgement (absent: the router's default, acknowledged). */
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number, acked?: boolean): void;
  /** Hands a message to a local module as a delivery (sendToObject at a replica). */
  deliverLocal(delivery: Delivery): void;
  /** Asks the actor for a timeout of this attempt of a locate. */
  armTimeout(locateId: number, salt: number, ms: number): void;
  /** Asks the actor for the end of publish wait `id` (`publishTimedOut`) after `ms`. */
  armPublishTimeout(id: number, ms: number): void;
  /** Tells the actor the pointer store is no longer empty (so it sweeps). */
  pointersHeld(): void;
  /**
   * Pings an address once, without a challenge, on the strangers' budget: a server checks that a
   * locate's origin receives at its address before it sends it an answer larger than the locate.
   * Absent: such an answer is withheld.
   */
  checkReturn?(to: NodeHandle, done: (answered: boolean) => void): void;
  /** Signs this node's records and checks everyone's; absent = `none` (nothing signed or checked). */
  readonly security?: SecurityProvider;
  /** The node's injected random source (locate ids); absent: the operating system's CSPRNG. */
  readonly random?: RandomBytes;
  /** Seconds on the network's wall clock (owner grants expire by it); absent: Unix time. */
  readonly wallSeconds?: () => number;
}

export interface LocatorOptions {
  readonly salts: number;
  readonly pointerLifetimeMs: number;
  /**
   * Republish period (ms): each publication is republished at its own phase of it (`republishDue`).
   * Absent or 0: `republishDue` republishes everything, as `republishAll` (the actor's own period).
   */
  readonly republishMs?: number;
  readonly attemptTimeoutMs: number;
  /** JSAC pointer caching: backups of the next hop, nearest neighbours, on the first `hops` hops. */
  readonly extra: { readonly backups: number; readonly neighbours: number; readonly hops: number };
  /** Claim and enforce object ownership under an authenticating provider (DEFAULTS.objectOwnership). */
  readonly ownership?: boolean;
}
