/** DHT tier limits and timings (upcalls/dht/), spread into DEFAULTS. */
export const DHT_DEFAULTS = {
  /** DHT: most records one node holds (as root, replica or publisher's copy); more puts are refused as full. Default 65,536. */
  dhtMaxRecords: 65_536,
  /** DHT: largest value (bytes); a larger one is refused with MessageTooLargeError. Default 16,384. */
  dhtMaxValueBytes: 16_384,
  /** DHT: salted roots a key is stored at (1 .. dhtMaxSalts). Default 2. */
  dhtSalts: 2,
  /** DHT: most salted roots a message may name. Default 8. */
  dhtMaxSalts: 8,
  /** DHT: nodes holding each salted root's copy, the root included (the r nodes nearest the salted key). Default 3. */
  dhtReplicas: 3,
  /** DHT: most replicas per salted root. Default 16. */
  dhtMaxReplicas: 16,
  /** DHT: how long a record lives without being republished (ms). Default 3,600,000 (an hour). */
  dhtRecordLifetimeMs: 3_600_000,
  /** DHT: how often a publisher republishes its records (ms). Default 1,200,000 (a third of their life). */
  dhtRepublishMs: 1_200_000,
  /** DHT: how long a put, get or remove waits for the roots' answers (ms). Default 5,000. */
  dhtRequestTimeoutMs: 5_000,
  /** DHT: puts, gets and removes waiting at once. Default 4,096. */
  dhtMaxPending: 4_096,
  /** DHT: records this node published and republishes. Default 4,096. */
  dhtMaxPublished: 4_096,
  /** DHT: most cached copies one node keeps for gets passing through it; more are not kept (lapsed ones are dropped first). Default 4,096. */
  dhtMaxCached: 4_096,
  /** DHT, under `signed`: gets this node passed on whose cached copy it still awaits (key and next hop); past it the oldest is forgotten (its copy is then refused). Default 4,096. */
  dhtMaxAwaitedCopies: 4_096,
  /** DHT: a cached copy shorter-lived than this is not passed on to the next hop back (ms). Default 1,000. */
  dhtMinCacheMs: 1_000,
  /** DHT: after a neighbour joins or leaves, how long the node waits before re-replicating (ms): one pass for a burst of changes. Default 1,000. */
  dhtReplicateDelayMs: 1_000,
  /** DHT: how often bootstrap() looks whether the node has a neighbour yet (ms). Default 100. */
  dhtBootstrapPollMs: 100,
  /** DHT: how long bootstrap() waits for a neighbour unless told otherwise (ms). Default 30,000. */
  dhtBootstrapTimeoutMs: 30_000,
} as const;
