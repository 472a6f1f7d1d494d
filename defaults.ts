import { ABUSE_DEFAULTS } from './routing/abuseDefaults';
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
 * logged, never a crash. Each entry's comment gives its unit: ms for times, bytes for sizes, and a
 * count of what it names otherwise.
 *
 * @namespace
 */
export const DEFAULTS = {
  // ---- Routing: identifiers, the routing table, frames and fragmentation ---------------------
  /** Bits in a GUID. 160 (SHA-1, Tapestry's default) or 256 (SHA-256, DRT-style keys). */
  idBits: 160 as 160 | 256,
  /** Bits per routing digit: 1, 2, 4 (hex, the default) or 8. base = 2^digitBits. */
  digitBits: 4 as 1 | 2 | 4 | 8,
  /** Nodes kept per routing-table slot: one primary and two backups (JSAC 2004, footnote 2). */
  slotSize: 3,
  /** Most backpointers (nodes that list this node) remembered; extra ones are counted and ignored. */
  maxBackpointers: 4096,
  /** Hops a message may take when the caller gives no TTL. Routing needs at most one per digit. */
  defaultTtl: 64,
  /** Largest TTL accepted from a caller or from the wire (hops). */
  maxTtl: 255,
  /** Largest datagram a node sends (bytes). Messages whose frame exceeds it are fragmented. */
  mtu: 1200,
  /** Smallest MTU accepted (bytes): below this a fragment could not carry its own headers. */
  minMtu: 256,
  /** Largest datagram accepted from the network (bytes); larger ones are dropped before decoding. */
  maxDatagramBytes: 65_507,
  /** Largest application payload one route() may carry after reassembly (bytes: 1 MiB). */
  maxMessageBytes: 1 << 20,
  /** Most fragments one message may be split into. */
  maxFragments: 2048,
  /** Most messages being reassembled from one source at once; the oldest is evicted beyond it. */
  maxReassembliesPerSource: 16,
  /** Most messages being reassembled at once on a node, from all sources. */
  maxReassemblies: 256,
  /** Most payload bytes held in reassembly buffers at once on a node (bytes: 8 MiB). */
  maxReassemblyBytes: 8 << 20,
  /**
   * Most bytes one source's reassemblies hold together, payload plus bookkeeping (2 MiB): room for one
   * largest message (maxMessageBytes in maxFragments pieces) and then some, so one flooding source
   * holds at most a quarter of maxReassemblyBytes.
   */
  maxReassemblyBytesPerSource: 2 << 20,
  /** A message whose fragments have not all arrived within this time (ms) is discarded and its buffer freed. */
  reassemblyTimeoutMs: 10_000,
  /** How often the router sweeps expired reassemblies (ms; one timer per node). */
  reassemblySweepMs: 1_000,
  /**
   * Most distinct peer handles shared process-wide by the decoder (routing/handleInterner.ts). Entries
   * are weak and leave with their handles; past this, decoded handles are simply not shared.
   */
  maxInternedHandles: 1_000_000,

  // ---- Routing: reliable hops, pings, duplicate suppression, pending requests ----------------
  /** Acknowledge every forwarded hop, failing over to the slot's backup without an acknowledgement (on/off). */
  hopAcks: true,
  /**
   * Reliable hops: most forwarded frames awaiting their HopAck (each held, for retransmission, until
   * acknowledged: at most this many MTU-sized frames); beyond it frames go unacknowledged (counted).
   */
  maxPendingHops: 65_536,
  /** A hop waits this long plus four times the neighbour's measured latency for its HopAck (ms). */
  hopAckMinTimeoutMs: 250,
  /**
   * The latency assumed for a node not in the routing table (a direct reply to a far origin), when
   * waiting for its HopAck (ms): a far one, so a slow answer is not taken for a lost one.
   */
  hopAckUnknownLatencyMs: 150,
  /**
   * Times a hop's frame is sent again to the same neighbour, each wait twice the one before, before
   * the hop fails over. A neighbour that is only slow (a busy event loop, a lost acknowledgement) then
   * still gets the message, instead of a backup that may end a fuzzy route at a different root.
   */
  hopRetransmits: 1,
  /**
   * Longest wait for one HopAck, however often the frame was sent again (ms): backing off beyond it
   * would only delay a hop to the destination itself, which is retried maxHopAttempts times as often.
   */
  hopAckMaxWaitMs: 2_000,
  /** Neighbours one message tries at one hop before it is given up (the slot's primary and backups). */
  maxHopAttempts: 3,
  /** Most recently delivered messages a node remembers, so a failover's second copy is delivered once. */
  maxRecentDeliveries: 8_192,
  /**
   * How long a delivered message is remembered as such (ms): longer than all the sends of one hop
   * (hopAckMinTimeoutMs, then waits doubling up to hopAckMaxWaitMs, maxHopAttempts × (hopRetransmits
   * + 1) sends), short enough that a node restarted with the same GUID, whose ids start over, is heard.
   */
  duplicateWindowMs: 15_000,
  /** Peers whose round-trip estimate and last-heard time a node keeps; the least recently heard is forgotten first. */
  maxPeerHealth: 16_384,
  /** Shortest retransmission timeout from a measured round trip (ms): for hop acknowledgements and liveness pings. */
  rtoMinMs: 250,
  /** Longest retransmission timeout, however slow a peer's round trips (ms). */
  rtoMaxMs: 10_000,
  /** The timeout is the smoothed round trip plus at least this margin (ms), however steady the round trips (RFC 6298's G). */
  rtoMinVarianceMs: 50,
  /** Most pings awaiting their pong on one node; a ping beyond it is refused at once. */
  maxPendingPings: 1024,
  /** How long a ping waits for its pong before it fails with a TimeoutError (ms). */
  pingTimeoutMs: 2_000,
  /**
   * With hop acknowledgements on, an unanswered ping is sent again this often (ms), up to pingResends
   * times within its timeout: at 5% loss one ping round trip in ten fails, and a failed check of a
   * suspect neighbour removes it from the table.
   */
  pingResendMs: 500,
  /** Extra copies of an unanswered ping (see pingResendMs). */
  pingResends: 2,
  /**
   * Most requests (a join waiting for its surrogate's reply, neighbour requests) one node keeps waiting
   * for an answer at once; beyond it a new request is refused at once and reads as unanswered.
   */
  maxPendingRequests: 4096,
  /** How long node.request() waits for its reply before it fails with a TimeoutError (ms). */
  requestTimeoutMs: 5_000,
  /** Most node.request() calls waiting for their reply on one node; more are refused with LimitExceededError. */
  maxRequestsInFlight: 1024,

  // ---- Routing: what a peer may send, and how drops are logged -------------------------------
  /**
   * Per-peer rate limit: datagrams per second one sender address may keep sending; beyond it (and
   * its burst) they are dropped unread and counted. A busy honest neighbour forwards a few hundred a
   * second; a 1 MiB message is about 900 fragments at once.
   */
  peerRatePerSec: 4_000,
  /** Datagrams one sender may send at once above peerRatePerSec (the token bucket's size). */
  peerRateBurst: 8_000,
  /** Most sender addresses with a rate-limit bucket; beyond it the longest-known one is forgotten. */
  maxRateLimitedPeers: 4_096,
  /** Each kind of dropped input is logged at most once per this interval (ms), with its count. */
  dropLogIntervalMs: 10_000,

  // ---- Upcalls -------------------------------------------------------------------------------
  /** Most application upcall modules registered on one node (the built-in ones are not counted). */
  maxModules: 64,
  /** Actors one module may start through its context (its sessions live inside them, not one actor each). */
  maxModuleActors: 8,

  // ---- Transport (UDP) -----------------------------------------------------------------------
  /** Most frames a UDP transport queues for sending before it drops (and counts) new ones. */
  udpSendQueue: 65_536,
  /**
   * Frames a UDP transport sends before yielding the event loop, so receivers are never starved.
   * libuv reads at most 32 datagrams per socket per poll, so a larger batch outruns a receiver in the
   * same process: measured on loopback, 32 lost nothing at ~130k/s while 64 lost ~45% at steady state.
   */
  udpSendBatch: 32,
  /** Kernel socket buffer size asked for on UDP sockets (bytes: 4 MiB). */
  udpSocketBuffer: 4 << 20,
  /**
   * Most peer addresses a UDP transport keeps in each of its two address caches: the text node:dgram
   * is handed for a destination (formatting it was half of a send's own time), and the Address a
   * sender's text and port parse to (so one peer is one Address object). Past it a cache starts over
   * empty; entries also go when their Address is collected. Default 65,536 (≈ 6 MB at most per cache).
   */
  udpAddressCache: 65_536,

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

  // ---- Membership: join, holes, maintenance, leave -------------------------------------------
  /** Leaf set size L: the L/2 numerically smaller and L/2 larger GUIDs on the circular ID space (DRT's 5 + 5). */
  leafSetSize: 10,
  /** Join: how many closest nodes are kept per level while the table is filled from the deepest shared level down. */
  joinNeighbours: 4,
  /**
   * Join: entries per slot asked of each of those k nodes but the nearest, which gives its whole
   * level. Measured at 500 nodes: 1 gives 24.3 KB per join and 67.5% table quality, 3 (everything)
   * 28.4 KB and 67.9%.
   */
  joinPerSlotOthers: 1,
  /** Most holes a join multicast carries. */
  maxJoinHoles: 1024,
  /** Most nodes a join multicast acknowledgement or join reply lists. */
  maxJoinReached: 256,
  /** Most handles in one neighbour reply. */
  maxNeighbourReply: 256,
  /** Most candidates one JoinCandidates message carries (and a receiver measures). */
  maxJoinCandidates: 64,
  /**
   * How long a node reached by a join multicast remembers the joining node's holes (ms): a node it
   * learns meanwhile that fills one is passed on to the joining node, so joins at the same time fill
   * each other's holes. Long enough to cover two joins that overlap.
   */
  joinHolesMemoryMs: 20_000,
  /** Most joining nodes whose holes a node remembers at once; the oldest is forgotten first. */
  maxRememberedJoins: 256,
  /**
   * Most join requests a node still filling its own table holds back (it is the root of their GUIDs
   * only because its table is still empty); more are served at once, from the table as it is.
   */
  maxDeferredJoinRequests: 64,
  /** An ALONE node retries its bootstrap this often (ms). */
  joinRetryMs: 5_000,
  /**
   * Gateways a resolve-only node keeps answering at once (full nodes from its bootstrap list, in the
   * list's order): the first carries its messages, the others take over at once when it fails.
   */
  resolveOnlyGateways: 2,
  /** Most bootstrap addresses a resolve-only node tries in one round before it waits `joinRetryMs` (a count). */
  maxGatewayCandidates: 16,
  /** A join step (ping, neighbour request, multicast acknowledgement) gives up after this long (ms). */
  joinRequestTimeoutMs: 2_000,
  /** A join gives up on a bootstrap node whose surrogate has not answered in this long (ms). */
  joinTimeoutMs: 10_000,
  /** Table repair: every this often a node asks one neighbour for one level's entries (ms; 0 = off). */
  repairMs: 10_000,
  /**
   * Heartbeat: a watched neighbour (table primary or leaf-set member) not heard from in this long is
   * checked with a ping (ms; 0 = no checks). Any frame from it counts as hearing from it.
   */
  heartbeatMs: 30_000,
  /** Maintenance ticks come this often (ms), each a quarter of it earlier or later at random (jitter), so nodes never work in step. */
  maintenanceTickMs: 1_000,
  /** Jitter of a maintenance tick or repair round, as a share of its period: 0.25 = ±25%. */
  maintenanceJitter: 0.25,
  /**
   * Maintenance datagrams a node's own maintenance may start a second (liveness checks, repair and
   * leaf-set requests, measurements of candidates); answers and probes of suspected neighbours are
   * not held back. With answers, about twice this many datagrams a node sends at steady state.
   */
  maintenanceBudgetPerSec: 0.75,
  /** Maintenance datagrams that may be started at once above the budget's rate (the bucket's size). */
  maintenanceBurst: 8,
  /** Budget tokens liveness checks leave for repair and the leaf-set exchange (their rounds take a few at once). */
  maintenanceRepairReserve: 4,
  /** Failures come together: once a neighbour is found failed, the budget's rate is this many times higher… */
  maintenanceBoostFactor: 4,
  /** …for this long after (ms). */
  maintenanceBoostMs: 60_000,
  /**
   * A neighbour is taken as failed only after at least this many probes went unanswered (each waiting
   * the neighbour's own retransmission timeout, twice the last)…
   */
  failureProbes: 3,
  /** …and it stayed silent this long of this node's own running time (ms; time this node was stalled does not count). */
  failureSilenceMs: 8_000,
  /** A slot's backups are checked after this many times heartbeatMs of quiet, and only once primaries and leaf-set members are checked. */
  backupQuietFactor: 4,
  /** Most neighbours checked at once for want of a word from them; more wait for a later tick. */
  maxChecks: 256,
  /** A maintenance tick that runs this much later than due (ms) means this node's event loop stalled. */
  stallThresholdMs: 300,
  /** Stalls of its own event loop a node remembers (the most recent; older ones lie before any silence it still measures). */
  maxStallsRemembered: 64,
  /**
   * Longest repair period (ms): a repair round that changed nothing doubles the next round's wait, up
   * to this; any change to the table or leaf set brings it back to repairMs.
   */
  repairMaxMs: 40_000,
  /**
   * A leaving node waits this long (ms) between its leave notices and handing over its pointers, so
   * the notices of nodes leaving at the same moment arrive first and nothing is handed to a node that
   * is itself leaving; and as long again before it closes, passing on hand-overs that still reach it.
   * Longer than a one-way trip between neighbours (the simulator's plane spans ≤ 300 ms).
   */
  leaveGraceMs: 500,
  /** Latency (ms) given to a node added before anyone measured it; the first real measurement replaces it. */
  unmeasuredLatencyMs: 1e6,
  /** Admissions of one peer that may wait on its proof; more are dropped (the first ones add it anyway). */
  maxWaitingPerProof: 8,

  // ---- Security: credentials, proofs, nonces, signed records, identities ---------------------
  /**
   * Largest credential a Pong or a signed publish/unpublish carries (bytes). The `signed` provider's
   * is a 32-byte public key; the bound leaves room for an application provider's certificate.
   */
  maxCredentialBytes: 1024,
  /** Largest signature a Pong or a signed publish/unpublish carries (bytes); ed25519's are 64. */
  maxSignatureBytes: 1024,
  /**
   * Peers whose GUID a node remembers as proven (a signed nonce answered), least recently proven
   * forgotten first. A forgotten peer is asked again before it is admitted to a table.
   */
  maxProvenPeers: 16_384,
  /**
   * Peers a node remembers as running a security provider that does not match its own (one demanded a
   * proof this node cannot give, or answered a challenge with none), oldest forgotten first. Each is
   * warned about once while remembered; a node whose provider does not authenticate admits none of them.
   */
  maxMismatchedPeers: 256,
  /**
   * How long (ms) a provider mismatch is held against a peer after it last showed one: a peer that was
   * reconfigured is admitted again once it stops demanding proof for this long.
   */
  mismatchMemoryMs: 600_000,
  /**
   * Remote public keys whose parsed KeyObject is kept, least recently used evicted first. Parsing a
   * key costs about 10 µs against ~130 µs for the verify that uses it, so a miss is cheap but a hit
   * is free; the bound keeps a stream of fresh keys from a hostile peer from growing memory.
   */
  keyCacheEntries: 4096,
  /** Random bytes in a challenge nonce: 32, so a nonce is never reused by chance. */
  nonceBytes: 32,
  /** Shortest nonce a node answers (bytes): below this an answer could be precomputed and replayed. */
  minNonceBytes: 16,
  /** Longest nonce a node answers (bytes): a hostile challenger cannot make it sign large data. */
  maxNonceBytes: 64,
  /** Most (publisher, object) pairs the replay guard remembers; the least recently accepted goes. */
  replayGuardEntries: 65_536,
  /**
   * Most objects remembered per publisher in the replay guard: one publisher flooding fresh object
   * ids evicts its own oldest entries, not those of honest publishers.
   */
  replayGuardEntriesPerPublisher: 4096,
  /**
   * A (publisher, object) pair with no accepted record for this long (ms) is forgotten by `sweep`. One
   * day: the longest pointer lifetime accepted from the wire (DEFAULTS.maxPointerLifetimeMs), so a
   * record is remembered for at least as long as a pointer it left can live.
   */
  replayGuardRetentionMs: 86_400_000,
  /**
   * Signed records whose signature a node remembers as checked (a SHA-256 digest of the signed bytes,
   * signature and credential each), least recently used evicted first. A record reaching the node
   * again (another salted path, a pointer copy, a hand-over, an unchanged republish) then costs a
   * hash, not a ~100 µs ed25519 verification. 16k digests ≈ 2 MB; a miss only costs a verification.
   */
  verifiedRecordEntries: 16_384,
  /**
   * How long (ms) after a node first accepted a signed publish record an unchanged copy of it may still
   * renew the pointer it left (never past this, nor past the record's own lifetime from the copy's
   * arrival; with a lifetime at or above it the old rule holds: a copy never outlives the first). It
   * lets a publisher re-send the same signed record on republish instead of re-signing it every round,
   * so the hops along its paths answer from their cache of checked records. The price: after its
   * publisher is gone, someone replaying its last record can keep a node's pointer alive this long
   * after the node first saw that record, instead of one pointer lifetime. The publisher re-signs
   * once a copy re-sent now would need to outlive this window (location/publisher.ts), so honest
   * pointers are renewed exactly as a fresh record every round would renew them.
   */
  signedRecordRenewMs: 60_000,
  /** Largest identity file read (bytes); a larger file at the path is reported as corrupt, never read. */
  maxIdentityFileBytes: 4096,

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
