/**
 * The maintenance budget: how many datagrams a node's own maintenance may start a second (checks of
 * quiet neighbours, repair requests, measurements of candidates), as a token bucket refilled at
 * `perSec` up to `burst`. Periodic recovery within a budget, rather than reactive recovery without
 * one, is what keeps a loaded mesh from feeding its own overload (Bamboo, "Handling churn in a DHT",
 * USENIX 2004). Work that cannot wait (probing a neighbour already suspected) spends tokens it may
 * not have, which only delays the next optional work.
 *
 * Failures come together: once a neighbour is found failed, the rate is multiplied by
 * DEFAULTS.maintenanceBoostFactor for DEFAULTS.maintenanceBoostMs, so the rest of a correlated
 * failure is found sooner, and the budget falls back to its steady rate when the failures stop.
 *
 * Pure: time comes in as `now`.
 */
export class MaintenanceBudget {
  private tokens: number;
  private at: number | undefined;
  /** Until when (ms) the boosted rate applies. */
  private boostedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    readonly perSec: number,
    readonly burst: number,
    private readonly boostFactor = 1,
    private readonly boostMs = 0,
    /** `counts.maintenanceBudgetExceeded` counts the datagrams forced past the budget (the node's membership stats). */
    private readonly counts: { maintenanceBudgetExceeded: number } = { maintenanceBudgetExceeded: 0 },
  ) {
    this.tokens = burst;
  }

  /** Datagrams forced past the budget so far. */
  get forced(): number {
    return this.counts.maintenanceBudgetExceeded;
  }

  /** A neighbour was found failed at `now`: the boosted rate for the next boostMs. */
  boost(now: number): void {
    this.refill(now);
    this.boostedUntil = now + this.boostMs;
  }

  /**
   * Takes one token if there is one beyond `reserve`: true when the work may go ahead. Liveness
   * checks leave DEFAULTS.maintenanceRepairReserve tokens to repair, so a node with many quiet
   * neighbours still repairs its table and leaf set.
   */
  take(now: number, reserve = 0): boolean {
    this.refill(now);
    if (this.tokens < 1 + reserve) return false;
    this.tokens -= 1;
    return true;
  }

  /** Spends one token whether or not there is one (down to -burst: a debt repaid before optional work resumes). */
  force(now: number): void {
    this.refill(now);
    this.tokens = Math.max(-this.burst, this.tokens - 1);
    this.counts.maintenanceBudgetExceeded++;
  }

  private refill(now: number): void {
    if (this.at !== undefined && now > this.at) {
      // The boosted share of the time since the last refill earns at the boosted rate.
      const boosted = Math.max(0, Math.min(now, this.boostedUntil) - this.at);
      const earned = (((now - this.at) - boosted) * this.perSec + boosted * this.perSec * this.boostFactor) / 1000;
      this.tokens = Math.min(this.burst, this.tokens + earned);
    }
    if (this.at === undefined || now > this.at) this.at = now;
  }
}
