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
} as const;
