/**
 * The routing room's numbers: identifiers, the routing table, frames and fragmentation; reliable hops,
 * pings, duplicate suppression and pending requests; what a peer may send and how drops are logged.
 * Spread into DEFAULTS (defaults.ts); imports nothing, so defaults.ts stays a leaf.
 */
export const ROUTING_DEFAULTS = {
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
} as const;
