/**
 * What a node knows of each peer's health: a round-trip estimate (smoothed RTT and its variance, the
 * retransmission timeout they give, RFC 6298's rules) and when the peer was last heard from.
 *
 * The router feeds it: every pong and every HopAck is a round-trip sample, every frame from a known
 * peer is proof of life — but only when it came from the address this node has for that peer (the
 * one membership tracks it at): a frame's sender GUID is only a claim, and an attacker sending frames
 * in a dead neighbour's name from its own address must not keep that neighbour "alive". Membership reads it: a neighbour heard from within the heartbeat period needs
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
import { sameAddress, type Address } from './handle';

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
  /**
   * Where this node reaches the peer (its table or leaf-set address, else where it was first
   * sampled): frames and samples from any other address say nothing of its health. Absent: any.
   */
  address?: Address;
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

  /**
   * A round trip of `rttMs` measured to `key` at `address` (the address pinged or sent to) at `now`:
   * the estimate moves toward it, and the peer was heard. A sample at another address than the one
   * the peer is tracked at is ignored.
   */
  sample(key: string, rttMs: number, now: number, address?: Address): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return;
    const known = this.peers.get(key);
    if (known?.address !== undefined && address !== undefined && !sameAddress(known.address, address)) return;
    if (known === undefined) this.peers.set(key, { rttvar: 0, samples: 0, lastHeard: now, address });
    this.heard(key, now, address);
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

  /**
   * A frame claiming to be from `key` arrived from the UDP address `from` at `now`. Only peers already
   * tracked are updated (a stranger adds nothing), and only from the address they are tracked at.
   */
  heard(key: string, now: number, from?: Address): void {
    const e = this.peers.get(key);
    if (e === undefined) return;
    if (e.address !== undefined && from !== undefined && !sameAddress(e.address, from)) return;
    e.lastHeard = Math.max(e.lastHeard, now);
    // Most recently heard last: the least recently heard are the ones evicted.
    this.peers.refresh(key, e);
  }

  /**
   * Starts tracking `key` (a new neighbour) as heard at `now`, unless it is tracked already. With
   * `address` (where membership lists the neighbour) the peer is tracked at that address from now on:
   * membership's table and leaf set say where a neighbour is, never a frame.
   */
  track(key: string, now: number, address?: Address): void {
    const e = this.peers.get(key);
    if (e === undefined) this.peers.set(key, { rttvar: 0, samples: 0, lastHeard: now, address });
    else if (address !== undefined) e.address = address;
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
