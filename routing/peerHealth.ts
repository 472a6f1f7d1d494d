/**
 * What a node knows of each peer's health: a round-trip estimate (smoothed RTT and its variance, the
 * retransmission timeout they give, RFC 6298's rules) and when the peer was last heard from.
 *
 * The router feeds it: every pong and every HopAck is a round-trip sample, every frame from a known
 * peer is proof of life. Membership reads it: a neighbour heard from within the heartbeat period needs
 * no ping, and a ping's or a hop's timeout is the peer's own RTO, so a loaded node (whose round trips
 * grow) waits longer instead of taking slowness for failure.
 *
 * Samples are taken from a frame's first send even when it was sent again (Karn's rule would drop
 * them): the sample can then only be too long, never too short, and too long is the safe side here.
 *
 * Pure: time comes in as `now`; bounded at `limit` peers, the least recently heard forgotten first.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from './boundedMap';

/** One peer's estimate. */
export interface PeerEstimate {
  /** Smoothed round trip (ms); undefined until the first sample. */
  srtt?: number;
  /** Round-trip variation (ms). */
  rttvar: number;
  /** Samples taken. */
  samples: number;
  /** When the peer was last heard from (ms, on the node's clock). */
  lastHeard: number;
}

/** Read-only view for membership (and tests). */
export interface PeerHealthView {
  /** When `key` (a GUID's hex) was last heard from; undefined when never, or forgotten. */
  lastHeard(key: string): number | undefined;
  /** The retransmission timeout for `key` (ms): its RTO when measured, else `fallbackMs`, within DEFAULTS.rtoMinMs..rtoMaxMs. */
  rto(key: string, fallbackMs: number): number;
}

export class PeerHealth implements PeerHealthView {
  private readonly peers: BoundedMap<string, PeerEstimate>;
  /**
   * Neighbours under suspicion (GUID hex): a hop to them went unacknowledged, or a liveness probe's
   * wait passed unanswered. New routes go around them while a backup or another surrogate path
   * exists (the router's step); membership adds and clears them. Bounded by the neighbours watched.
   */
  readonly suspected = new Set<string>();

  constructor(limit: number = DEFAULTS.maxPeerHealth) {
    this.peers = new BoundedMap(limit);
  }

  get size(): number {
    return this.peers.size;
  }

  /** A round trip of `rttMs` measured to `key` at `now`: the estimate moves toward it, and the peer was heard. */
  sample(key: string, rttMs: number, now: number): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return;
    this.track(key, now);
    this.heard(key, now);
    const e = this.peers.get(key)!;
    if (e.srtt === undefined) {
      e.srtt = rttMs;
      e.rttvar = rttMs / 2;
    } else {
      e.rttvar = 0.75 * e.rttvar + 0.25 * Math.abs(e.srtt - rttMs);
      e.srtt = 0.875 * e.srtt + 0.125 * rttMs;
    }
    e.samples++;
  }

  /** A frame from `key` arrived at `now`. Only peers already tracked are updated (a stranger adds nothing). */
  heard(key: string, now: number): void {
    const e = this.peers.get(key);
    if (e === undefined) return;
    e.lastHeard = Math.max(e.lastHeard, now);
    // Most recently heard last: the least recently heard are the ones evicted.
    this.peers.refresh(key, e);
  }

  /** Starts tracking `key` (a new neighbour) as heard at `now`, unless it is tracked already. */
  track(key: string, now: number): void {
    if (!this.peers.has(key)) this.peers.set(key, { rttvar: 0, samples: 0, lastHeard: now });
  }

  lastHeard(key: string): number | undefined {
    return this.peers.get(key)?.lastHeard;
  }

  /** The estimate for `key`, if any (tests and stats). */
  estimate(key: string): Readonly<PeerEstimate> | undefined {
    return this.peers.get(key);
  }

  rto(key: string, fallbackMs: number): number {
    const e = this.peers.get(key);
    const raw = e?.srtt === undefined ? fallbackMs : e.srtt + Math.max(DEFAULTS.rtoMinVarianceMs, 4 * e.rttvar);
    return Math.min(DEFAULTS.rtoMaxMs, Math.max(DEFAULTS.rtoMinMs, raw));
  }

  forget(key: string): void {
    this.peers.delete(key);
  }
}
