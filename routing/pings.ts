/**
 * Pings and their challenges: the pings awaiting a pong, each pong settled into a PingReply (with
 * the answerer's proof checked through the security provider), and a ping answered with a pong that
 * carries this node's proof and, when asked, its admission hint.
 *
 * Pure: frames go out through a small port (the caller encodes them), timers through the same port,
 * and time comes in as `now`.
 */
import { DEFAULTS } from '../defaults';
import { LimitExceededError, TimeoutError } from '../errors';
import { provesIdentity, type SecurityProvider } from '../security/provider';
import type { Guid } from './guid';
import { sameAddress, type Address, type NodeHandle } from './handle';
import type { Body, Ping, Pong, Writable } from './messages';

/** Ping counters, part of the router's stats (`node.stats.router`). */
export interface PingStats {
  /** Pings from peers this node answered with a pong. */
  pingsAnswered: number;
  /** Pings this node did not send because DEFAULTS.maxPendingPings were waiting for an answer. */
  pingsRefused: number;
  /** Pings sent with a challenge for the answerer to sign (an authenticating provider, a peer not yet proven). */
  pingsChallenged: number;
  /** Pings sent again for want of a pong (a round trip measured across one includes the wait). */
  pingsResent: number;
  /** Pongs ignored because they came from another address than the one pinged (a spoofed or relayed answer). */
  pongsMisdirected: number;
}

/** A pong: the round trip and who answered (a peer's GUID is learnt this way from its address). */
export interface PingReply {
  readonly rtt: number;
  readonly peer: NodeHandle;
  /** The peer proved it holds the key behind its GUID (always true when the provider does not authenticate, or no proof was asked). */
  readonly proven: boolean;
  /** The ping carried a challenge and the pong answered it: only then does `proven` say anything about the peer's key. */
  readonly challenged: boolean;
  /**
   * True when the ping carried a challenge and the pong came back with no credential and no proof at
   * all: the answerer does not authenticate (security `none`), a provider mismatch rather than a
   * forgery; undefined otherwise.
   */
  readonly noProof?: true;
  /**
   * By the pong's word, a round trip (ms) below this enters the peer's routing table: Infinity = any,
   * 0 = none. Undefined when the ping did not ask (`PingOptions.admission`).
   */
  readonly admitBelowMs?: number;
}

/** What a ping asks of its answerer. */
export interface PingOptions {
  /**
   * Default true. False asks for no proof even when the provider authenticates: a liveness check of
   * a peer that already proved its GUID at that address (its pong admits nothing).
   */
  readonly challenge?: boolean;
  /**
   * Default false. True asks for the answerer's admission hint (`PingReply.admitBelowMs`): a joining
   * node's measurement reads it; a liveness check would only make the answerer look up a table slot
   * and add bytes to its pong for nothing.
   */
  readonly admission?: boolean;
  /**
   * Default false. True: a challenge a stranger's message asked for (an adopt, a join, a neighbour
   * request), drawn from its own budget (DEFAULTS.maxPendingStrangerPings), so strangers asking for
   * proofs never use up the pings of this node's own heartbeats, joins and repairs (maxPendingPings).
   */
  readonly stranger?: boolean;
}

/**
 * Called once when a ping ends: with the reply, or with the error (timeout, refused, closed).
 * Called synchronously from the event that ends it, so protocol steps chained on pings run in the
 * node's own (possibly virtual) time, never on the microtask queue.
 */
export type PingDone = (reply: PingReply | undefined, err?: Error) => void;

/** What pings need from the node. */
export interface PingPort {
  /** Encodes and sends a frame that wants no HopAck. */
  send(to: Address, body: Body): void;
  /** A one-shot timer on the node's clock; the answer cancels it. */
  after(ms: number, fire: () => void): () => void;
}

export interface PingsOptions {
  /** This node's GUID: a proof is bound to the pinger that asked for it. */
  readonly self: Guid;
  /**
   * This node's own address as it advertises it: a proof this node gives is bound to it (and to its
   * GUID), so a proof relayed to a pinger of another address does not verify there.
   */
  readonly address: Address;
  /** When it authenticates, every ping carries a challenge and every pong proves the answerer's GUID. */
  readonly security?: SecurityProvider;
  /** Send an unanswered ping again (DEFAULTS.pingResendMs, pingResends times): on with hop acknowledgements. */
  readonly resend: boolean;
  /** The answering table's admission bound for a pinger (RoutingTable.admitBelow, ms). */
  readonly admitBelow: (pinger: Guid) => number;
  /**
   * A ping carried a challenge this node cannot answer, its provider not authenticating: the pinger
   * requires a proof of identity this node can never give (a provider mismatch). Called after the pong
   * is sent.
   */
  readonly onProofDemanded?: (pinger: NodeHandle) => void;
  /** A pong settled a ping `rttMs` after its first send: a round-trip sample of its sender. */
  readonly sampled?: (sender: NodeHandle, rttMs: number) => void;
}

