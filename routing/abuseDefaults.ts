/**
 * Limits that keep a stranger from using a node against a third party (reflection, amplification) or
 * against the node's own upkeep (draining its ping budget). Spread into DEFAULTS (defaults.ts).
 */
export const ABUSE_DEFAULTS = {
  /**
   * Most challenge pings that strangers' messages asked for (an adopt, a join multicast, a leaf-set
   * request) awaiting their pong; beyond it such a challenge is refused and counted. A budget apart
   * from maxPendingPings, so a flood of adopts from fresh GUIDs never refuses this node's heartbeats.
   */
  maxPendingStrangerPings: 256,
  /** Challenges per second that messages from one source IP address (any port) may ask of a node. */
  strangerChallengesPerSecPerIp: 50,
  /** Challenges one source IP address may ask for at once above strangerChallengesPerSecPerIp. */
  strangerChallengesBurstPerIp: 100,
  /** Challenges per second of peers whose GUIDs share a first byte (a region of the ring an attacker may target). */
  strangerChallengesPerSecPerPrefix: 100,
  /** Challenges one GUID prefix may ask for at once above strangerChallengesPerSecPerPrefix. */
  strangerChallengesBurstPerPrefix: 200,
  /** Source addresses and GUID prefixes whose challenge buckets a node keeps (each limiter); the oldest go first. */
  maxStrangerLimitKeys: 4096,
  /**
   * Addresses a node remembers as return-routable (they answered a ping sent there, or echoed a
   * cookie): full answers go to them. The least recently proven is forgotten first.
   */
  maxProvenAddresses: 4096,
  /** How long an address stays proven without a new proof (ms): addresses are reassigned. */
  provenAddressTtlMs: 600_000,
  /**
   * Unproven source addresses whose anti-amplification credit (bytes received from them, which
   * answers to them may spend) a node keeps; the oldest go first (and lose their credit).
   */
  maxAmplificationCredits: 4096,
  /** Most credit one unproven address may hold (bytes). */
  maxAmplificationCreditBytes: 16_384,
  /**
   * A cookie is a MAC of the requester's address and a time bucket of this length (ms); one from the
   * current or the previous bucket is accepted, so it is good for one to two buckets.
   */
  cookieBucketMs: 30_000,
  /** Length of a cookie (bytes): a truncated HMAC-SHA256. */
  cookieBytes: 8,
  /**
   * Padding (bytes) a ping carrying a challenge brings, so the pong's credential and proof (a 32-byte
   * key and a 64-byte signature for `signed`) are no larger than what the pinger sent. A challenge
   * ping whose challenge and padding are fewer bytes than its pong's credential and proof is answered
   * without them.
   */
  challengePaddingBytes: 80,
  /**
   * Padding (bytes) of a NeighbourRequest sent without a cookie: enough that the NeighbourRetry
   * answering it (a request id and a cookie) is never larger than the request.
   */
  neighbourRequestPaddingBytes: 16,
  /** Cookies a node keeps from the nodes it asks (one per answering address), the oldest forgotten first. */
  maxHeldCookies: 256,
  /** Largest padding field any message may carry (bytes); a larger one does not decode. */
  maxPaddingBytes: 1024,
  /**
   * Padding (bytes) of an adopt under an authenticating provider: with it an adopt is at least as
   * large as the padded challenge ping it draws from a node the sender has not proven itself to; an
   * unpadded adopt from an unproven sender is dropped (counted in challengesLimited).
   */
  adoptPaddingBytes: 128,
  /**
   * Padding (bytes) of a locate under an authenticating provider: with it a locate is at least as
   * large as the signed LocateFound (credential, signature) it draws; a server answers an origin
   * only when the locate that reached it was as large (answersWithheld counts the others).
   */
  locatePaddingBytes: 112,
  /**
   * Padding (bytes) of a locate for a self-certifying object (`owned`) under an authenticating
   * provider: its answer also carries the owner's claim (key, name hash, and a grant when the server
   * is not the owner), so the locate must be larger still.
   */
  ownedLocatePaddingBytes: 176,
} as const;
