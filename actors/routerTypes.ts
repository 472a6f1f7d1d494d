/**
 * The router runtime's options, its route request and its counters (routerRuntime.ts).
 */
import type bunyan from 'bunyan';
import type { Guid, IdSpace } from '../routing/guid';
import type { RoutingTable } from '../routing/routingTable';
import type { NodeHandle } from '../routing/messages';
import type { Clock, Transport } from '../transport/types';
import type { SecurityProvider } from '../security/provider';
import type { HopStats } from '../routing/reliableHops';
import type { PingStats } from '../routing/pings';
import type { DuplicateStats } from '../routing/duplicates';
import type { UpcallStats } from '../upcalls/host';
import { newRequestStats, type RequestStats } from '../routing/requests';
import { newConfirmStats, type ConfirmStats } from '../routing/routeConfirms';
import type { ScoreStats } from '../routing/neighbourScore';
import { newResolveOnlyRouterStats, type Relay, type ResolveOnlyRouterStats } from './resolveOnlyGate';

/** A token bucket per sender address: `perSec` datagrams a second, `burst` at once. */
export interface PeerRateLimit {
  readonly perSec: number;
  readonly burst: number;
}

export interface RouterRuntimeOptions {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  readonly transport: Transport;
  /** Current time from the node's clock (virtual in the simulator). */
  readonly now: () => number;
  readonly log: bunyan;
  /** Largest datagram sent; defaults to the transport's MTU. */
  readonly mtu?: number;
  /**
   * The node's clock: every timer the router and its parts ask for is armed on it (actors/nodeTimers.ts).
   * Absent (a unit test of one frame's handling), timers never fire and hops go unacknowledged.
   */
  readonly clock?: Clock;
  /** Acknowledge every forwarded hop and fail over to backups without one (needs a clock). */
  readonly hopAcks?: boolean;
  /** Per-peer datagram rate limit; default DEFAULTS.peerRatePerSec and peerRateBurst, false for none. */
  readonly rateLimit?: PeerRateLimit | false;
  /** A neighbour failed to acknowledge a hop: membership checks it at once. */
  readonly onSuspect?: (node: NodeHandle) => void;
  /** When it authenticates, every ping carries a challenge and every pong proves the answerer's GUID. */
  readonly security?: SecurityProvider;
  /** A peer's ping challenged this node, whose provider cannot prove anything: membership refuses that peer. */
  readonly onProofDemanded?: (pinger: NodeHandle) => void;
  /** A neighbour failed too many confirmed routes (routing/neighbourScore.ts): evict it. Default: removed from the table. */
  readonly onDistrusted?: (node: NodeHandle) => void;
  /**
   * Present on a resolve-only node only: its gateways. Every message it starts goes to the first one
   * (resuming there at level 0), and it refuses to be a hop (actors/resolveOnlyGate.ts).
   */
  readonly relay?: Relay;
}

/** What a locally originated route asks for (already validated by the node's API). */
/** What every per-message runtime (location, membership) needs of its node: who it is, its table, its clock, routing. */
export interface RuntimeHost {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  readonly log: bunyan;
  now(): number;
  route(req: RouteRequest): void;
}

export interface RouteRequest {
  readonly dest: Guid;
  readonly payload: Uint8Array;
  readonly fuzzy: boolean;
  readonly ttl: number;
  readonly moduleId: number;
  /** Wait for the destination's end-to-end acknowledgement, and send again through another first hop without one. */
  readonly confirm?: boolean;
  /** With `confirm`: copies sent at once through distinct first hops (1 .. DEFAULTS.maxRouteRedundancy). */
  readonly redundancy?: number;
}

/**
 * Counters of everything the router did; read through `node.stats`. One object: the pure parts
 * (reliable hops, pings, duplicate suppression, the upcall host) count into it through their own
 * slices of it.
 */
export interface RouterStats extends HopStats, PingStats, DuplicateStats, UpcallStats, RequestStats, ConfirmStats, ScoreStats, ResolveOnlyRouterStats {
  /** Datagrams received from the transport, before decoding. */
  framesIn: number;
  /** Frames dropped because they could not be decoded, by DecodeError reason. */
  decodeErrors: Record<string, number>;
  /** Messages this node started routing (`route`, and the location and membership modules' own). */
  routesStarted: number;
  /** Pieces sent for messages too large for one datagram (each piece counted). */
  fragmentsSent: number;
  /** Messages passed on to a next hop (not delivered here). */
  forwarded: number;
  /** Exact routes that reached the root of a GUID no node holds. */
  droppedNoExactMatch: number;
  /** Direct messages whose frame named another sender address than the datagram's source: dropped. */
  directMisaddressed: number;
  /** Direct messages sent once, unacknowledged, because their receiver is no admitted peer (neither listed nor listing this node). */
  directUnacked: number;
  /** Messages delivered where their TTL ran out. */
  ttlExpired: number;
  /** Messages sent straight to a known node's address (replies, diverted locates, extra pointers). */
  sentDirect: number;
  /** Datagrams dropped unread because their sender exceeded its rate (DEFAULTS.peerRatePerSec). */
  rateLimited: number;
  /** Decoded frames whose handling threw (a bug, or input no check foresaw); dropped, never rethrown. */
  frameErrors: number;
}

/** Every counter at 0. */
export function newRouterStats(): RouterStats {
  return {
    framesIn: 0, decodeErrors: {}, routesStarted: 0, fragmentsSent: 0, forwarded: 0, delivered: 0,
    droppedNoExactMatch: 0, directMisaddressed: 0, directUnacked: 0, ttlExpired: 0, droppedByUpcall: 0, takenByUpcall: 0, sentDirect: 0, droppedNoModule: 0, upcallErrors: 0,
    pingsAnswered: 0, pingsRefused: 0, pingsChallenged: 0, pingsResent: 0, pongsMisdirected: 0, hopTimeouts: 0, hopFailovers: 0, hopRetransmits: 0, hopsUntracked: 0, hopsGivenUp: 0, duplicates: 0, rateLimited: 0, frameErrors: 0,
    ...newRequestStats(), ...newConfirmStats(), neighboursDistrusted: 0, ...newResolveOnlyRouterStats(),
  };
}