interface PendingPing {
  /** The address pinged: only a pong from it settles the ping, and a proof must be bound to it. */
  readonly to: Address;
  readonly sentAt: number;
  readonly done: PingDone;
  readonly challenge?: Uint8Array;
  readonly admission: boolean;
  readonly stranger: boolean;
  /** Cancels the ping's timeout and its next resend: a settled ping leaves no timer armed. */
  cancelTimeout?: () => void;
  cancelResend?: () => void;
}

export class Pings {
  /** Nonce → the ping awaiting its pong; at most DEFAULTS.maxPendingPings, beyond it a ping is refused. */
  private readonly pending = new Map<number, PendingPing>();
  /** Of `pending`, the pings strangers asked for (PingOptions.stranger): their own budget. */
  private pendingStranger = 0;
  /**
   * Without an authenticating provider ping nonces count up from 0 (nothing is proven by a pong
   * then, and a seeded run repeats). With one, each ping's nonce is drawn afresh (nextNonce): a pong
   * to a liveness ping (no challenge) is matched by its nonce alone, which an off-path sender must
   * not guess, and a counter would tell it the next one.
   */
  private nextNonce = 0;

  constructor(
    private readonly port: PingPort,
    private readonly stats: PingStats,
    private readonly opts: PingsOptions,
  ) {}

  /**
   * The next ping's nonce: counted up without an authenticating provider; else a uint32 from the
   * first 4 bytes of a nonce from the provider's random source (seeded in the simulator, so a run
   * still repeats), drawn again while it equals a pending ping's.
   */
  private drawNonce(): number {
    const security = this.opts.security;
    if (!security?.authenticates) return this.nextNonce++ >>> 0;
    let nonce = 0;
    for (let draw = 0; draw < NONCE_DRAWS; draw++) {
      const b = security.createNonce();
      // A provider whose nonces are shorter than 4 bytes gets no secrecy from them: count up instead.
      nonce = b.length >= 4 ? ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 : this.nextNonce++ >>> 0;
      if (!this.pending.has(nonce)) return nonce;
    }
    // A random source that keeps repeating itself (a broken or stub one): the next free nonce after
    // the last draw, found within maxPendingPings + 1 steps.
    while (this.pending.has(nonce)) nonce = (nonce + 1) >>> 0;
    return nonce;
  }

  /** Pings awaiting their pong. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends a ping to `to` at `now`; `done` gets the round trip and the answering peer, or a TimeoutError
   * after `timeoutMs`. Returns its nonce.
   */
  ping(to: Address, done: PingDone, opts: PingOptions, now: number, timeoutMs: number): number {
    const nonce = this.drawNonce();
    const stranger = opts.stranger === true;
    const limit = stranger ? DEFAULTS.maxPendingStrangerPings : DEFAULTS.maxPendingPings;
    if ((stranger ? this.pendingStranger : this.pending.size - this.pendingStranger) >= limit) {
      this.stats.pingsRefused++;
      done(undefined, new LimitExceededError(`more than ${limit} ${stranger ? "strangers' " : ''}pings pending`));
      return nonce;
    }
    const security = this.opts.security;
    const nonceToSign = opts.challenge !== false && security?.authenticates ? security.createNonce() : undefined;
    if (nonceToSign) this.stats.pingsChallenged++;
    const admission = opts.admission === true;
    const pending: PendingPing = { sentAt: now, to, done, challenge: nonceToSign, admission, stranger };
    this.pending.set(nonce, pending);
    if (stranger) this.pendingStranger++;
    const ping: Writable<Ping> = { nonce };
    if (nonceToSign) {
      ping.challenge = nonceToSign;
      // The answer's credential and proof are larger than a challenge: padded so no pong outweighs its ping.
      ping.padding = DEFAULTS.challengePaddingBytes;
    }
    if (admission) ping.admission = true;
    this.port.send(to, { kind: 'ping', ping });
    // One lost ping or pong must not fail a live neighbour on a lossy link: sent again while unanswered.
    // A stranger's ping is sent once: its resends would multiply what a forged request draws to an address.
    if (this.opts.resend && !stranger) pending.cancelResend = this.port.after(DEFAULTS.pingResendMs, () => this.resend(ping, to, DEFAULTS.pingResends));
    pending.cancelTimeout = this.port.after(timeoutMs, () => this.timedOut(nonce));
    return nonce;
  }

  /** Sends an unanswered ping again (the same nonce: any copy's pong settles it), `left` more times. */
  private resend(ping: Ping, to: Address, left: number): void {
    const p = this.pending.get(ping.nonce);
    if (left <= 0 || !p) return;
    this.stats.pingsResent++;
    this.port.send(to, { kind: 'ping', ping });
    p.cancelResend = left > 1 ? this.port.after(DEFAULTS.pingResendMs, () => this.resend(ping, to, left - 1)) : undefined;
  }

