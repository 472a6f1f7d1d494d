/** DRT-style key registry limits (upcalls/drt/), spread into DEFAULTS. */
export const DRT_DEFAULTS = {
  /**
   * DRT: most keys one node holds registrations for (all publishers together); a register past it is
   * refused with LimitExceededError. Searches walk a sorted array of them, so each insert or removal
   * moves at most this many references. Default 16,384.
   */
  drtMaxKeys: 16_384,
  /**
   * DRT: most keys one publisher may hold at one node, so one peer registering fresh keys cannot take
   * the whole of drtMaxKeys; a register past it is refused with LimitExceededError. Default 1,024.
   */
  drtMaxKeysPerPublisher: 1_024,
  /** DRT: largest application data stored with a key (bytes); Windows DRT's limit. Larger is a MessageTooLargeError. Default 5,120. */
  drtMaxAppDataBytes: 5_120,
  /**
   * DRT: longest a registration may live from the moment it is made or updated (ms); the publisher
   * re-registers (updates) within it. One day, as DEFAULTS.maxPointerLifetimeMs. Default 86,400,000.
   */
  drtMaxLifetimeMs: 86_400_000,
  /** DRT: most matches one nearest or range search may ask for (cMaxEndpoints). Default 64. */
  drtMaxEndpoints: 64,
  /** DRT: keys on each side of a key's leaf set: 5 smaller and 5 larger, as Windows DRT reports. Default 5. */
  drtLeafSetHalf: 5,
  /** DRT module: how long a registration lives unless its publisher refreshes it (ms). Default 3,600,000 (an hour). */
  drtLifetimeMs: 3_600_000,
  /** DRT module: how often a publisher refreshes its registrations (ms); shorter than drtLifetimeMs. Default 1,200,000. */
  drtRefreshMs: 1_200_000,
  /** DRT module: how long a register, update, unregister or search (each step, when iterative) waits (ms). Default 5,000. */
  drtRequestTimeoutMs: 5_000,
  /** DRT module: registers, updates, unregisters and searches waiting at once at one node. Default 1,024. */
  drtMaxPending: 1_024,
  /** DRT module: keys one node has registered and refreshes. Default 1,024 (as drtMaxKeysPerPublisher). */
  drtMaxPublished: 1_024,
  /**
   * DRT module: most steps one message takes (successor routing plus the leaf-set walk); a search that
   * would need more ends with what it found. Default 256.
   */
  drtMaxSearchHops: 256,
  /** DRT module: after the leaf set changes, how long a node waits before handing off keys (ms): one pass per burst. Default 1,000. */
  drtHandoffDelayMs: 1_000,
  /** DRT module: how often the leaf sets of this node's keys are re-read (32 keys a round) while anyone listens for their changes (ms). Default 30,000. */
  drtLeafSetPollMs: 30_000,
} as const;
