/**
 * Per-peer message rate limit: one token bucket per sender address, refilled at `ratePerSec` up to
 * `burst`. Pure: time comes in as `now` from the node's clock, so the simulator's virtual time
 * drives it exactly as the wall clock does on UDP.
 *
 * The map of buckets is bounded (`maxPeers`); beyond it the longest-known peer's bucket is dropped.
 * A dropped bucket starts full again when its peer returns, so the bound can only make the limit
 * more lenient, never refuse an honest peer.
 */
import { InvalidArgumentError } from '../errors';

interface Bucket {
  tokens: number;
  /** `now` when `tokens` was last brought up to date. */
  at: number;
}

export class PeerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    readonly maxPeers: number,
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1) || !Number.isInteger(maxPeers) || maxPeers < 1) {
      throw new InvalidArgumentError(`rate limit needs rate > 0, burst ≥ 1 and maxPeers ≥ 1; got ${ratePerSec}, ${burst}, ${maxPeers}`);
    }
  }

  /** Peers with a bucket. */
  get peers(): number {
    return this.buckets.size;
  }

  /** Takes one token from `peer`'s bucket; false when it is empty (the datagram is to be dropped). */
  allow(peer: string, now: number): boolean {
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
