/**
 * Issue 15 — identity cost and routing around liars: the limits and timings of the identity puzzle
 * (security/puzzle.ts), end-to-end route confirmation (routing/routeConfirms.ts) and neighbour scores
 * (routing/neighbourScore.ts). Spread into DEFAULTS (defaults.ts); imports nothing, so defaults.ts
 * may import it.
 */
export const LIARS_DEFAULTS = {
  /**
   * Leading zero bits a key's puzzle hash (SHA-256 of SHA-256 of the public key, S/Kademlia's static
   * puzzle) must have to be admitted. 0: no puzzle (simulations, closed networks).
   */
  identityDifficulty: 0,
  /**
   * Largest identity difficulty accepted: each bit doubles the keys a node must try (about 2^c, at
   * 50–100 µs a key as measured in BENCHMARKS.md, so 16 bits is seconds and 24 a quarter of an hour
   * of one core), and a mesh asking more would lock honest nodes out.
   */
  maxIdentityDifficulty: 24,
  /**
   * Wait for a confirmed route's end-to-end acknowledgement before it is sent again through another
   * first hop (ms). Several times a cross-mesh route's round trip with a retransmitted hop or two.
   */
  routeConfirmTimeoutMs: 1_500,
  /**
   * Most rounds of one confirmed route (the first included), each through first hops not tried
   * before. Only unacknowledged routes use more than one; six keep delivery at 99% or more with a
   * fifth of the members dropping (BENCHMARKS.md, security-routing).
   */
  routeConfirmAttempts: 6,
  /** Largest `redundancy` a route may ask for: copies sent at once through distinct first hops. */
  maxRouteRedundancy: 4,
  /** Most confirmed routes (fragments counted one by one) waiting for their acknowledgement; more go unconfirmed, counted. */
  maxPendingConfirms: 4_096,
  /** A neighbour's score: where it starts and its ceiling (successes restore it up to here). */
  neighbourScoreMax: 8,
  /** What a first hop whose confirmed route went unacknowledged loses. */
  neighbourScorePenalty: 2,
  /** What a first hop whose confirmed route was acknowledged regains. */
  neighbourScoreReward: 1,
  /** At or below this score a neighbour is evicted from the routing table (its slot's backup takes over). */
  neighbourScoreEvictAt: 0,
  /** Most neighbours whose score is kept (those never scored, or back at the ceiling, are not kept). */
  maxScoredNeighbours: 4_096,
} as const;
