/**
 * Failure detection that load cannot fool. Each maintenance tick:
 *
 * - A watched neighbour (routing-table primary or leaf-set member) heard from within `heartbeatMs` —
 *   any frame counts: a pong, a HopAck, a route it forwarded, a ping it sent — needs nothing. The
 *   quietest of the others are checked with a ping, as many as the maintenance budget allows.
 * - A check whose ping went unanswered for the neighbour's own RTO (routing/peerHealth.ts: a loaded
 *   node's round trips grow, and its timeouts with them) is probed again, each wait twice the last.
 * - A neighbour is declared failed only when it stayed silent through at least
 *   DEFAULTS.failureProbes probes *and* DEFAULTS.failureSilenceMs of this node's own running time:
 *   silence that fell inside a stall of this node's event loop (stallWatch.ts) does not count, and a
 *   probe whose wait overlapped a stall is sent again rather than counted as missed. Evidence spread
 *   over seconds survives one slow turn of the event loop; consecutive misses within one turn do not.
 *
 * A hop that went unacknowledged (the router's suspect) starts a check at once, past the budget.
 *
 * Pure: pings go out through the port, time comes in as `now`, and the decision to drop a neighbour
 * goes back through the port's `failed`.
 */
import { DEFAULTS } from '../defaults';
import type { Address, NodeHandle } from '../routing/handle';
import type { PeerHealthView } from '../routing/peerHealth';
import type { MaintenanceBudget } from './budget';
import type { StallWatch } from './stallWatch';

/** What liveness needs from membership. */
export interface LivenessPort {
  readonly health: PeerHealthView & { track(key: string, now: number, address?: Address): void; readonly suspected: Set<string> };
  /**
   * The neighbours to keep watch on, each once: table primaries and leaf-set members first, then
   * backups (checked after DEFAULTS.backupQuietFactor times as long a quiet: they carry traffic only
   * once a primary fails, and a dead one then costs a failover).
   */
  watched(): { readonly first: readonly NodeHandle[]; readonly backups: readonly NodeHandle[] };
  /**
   * Sends a liveness ping (`challenge` asks an unproven peer for its proof too); its pong is heard by
   * the router. Calls `refused` at once, instead, when this node's ping budget refused the ping
   * (LimitExceededError): nothing went out, so nothing may count as missed.
   */
  probe(node: NodeHandle, timeoutMs: number, refused: () => void): void;
  /** Still a neighbour worth watching (in the table or the leaf set). */
  isNeighbour(node: NodeHandle): boolean;
  /** The neighbour is taken as failed. */
  failed(node: NodeHandle): void;
}

/** Counters, part of `node.stats.membership`. */
export interface LivenessStats {
  /** Quiet neighbours checked with a ping. */
  livenessChecks: number;
  /** Probes of a neighbour whose check went unanswered (each after the last one's wait). */
  livenessProbes: number;
  /** Probes sent again, not counted as missed, because this node's event loop stalled during their wait. */
  missesDiscounted: number;
  /** Checks that ended because the neighbour was heard from. */
  checksAnswered: number;
  /** Liveness pings this node's own ping budget refused: tried again next tick, never counted as a miss. */
  probesRefused: number;
}

interface Check {
  readonly node: NodeHandle;
  /** When the check's first ping went out: anything heard after it clears the check. */
  readonly since: number;
  /** Probes sent and counted as missed or still waiting (a refused one is not). */
  probes: number;
  lastProbeAt: number;
  waitMs: number;
  /** False when the last probe was refused by this node's own ping budget (nothing was sent). */
  sent: boolean;
}

export class Liveness {
  /** Neighbours being checked, by GUID hex: bounded by the watched set plus suspects, each at most DEFAULTS.maxChecks. */
  private readonly checks = new Map<string, Check>();

  constructor(
    private readonly port: LivenessPort,
    private readonly budget: MaintenanceBudget,
    private readonly stalls: StallWatch,
    private readonly stats: LivenessStats,
    private readonly heartbeatMs: number,
  ) {}

  /** Neighbours being checked. */
  get checking(): number {
    return this.checks.size;
  }

  /** One maintenance tick at `now`. */
  tick(now: number): void {
    this.advanceChecks(now);
    this.checkQuiet(now);
  }

