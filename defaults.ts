import { ABUSE_DEFAULTS } from './routing/abuseDefaults';
import { ROUTING_DEFAULTS } from './routing/routingDefaults';
import { UDP_DEFAULTS } from './transport/udpDefaults';
import { MEMBERSHIP_DEFAULTS } from './membership/membershipDefaults';
import { SECURITY_DEFAULTS } from './security/securityDefaults';
import { CONTROL_DEFAULTS } from './membership/controlDefaults';
import { OWNERSHIP_DEFAULTS } from './location/ownershipDefaults';
import { LIARS_DEFAULTS } from './security/liarsDefaults';
import { TOPOLOGY_DEFAULTS } from './sim/topologyDefaults';
import { ANYCAST_DEFAULTS } from './upcalls/anycast/defaults';
import { MOBILE_DEFAULTS } from './upcalls/mobile/defaults';
import { BAYEUX_DEFAULTS } from './upcalls/bayeux/defaults';
import { DHT_DEFAULTS } from './upcalls/dht/defaults';
import { DRT_DEFAULTS } from './upcalls/drt/defaults';

/**
 * Every tunable number of the runtime, with its limit, in sections by room (DESIGN rule 6). Each
 * map, queue and buffer in the code takes its bound from here; hitting a bound is counted and
 * logged, never a crash. A room's larger sections live in its own folder (routing/, transport/,
 * membership/, security/, upcalls/<name>/) and are spread in here, in the order the keys always had. Each entry's comment gives its unit: ms for times, bytes for sizes, and a
 * count of what it names otherwise.
 *
 * @namespace
 */
