/**
 * Per-peer message rate limit: one token bucket per sender address, refilled at `ratePerSec` up to
 * `burst`. Pure: time comes in as `now` from the node's clock, so the simulator's virtual time
 * drives it exactly as the wall clock does on UDP.
 *
 * The map of buckets is bounded (`maxPeers`); beyond it the longest-known peer's bucket is dropped.
 * A dropped bucket starts full again when its peer returns, so the bound can only make the limit
 * more lenient, never refuse an honest peer.
 *
 * A bucket that has had time to refill is the same as no bucket, so each call also looks at the
 * oldest bucket and forgets it once it is full again: a node keeps buckets only for peers heard
 * within the last burst / rate seconds, not for every peer it ever heard (in a large simulation
 * that was most of a node's memory).
 */
import { InvalidArgumentError } from '../errors';

interface Bucket {
  tokens: number;
  /** `now` when `tokens` was last brought up to date. */
  at: number;
}

export class PeerRateLimiter {
  /** Keyed by `peerKey`; insertion order is the order of the sweep below. */
  private readonly buckets = new Map<PeerKey, Bucket>();
  /** How long an untouched bucket takes to refill from empty (ms): after that it can be forgotten. */
  private readonly refillMs: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    readonly maxPeers: number,
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1) || !Number.isInteger(maxPeers) || maxPeers < 1) {
      throw new InvalidArgumentError(`rate limit needs rate > 0, burst ≥ 1 and maxPeers ≥ 1; got ${ratePerSec}, ${burst}, ${maxPeers}`);
    }
    this.refillMs = (burst * 1000) / ratePerSec;
  }

  /** Peers with a bucket. */
  get peers(): number {
    return this.buckets.size;
  }

  /** Takes one token from `peer`'s bucket; false when it is empty (the datagram is to be dropped). */
  allow(peer: PeerKey, now: number): boolean {
    this.sweepOldest(now);
    let b = this.buckets.get(peer);
    if (b === undefined) {
      if (this.buckets.size >= this.maxPeers) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, at: now };
      this.buckets.set(peer, b);
    } else if (now > b.at) {
      // A clock that steps back adds nothing; it never takes tokens away either.
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.ratePerSec) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * One step of a clock sweep over the buckets in insertion order: the oldest is forgotten when it
   * has refilled, or moved to the back when it is still in use. O(1) per call, and every bucket is
   * visited once per pass, so an idle one is gone within about maxPeers calls of refilling.
   */
  private sweepOldest(now: number): void {
    const first = this.buckets.entries().next();
    if (first.done) return;
    const [key, b] = first.value;
    if (!(now - b.at >= this.refillMs)) {
      // Still refilling (or the clock stepped back): to the back of the line, so one busy peer does not hide the idle ones behind it.
      if (this.buckets.size > 1) {
        this.buckets.delete(key);
        this.buckets.set(key, b);
      }
      return;
    }
    this.buckets.delete(key);
  }
}

/** A peer's rate-limit key: a number for IPv4 (no string built per datagram), a string for IPv6. */
export type PeerKey = number | string;

/** The rate-limit key of an address (IPv4: ip × 65536 + port, exact in a double). */
export function peerKey(a: { readonly family: 4 | 6; readonly ip: Uint8Array; readonly port: number }): PeerKey {
  const ip = a.ip;
  if (a.family === 4 && ip.length === 4) return (((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0) * 65536 + a.port;
  let key = '';
  for (let i = 0; i < ip.length; i++) key += String.fromCharCode(ip[i]);
  return `${key}:${a.port}`;
}

/**
 * Logs one line per kind of drop at most once per `intervalMs` on the node's clock, with how many
 * were dropped since the last line: a flood is visible in the log without flooding it.
 */
export class DropLog {
  private readonly last = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly write: (reason: string, dropped: number) => void,
  ) {}

  /** Counts one drop of kind `reason`; writes a line when none was written for it within the interval. */
  drop(reason: string, now: number): void {
    const entry = this.last.get(reason);
    if (entry === undefined) {
      this.last.set(reason, { at: now, since: 0 });
      this.write(reason, 1);
      return;
    }
    entry.since++;
    if (now - entry.at >= this.intervalMs || now < entry.at) {
      this.write(reason, entry.since);
      entry.at = now;
      entry.since = 0;
    }
  }
}
