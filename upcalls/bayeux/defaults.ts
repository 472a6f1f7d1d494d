/** Bayeux multicast limits and timings (upcalls/bayeux/), spread into DEFAULTS. */
export const BAYEUX_DEFAULTS = {
  /** Bayeux: most sessions with forwarding state (or Scribe tree state) at one node; more TREE / JOIN messages are dropped and counted. Default 1,024. */
  bayeuxMaxSessions: 1_024,
  /** Bayeux: most member entries of one session at one node (the root holds one per member). Default 65,536. */
  bayeuxMaxEntriesPerSession: 65_536,
  /** Bayeux: most children of one session at one node in Scribe mode. Default 4,096. */
  bayeuxMaxChildrenPerSession: 4_096,
  /** Bayeux: most root replicas of a session (salted session GUIDs 0 .. replicas - 1). Default 8. */
  bayeuxMaxReplicas: 8,
  /** Bayeux: largest multicast payload (bytes); larger than one datagram, it is fragmented as any route. Default 65,536. */
  bayeuxMaxPayloadBytes: 65_536,
  /** Bayeux: multicasts a member remembers to deliver each once (per session, newest kept). Default 1,024. */
  bayeuxDedupWindow: 1_024,
  /** Bayeux: most sessions one node is a member of at once. Default 256. */
  bayeuxMaxMemberships: 256,
  /** Bayeux: most sessions one node created (and refreshes) at once. Default 256. */
  bayeuxMaxCreated: 256,
  /** Bayeux: longest session name (UTF-8 bytes). Default 256. */
  bayeuxMaxNameBytes: 256,
  /**
   * Bayeux: how often a creator refreshes its root replicas, a member its path (Bayeux: JOIN → TREE)
   * and a Scribe tree node its place under its parent (a heartbeat) (ms). Default 20,000.
   */
  bayeuxRefreshMs: 20_000,
  /** Bayeux: how long a root record, forwarding entry or Scribe child lives without a refresh (ms). Default 60,000 (three refreshes). */
  bayeuxEntryLifetimeMs: 60_000,
  /** Bayeux: how long a join, a heartbeat or createSession waits for its answer before trying again (ms). Default 4,000. */
  bayeuxRequestTimeoutMs: 4_000,
  /** Bayeux: join attempts (each: locate a root replica, ask it) before join fails; a joined member re-seeks this many times before it takes the session as gone. Default 4. */
  bayeuxJoinAttempts: 4,
} as const;
