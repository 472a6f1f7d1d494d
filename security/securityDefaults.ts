/**
 * The security room's numbers: credentials, proofs, nonces, signed records and identities. Spread
 * into DEFAULTS (defaults.ts); imports nothing, so defaults.ts stays a leaf.
 */
export const SECURITY_DEFAULTS = {
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
} as const;
