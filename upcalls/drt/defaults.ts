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
} as const;
