/**
 * The membership room's numbers: join, holes, maintenance and leave. Spread into DEFAULTS
 * (defaults.ts); imports nothing, so defaults.ts stays a leaf.
 */
export const MEMBERSHIP_DEFAULTS = {
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
} as const;
