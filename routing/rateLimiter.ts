/**
 * Per-peer message rate limit: a token bucket per sender address, refilled at `ratePerSec` up to
 * `burst`. Pure: time comes in as `now` from the node's clock, so the simulator's virtual time
 * drives it exactly as the wall clock does on UDP.
 *
 * Each bucket is kept as one number, the time at which it will be full again (the generic cell
 * rate algorithm's "theoretical arrival time"): the bucket holds burst − (full − now) / interval
 * tokens. One number per peer instead of an object with two, which matters when a simulation holds
 * a limiter in each of 100,000 nodes.
 *
 * The map is bounded (`maxPeers`); beyond it the longest-known peer's bucket is dropped. A bucket
 * that is full again is the same as no bucket, so each new peer's first datagram also looks at the
 * two oldest buckets and forgets those that are full: a node keeps buckets only for peers heard
 * within the last burst / rate seconds, and a node that falls silent keeps its buckets until it next
 * hears from a new peer. A forgotten bucket starts full when its peer returns, so neither bound can
 * refuse an honest peer; they can only make the limit more lenient.
 */
import { InvalidArgumentError } from '../errors';
import { BoundedMap } from './boundedMap';

export class PeerRateLimiter {
  /**
   * Peer → when its bucket is full again (ms on the caller's clock); insertion order drives the sweep,
   * and a new peer in a full map evicts the longest-known one.
   */
  private readonly fullAt: BoundedMap<PeerKey, number>;
  /** Time one token takes to come back (ms). */
  private readonly intervalMs: number;
  /** How far `fullAt` may run ahead of `now` while a token is left: (burst − 1) intervals. */
  private readonly slackMs: number;
  /** The latest `now` seen: a clock that steps back is read as standing still. */
  private latest = -Infinity;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    readonly maxPeers: number,
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1) || !Number.isInteger(maxPeers) || maxPeers < 1) {
      throw new InvalidArgumentError(`rate limit needs rate > 0, burst ≥ 1 and maxPeers ≥ 1; got ${ratePerSec}, ${burst}, ${maxPeers}`);
    }
    this.fullAt = new BoundedMap(maxPeers);
    this.intervalMs = 1000 / ratePerSec;
    this.slackMs = (burst - 1) * this.intervalMs;
  }

  /** Peers with a bucket. */
  get peers(): number {
    return this.fullAt.size;
  }

  /** Takes one token from `peer`'s bucket; false when it is empty (the datagram is to be dropped). */
  allow(peer: PeerKey, clockNow: number): boolean {
    // A clock that steps back neither adds tokens nor takes them away.
    const now = clockNow > this.latest ? (this.latest = clockNow) : this.latest;
    const full = this.fullAt.get(peer);
    if (full === undefined) {
      // Only a new peer pays for the sweep: two steps per insertion outpace the insertions, so the
      // map holds little more than the peers heard within a refill time.
      this.sweepOldest(now);
      this.sweepOldest(now);
      this.fullAt.set(peer, now + this.intervalMs);
      return true;
    }
    // A full bucket (fullAt in the past) counts from now.
    const from = full > now ? full : now;
    if (from - now > this.slackMs) return false;
    this.fullAt.set(peer, from + this.intervalMs);
    return true;
  }

  /**
   * One step of a clock sweep over the buckets in insertion order: the oldest is forgotten when it
   * is full again, or moved to the back when it is not. O(1) per call, and every bucket is visited
   * once per pass, so an idle one goes within about one new peer per two buckets after it fills.
   */
  private sweepOldest(now: number): void {
    const key = this.fullAt.oldestKey();
    if (key === undefined) return;
    const full = this.fullAt.get(key)!;
    this.fullAt.delete(key);
    // Not full yet: to the back of the line, so one busy peer does not hide the idle ones behind it.
    if (full > now) this.fullAt.set(key, full);
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
 * The key of an address's host, its port left out (IPv4: the address as a number; IPv6: the bytes as
 * a string): a limit per source IP that a sender cannot escape by opening more sockets.
 */
export function hostKey(a: { readonly family: 4 | 6; readonly ip: Uint8Array }): PeerKey {
  const ip = a.ip;
  if (a.family === 4 && ip.length === 4) return ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
  let key = '';
  for (let i = 0; i < ip.length; i++) key += String.fromCharCode(ip[i]);
  return key;
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
