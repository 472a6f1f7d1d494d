/**
 * The maintenance budget: how many datagrams a node's own maintenance may start a second (checks of
 * quiet neighbours, repair requests, measurements of candidates), as a token bucket refilled at
 * `perSec` up to `burst`. Periodic recovery within a budget, rather than reactive recovery without
 * one, is what keeps a loaded mesh from feeding its own overload (Bamboo, "Handling churn in a DHT",
 * USENIX 2004). Work that cannot wait (probing a neighbour already suspected) spends tokens it may
 * not have, which only delays the next optional work.
 *
 * Pure: time comes in as `now`.
 */
export class MaintenanceBudget {
  private tokens: number;
  private at: number | undefined;
  /** Datagrams started within the budget, and those forced past it. */
  spent = 0;
  forced = 0;

  constructor(
    readonly perSec: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token if there is one: true when the work may go ahead. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.spent++;
    return true;
  }

  /** Spends one token whether or not there is one (down to -burst: a debt repaid before optional work resumes). */
  force(now: number): void {
    this.refill(now);
    this.tokens = Math.max(-this.burst, this.tokens - 1);
    this.forced++;
  }

  private refill(now: number): void {
    if (this.at !== undefined && now > this.at) this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSec) / 1000);
    if (this.at === undefined || now > this.at) this.at = now;
  }
}