  /** A hop to `node` went unacknowledged: check it at once (past the budget: the route is failing over now). */
  suspect(node: NodeHandle, now: number): void {
    if (!this.port.isNeighbour(node)) return;
    this.port.health.suspected.add(node.guid.hex);
    if (this.checks.has(node.guid.hex)) return;
    this.budget.force(now);
    this.start(node, now);
  }

  /** A neighbour left or was dropped: its check ends. */
  forget(key: string): void {
    this.end(key);
  }

  private end(key: string): void {
    this.checks.delete(key);
    this.port.health.suspected.delete(key);
  }

  private advanceChecks(now: number): void {
    for (const [key, c] of this.checks) {
      if ((this.port.health.lastHeard(key) ?? Number.NEGATIVE_INFINITY) >= c.since) {
        this.end(key);
        this.stats.checksAnswered++;
        continue;
      }
      if (!this.port.isNeighbour(c.node)) {
        this.end(key);
        continue;
      }
      if (now < c.lastProbeAt + c.waitMs) continue;
      // The last probe's wait is over without a word. A stall of this node during it proves nothing.
      const discounted = this.stalls.stalledWithin(c.lastProbeAt, now) > 0;
      const silence = now - c.since - this.stalls.stalledWithin(c.since, now);
      if (!discounted && c.sent && c.probes >= DEFAULTS.failureProbes && silence >= DEFAULTS.failureSilenceMs) {
        this.end(key);
        this.port.failed(c.node);
        continue;
      }
      if (!c.sent) c.probes++; // the refused probe goes out now: no miss to count, no longer wait
      else if (discounted) this.stats.missesDiscounted++;
      else {
        // Unanswered for a full wait: routes go around it while it is probed.
        this.port.health.suspected.add(key);
        c.probes++;
        c.waitMs = Math.min(DEFAULTS.rtoMaxMs, 2 * c.waitMs);
      }
      this.budget.force(now);
      this.stats.livenessProbes++;
      c.lastProbeAt = now;
      this.send(c);
    }
  }

  /**
   * Pings the quietest neighbours not heard from within heartbeatMs (backups: backupQuietFactor
   * times that), as the budget allows: primaries and leaf-set members before backups.
   */
  private checkQuiet(now: number): void {
    const { first, backups } = this.port.watched();
    if (!this.checkQuietOf(first, this.heartbeatMs, now)) return;
    this.checkQuietOf(backups, this.heartbeatMs * DEFAULTS.backupQuietFactor, now);
  }

  /** False when the budget (or the bound on checks) ran out. */
  private checkQuietOf(nodes: readonly NodeHandle[], quietMs: number, now: number): boolean {
    const quiet: Array<{ node: NodeHandle; heard: number }> = [];
    for (const node of nodes) {
      const key = node.guid.hex;
      if (this.checks.has(key)) continue;
      // Tracked at the address it is listed at: only frames from there count as heard.
      this.port.health.track(key, now, node.address);
      const heard = this.port.health.lastHeard(key) ?? now;
      if (now - heard >= quietMs) quiet.push({ node, heard });
    }
    quiet.sort((a, b) => a.heard - b.heard);
    for (const { node } of quiet) {
      if (this.checks.size >= DEFAULTS.maxChecks || !this.budget.take(now, DEFAULTS.maintenanceRepairReserve)) return false;
      this.stats.livenessChecks++;
      this.start(node, now);
    }
    return true;
  }

  private start(node: NodeHandle, now: number): void {
    const waitMs = this.port.health.rto(node.guid.hex, DEFAULTS.pingTimeoutMs);
    const check: Check = { node, since: now, probes: 1, lastProbeAt: now, waitMs, sent: true };
    this.checks.set(node.guid.hex, check);
    this.send(check);
  }

  /**
   * Probes a check's neighbour. A probe the ping budget refused never left this node: it is tried
   * again once its wait is over, and neither counts as a miss nor lengthens the wait.
   */
  private send(c: Check): void {
    c.sent = true;
    this.port.probe(c.node, c.waitMs, () => {
      c.sent = false;
      c.probes--;
      this.stats.probesRefused++;
    });
  }
}