export const DEFAULTS = {
  // ---- Routing: identifiers, the table, frames, reliable hops, pings, peer input (routing/routingDefaults.ts)
  ...ROUTING_DEFAULTS,

  // ---- Upcalls -------------------------------------------------------------------------------
  /** Most application upcall modules registered on one node (the built-in ones are not counted). */
  maxModules: 64,
  /** Actors one module may start through its context (its sessions live inside them, not one actor each). */
  maxModuleActors: 8,

  // ---- Transport (UDP) (transport/udpDefaults.ts) --------------------------------------------
  ...UDP_DEFAULTS,

  // ---- Location: publish, pointers, locate, hand-over ----------------------------------------
  /** Salted roots per object (GUID_i = hash(object ‖ i)): publish goes to all, locate falls back through them. */
  salts: 3,
  /** Largest salt count accepted. */
  maxSalts: 16,
  /** Most pointers one node holds for one object; the farthest is dropped beyond it. */
  maxPointersPerObject: 16,
  /** Most pointers one node holds in all. Beyond it new pointers are refused and counted. */
  maxPointers: 200_000,
  /**
   * Most pointers one node holds naming one server, over all its objects; beyond it that server's new
   * pointers are refused and counted. An honest publisher at maxPublished objects × salts spreads its
   * publish paths over at least 16 first hops (≈ 19k pointers on the busiest); one peer flooding
   * publishes takes a tenth of maxPointers at most.
   */
  maxPointersPerPublisher: 20_000,
  /** Most objects one node publishes (and republishes) at once. */
  maxPublished: 100_000,
  /** Most bytes in a tag or query (UTF-8). */
  maxTagBytes: 256,
  /** Most replicas one locate may ask for. */
  maxReplicas: 32,
  /** Largest payload sendToObject carries inside its locate (bytes); a larger payload is a MessageTooLargeError. */
  maxInlineObjectPayload: 800,
  /** Soft state: how often a publisher republishes each object (ms). */
  republishMs: 10_000,
  /** How long a pointer lives without being republished (ms; Brown CS138's 10 s : 25 s ratio). */
  pointerLifetimeMs: 25_000,
  /** Largest pointer lifetime accepted from the wire (ms: one day). */
  maxPointerLifetimeMs: 86_400_000,
  /** How often a node holding pointers sweeps out expired ones (ms; expired ones are never served meanwhile). */
  pointerSweepMs: 30_000,
  /** How long a locate waits on one salted root before trying the next (ms). */
  locateAttemptTimeoutMs: 5_000,
  /** Salted roots a locate tries at once: 1 tries them one after another, `salts` all at once (first answer wins). */
  locateFanout: 3,
  /** Most sendToObject messages a replica remembers having delivered, so a copy arriving by a second path is not delivered twice. */
  maxServedRemembered: 4_096,
  /** Most locates in flight from one node; more are refused with LimitExceededError. */
  maxLocatesInFlight: 4_096,
  /** Extra pointers (JSAC §V-B.3): to this many backups of the next publish hop… */
  extraPointerBackups: 0,
  /** …and to this many nearest neighbours of the current hop… */
  extraPointerNeighbours: 0,
  /** …on the first this-many hops of the publish path. 0 turns the optimisation off. */
  extraPointerHops: 0,
  /** Most pointer records in one hand-over message (more go in further messages; large ones are fragmented). */
  maxHandOverPointers: 64,

  // ---- Membership: join, holes, maintenance, leave (membership/membershipDefaults.ts) --------
  ...MEMBERSHIP_DEFAULTS,

  // ---- Security: credentials, proofs, nonces, signed records, identities (security/securityDefaults.ts)
  ...SECURITY_DEFAULTS,

  // ---- Bootstrap -----------------------------------------------------------------------------
  /** Most peers a persisted-peers bootstrap file keeps. */
  maxPersistedPeers: 64,
  /** Largest persisted-peers file read (bytes); a bigger one is treated as corrupt rather than loaded. */
  maxPersistedPeersFileBytes: 65_536,

  // ---- Simulator -----------------------------------------------------------------------------
  /** Simulator: most events waiting in the virtual-time queue before new sends are dropped. */
  simMaxQueuedEvents: 10_000_000,
  /** Simulator: side of the square plane nodes are placed on, in ms of latency (latency is the distance). */
  simPlaneSize: 200,
  /** Simulator: largest extra per-link latency (ms), fixed per link by the seed. */
  simMaxJitterMs: 5,
  /** Simulator: most endpoints on one simulated network; synthetic addresses 10.a.b.c have 24 bits. */
  simMaxEndpoints: 1 << 24,
  /** Simulator: events runUntilIdle() processes by default before it returns, so periodic timers cannot spin forever. */
  simMaxEventsPerRun: 100_000_000,
  /**
   * Simulator load model (SimNetworkOptions.load): the largest delay one draw of a load distribution
   * may give (ms), and its default cap. A heavy tail is what the model is for, but an uncapped Pareto
   * could hold a datagram for hours of virtual time; ten seconds is longer than any stall worth testing.
   */
  simMaxLoadDelayMs: 10_000,
  /**
   * Simulator load model: most datagrams waiting at one endpoint's service queue (being served
   * included); more are dropped as 'serviceQueueFull', as a full socket receive buffer drops them
   * (4 MiB of 400-byte datagrams is about this many).
   */
  simMaxServiceQueue: 10_000,

  // ---- Security against a hostile peer (each set in its own file, by room) ------------------
  // Identity puzzle, end-to-end route confirmation, neighbour scores.
  ...LIARS_DEFAULTS,
  // Return routability, cookies and padding; budgets strangers cannot drain.
  ...ABUSE_DEFAULTS,
  // Object ownership.
  ...OWNERSHIP_DEFAULTS,
  // Signed leaves and address changes.
  ...CONTROL_DEFAULTS,
  // Issue 16 — transit-stub topology and link stress (simulator)
  ...TOPOLOGY_DEFAULTS,
  // Issue 16 — anycast
  ...ANYCAST_DEFAULTS,
  // Issue 16 — mobile
  ...MOBILE_DEFAULTS,
  // Issue 16 — bayeux
  ...BAYEUX_DEFAULTS,
  // Issue 18 — dht
  ...DHT_DEFAULTS,
  // Issue 18 — DRT-style key registry
  ...DRT_DEFAULTS,

  // ---- Awaitable publish and unpublish: salted roots acknowledge them (location/publishAcks.ts) --
  /**
   * How long an awaited publish() waits for every salted root's acknowledgement before it rejects
   * with TimeoutError (ms). Longer than a lost hop's resends on a slow path (maxHopAttempts sends
   * backing off to hopAckMaxWaitMs), so loss alone rarely ends the wait; the publication stays either way.
   * An awaited unpublish() has the same bound (the pointers it did not reach expire with their lifetime).
   */
  publishAckTimeoutMs: 15_000,
  /**
   * A salted root that has not acknowledged an awaited publish after this long gets its record again
   * (ms), once per period until publishAckTimeoutMs: a publish lost past its hops' own resends, or
   * ended at another node by a failover, is sent anew. Longer than a hop's resends (hopAckMaxWaitMs).
   * An awaited unpublish's records are sent again on the same period.
   */
  publishAckResendMs: 5_000,
  /**
   * Most publishes and unpublishes one node waits to hear acknowledged at once (one table); one
   * beyond it still goes out, but its promise rejects at once with LimitExceededError.
   */
  maxPendingPublishAcks: 4_096,
} as const;

export type Defaults = typeof DEFAULTS;
