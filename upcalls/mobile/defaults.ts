/** Mobile Tapestry limits and timings (upcalls/mobile/), spread into DEFAULTS. */
export const MOBILE_DEFAULTS = {
  /** Mobile: most mobile nodes one proxy holds (publishes and forwards for) at once; more are refused. Default 1,024. */
  mobileMaxAttachments: 1_024,
  /** Mobile: most forwarding entries (mobile nodes that moved away) one old proxy keeps; more are refused (NACK). Default 1,024. */
  mobileMaxForwardingEntries: 1_024,
  /**
   * Mobile: how long an old proxy forwards to the new one after a move (ms): longer than the new
   * pointers take to replace the old ones, so what arrives meanwhile still reaches the node. Default 30,000.
   */
  mobileForwardingMs: 30_000,
  /** Mobile: most sends and attach/detach requests one node has waiting for an answer; more fail (LimitExceededError). Default 4,096. */
  mobileMaxPending: 4_096,
  /** Mobile: proxies one sender remembers (mobile GUID → last proxy), so a stream skips the locate. Default 1,024. */
  mobileMaxProxyCache: 1_024,
  /** Mobile: how long a sender trusts a remembered proxy (ms). Default 60,000. */
  mobileProxyCacheMs: 60_000,
  /** Mobile: largest application payload of one send (bytes). Default 1,024. */
  mobileMaxPayloadBytes: 1_024,
  /** Mobile: longest mobile name (UTF-8 bytes). Default 256. */
  mobileMaxNameBytes: 256,
  /** Mobile: most times one message is passed from an old proxy to a newer one. Default 3. */
  mobileMaxForwards: 3,
  /**
   * Mobile: how long a send waits for the mobile node's acknowledgement, retry included, before it
   * fails with TimeoutError (ms). Longer than a locate that tries every salted root. Default 40,000.
   */
  mobileSendTimeoutMs: 40_000,
  /** Mobile: a send whose locate found no proxy tries again this many times (a node that just attached may not be published yet). Default 2. */
  mobileSendRetries: 2,
  /** Mobile: …after this long (ms). Default 500. */
  mobileSendRetryMs: 500,
  /** Mobile: how long an attach or detach waits for the proxy's answer (ms). Default 5,000. */
  mobileRequestTimeoutMs: 5_000,
  /**
   * Mobile groups: most members one group holds (the trunk refuses more joins, a proxy refuses a
   * group attach listing more, and the wire refuses a longer list). Default 64.
   */
  mobileMaxGroupMembers: 64,
  /** Mobile groups: most groups one proxy holds (publishes one group GUID for each) at once; more are refused. Default 256. */
  mobileMaxGroupsPerProxy: 256,
  /** Mobile groups: most group forwarding entries (groups that moved away) one old proxy keeps; more moves are not forwarded. Default 256. */
  mobileMaxGroupForwardingEntries: 256,
  /** Mobile groups: most groups one node leads as their trunk (holds the member list and the members' records); more are refused. Default 16. */
  mobileMaxLedGroups: 16,
} as const;
