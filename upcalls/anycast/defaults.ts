/** Anycast limits and timings (upcalls/anycast/), spread into DEFAULTS. */
export const ANYCAST_DEFAULTS = {
  /** Anycast: most groups one node is a member of at once; a join past it fails (LimitExceededError). Default 256. */
  anycastMaxMemberships: 256,
  /** Anycast: most groups one node announces (and refreshes at their roots) at once. Default 256. */
  anycastMaxAnnounced: 256,
  /**
   * Anycast: most group records one root keeps (announced groups and tombstones of torn-down ones);
   * an announce past it is answered `refused`. Default 10,000.
   */
  anycastMaxGroupRecords: 10_000,
  /** Anycast: most sends and root requests one node has waiting for an answer; more fail (LimitExceededError). Default 4,096. */
  anycastMaxPending: 4_096,
  /** Anycast: largest application payload of one send (bytes); it travels inside a locate (≤ maxInlineObjectPayload). Default 512. */
  anycastMaxPayloadBytes: 512,
  /** Anycast: longest group name (UTF-8 bytes). Default 256. */
  anycastMaxGroupNameBytes: 256,
  /**
   * Anycast: how long a send waits for its member's acknowledgement before it fails with TimeoutError
   * (ms). Longer than a locate that tries every salted root (salts × locateAttemptTimeoutMs). Default 30,000.
   */
  anycastSendTimeoutMs: 30_000,
  /** Anycast: a send whose locate found no member tries again this many times (a member that just joined may not be published yet). Default 2. */
  anycastSendRetries: 2,
  /** Anycast: …after this long (ms). Default 500. */
  anycastSendRetryMs: 500,
  /** Anycast: how long an announce, teardown or join waits for the group root's answer (ms). Default 10,000. */
  anycastRequestTimeoutMs: 10_000,
  /** Anycast: how often an announcer refreshes its group record at the root (ms). Default 60,000. */
  anycastAnnounceRefreshMs: 60_000,
  /** Anycast: lifetime of a group record at the root without a refresh (ms): three refreshes. Default 180,000. */
  anycastGroupRecordLifetimeMs: 180_000,
  /** Anycast: how long a root remembers a torn-down group, refusing joins to it (ms). Default 180,000. */
  anycastTombstoneMs: 180_000,
  /** Anycast: how often a member asks the root whether its group still exists; a torn-down answer makes it leave (ms). Default 60,000. */
  anycastMemberCheckMs: 60_000,
  /** Anycast: most times one send is passed on by nodes that are no longer members before it is refused (NACK). Default 3. */
  anycastMaxForwards: 3,
  /** Anycast: members an ex-member locates to pass a send on to one that is neither itself nor visited. Default 4. */
  anycastForwardReplicas: 4,
} as const;
