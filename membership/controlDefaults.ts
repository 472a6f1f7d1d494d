/** Signed leaves and address changes (membership/leaveGate.ts, membership/admission.ts), spread into DEFAULTS. */
export const CONTROL_DEFAULTS = {
  /**
   * A signed leave is acted on only when its issued-at time is within this many ms of the receiver's
   * clock, either way. Nodes' clocks are not synchronised: minutes absorb ordinary skew, and the
   * replay memory (maxLeaveReplays) refuses a second copy within the window.
   */
  leaveFreshnessMs: 120_000,
  /** Leaves remembered (newest issued-at per leaving GUID) to refuse replays; the least recently used forgotten first. */
  maxLeaveReplays: 4_096,
  /**
   * Under `none` a leave is checked with a ping sent this long after the notice (ms): well past a
   * leaving node's two grace periods (leaveGraceMs) and its close, so a real leaver is silent then
   * even on a loaded host; a forged leave costs a live node this long out of tables, once per leaveDoubtMs.
   */
  leaveCheckDelayMs: 10_000,
  /**
   * Under `none`, after a leave of a GUID proved false (the node still answered), further leaves of
   * it for this long (ms) are acted on only once the check fails.
   */
  leaveDoubtMs: 600_000,
  /** Leave checks (under `none`) and address-change checks waiting at once; more are refused. */
  maxControlChecks: 256,
} as const;