  /** The ping's time is up; one already answered is gone and ignored. */
  private timedOut(nonce: number): void {
    const p = this.pending.get(nonce);
    if (!p) return;
    this.remove(nonce, p);
    p.cancelResend?.();
    p.done(undefined, new TimeoutError(`ping ${nonce} got no pong`));
  }

  /**
   * A pong from `sender` (the GUID its frame claims), arrived from the UDP address `from` at `now`:
   * settles its ping, once. A pong for no pending ping is ignored, and so is one from another
   * address than the ping went to (the ping stays pending): only the pinged address can answer for
   * itself, so a pong sent from elsewhere with a guessed or overheard nonce proves nothing.
   */
  settle(pong: Pong, sender: NodeHandle, now: number, from: Address): void {
    const p = this.pending.get(pong.nonce);
    if (!p) return;
    if (!sameAddress(from, p.to)) {
      this.stats.pongsMisdirected++;
      return;
    }
    this.remove(pong.nonce, p);
    p.cancelTimeout?.();
    p.cancelResend?.();
    // The sample is of the address pinged: the GUID it answered with, at that address.
    this.opts.sampled?.({ guid: sender.guid, address: p.to }, now - p.sentAt);
    // The proof must be bound to the GUID the pong claims at the address that was pinged.
    const proven = !p.challenge || (pong.credential !== undefined && pong.proof !== undefined &&
      provesIdentity(this.opts.security!, { guid: sender.guid, address: p.to }, pong.credential, p.challenge, this.opts.self, pong.proof));
    const admitBelowMs = p.admission ? admitFromHint(pong.admitBelowUs) : undefined;
    const noProof = p.challenge !== undefined && pong.credential === undefined && pong.proof === undefined ? true : undefined;
    p.done({ rtt: now - p.sentAt, peer: sender, proven, challenged: p.challenge !== undefined, noProof, admitBelowMs });
  }

  private remove(nonce: number, p: PendingPing): void {
    this.pending.delete(nonce);
    if (p.stranger) this.pendingStranger--;
  }

  /**
   * Answers a ping from `pinger` to the address it came from (the path the pinger measures). With a
   * challenge (and an authenticating provider) the pong carries this node's proof, bound to the
   * pinger; the admission hint only when the ping asked for it.
   */
  answer(ping: Ping, pinger: NodeHandle, from: Address): void {
    this.stats.pingsAnswered++;
    this.port.send(from, { kind: 'pong', pong: this.pongFor(ping, pinger) });
    if (ping.challenge && !this.opts.security?.authenticates) this.opts.onProofDemanded?.(pinger);
  }

  private pongFor(ping: Ping, pinger: NodeHandle): Pong {
    const admit = ping.admission ? admitHint(this.opts.admitBelow(pinger.guid)) : undefined;
    const security = this.opts.security;
    if (!ping.challenge || !security?.authenticates) return { nonce: ping.nonce, ...admit };
    const proof = security.answerChallenge(ping.challenge, pinger.guid, { guid: this.opts.self, address: this.opts.address });
    const credential = security.credential();
    // A proof goes only to a ping that brought as many bytes: no reflection gains from a spoofed source.
    if (proof && ping.challenge.length + (ping.padding ?? 0) < credential.length + proof.length) return { nonce: ping.nonce, ...admit };
    return proof ? { nonce: ping.nonce, credential, proof, ...admit } : { nonce: ping.nonce, ...admit };
  }

  /** Fails every ping still waiting (the node closes). */
  shutdown(reason: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.pendingStranger = 0;
    for (const p of pending) {
      p.cancelTimeout?.();
      p.cancelResend?.();
      p.done(undefined, reason);
    }
  }
}

/** Draws of a fresh nonce before a ping takes the next free one (a uint32 collides with a pending one about once in 4 million draws). */
const NONCE_DRAWS = 4;

// A Pong's admit_below_us: µs rounded up, 0 (left off the wire) for any latency, the largest uint32 for none.
const ADMIT_NONE = 0xffff_ffff;

/** The hint for a table's `admitBelow` (ms). */
export function admitHint(ms: number): { admitBelowUs?: number } {
  if (ms === Number.POSITIVE_INFINITY) return {};
  return { admitBelowUs: ms <= 0 ? ADMIT_NONE : Math.min(ADMIT_NONE - 1, Math.ceil(ms * 1000)) };
}

/** The latency bound (ms) a Pong's hint gives. */
export function admitFromHint(us: number | undefined): number {
  if (us === undefined || us === 0) return Number.POSITIVE_INFINITY;
  return us === ADMIT_NONE ? 0 : us / 1000;
}
