/**
 * The bounds of the security layer. Each is meant to move into DEFAULTS (defaults.ts) when the
 * providers are wired into createNode; until then the security code reads them from here.
 */
export const SECURITY_LIMITS = {
  /**
   * Remote public keys whose parsed KeyObject is kept, least recently used evicted first. Parsing a
   * key costs about 10 µs against ~130 µs for the verify that uses it, so a miss is cheap but a hit
   * is free; the bound keeps a stream of fresh keys from a hostile peer from growing memory.
   */
  keyCacheEntries: 4096,
  /** Random bytes in a challenge nonce: 32, so a nonce is never reused by chance. */
  nonceBytes: 32,
  /** Shortest nonce a node answers: below this an answer could be precomputed and replayed. */
  minNonceBytes: 16,
  /** Longest nonce a node answers: a hostile challenger cannot make it sign large data. */
  maxNonceBytes: 64,
  /** Most (publisher, object) pairs the replay guard remembers; the least recently accepted goes. */
  replayGuardEntries: 65_536,
  /**
   * Most objects remembered per publisher in the replay guard: one publisher flooding fresh object
   * ids evicts its own oldest entries, not those of honest publishers.
   */
  replayGuardEntriesPerPublisher: 4096,
  /**
   * A (publisher, object) pair with no accepted record for this long is forgotten by `sweep`. One
   * day: the longest pointer lifetime accepted from the wire (DEFAULTS.maxPointerLifetimeMs), so a
   * record is remembered for at least as long as a pointer it left can live.
   */
  replayGuardRetentionMs: 86_400_000,
  /** Largest identity file read; a larger file at the path is reported as corrupt, never read. */
  maxIdentityFileBytes: 4096,
} as const;
