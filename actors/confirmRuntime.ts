/**
 * Confirmed routes at both ends (routing/routeConfirms.ts holds the rules and the bookkeeping):
 * - at the source, each confirmed message is sent through first hops chosen by routing/firstHops.ts,
 *   `redundancy` copies a round; a round without the destination's acknowledgement within
 *   DEFAULTS.routeConfirmTimeoutMs is followed by another through first hops not tried yet, at most
 *   DEFAULTS.routeConfirmAttempts rounds. When a round ends, each of its copies scores its first hop
 *   (routing/neighbourScore.ts): acknowledged, it regains score; not, it loses some, and a neighbour
 *   whose score runs out is evicted from the routing table (its slot's backup takes over);
 * - at the destination, every copy that arrives is acknowledged straight to the source (a DirectMsg
 *   to ROUTE_CONFIRM_MODULE_ID), duplicates included, so the source learns which first hops work.
 * Routes that do not ask for confirmation never come here.
 */
import { DEFAULTS } from '../defaults';
import { firstHops } from '../routing/firstHops';
import type { NodeHandle, RouteMsg } from '../routing/messages';
import { NeighbourScores, type ScoreStats } from '../routing/neighbourScore';
import { ConfirmTable, decodeRouteAck, encodeRouteAck, mayConfirm, type ConfirmStats, type PendingConfirm } from '../routing/routeConfirms';
import type { RoutingTable } from '../routing/routingTable';
import type { Cancel } from './nodeTimers';

export { ROUTE_CONFIRM_MODULE_ID } from '../routing/routeConfirms';

/** What confirmed routes need of the router. */
export interface ConfirmHost {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  /** A one-shot timer on the node's clock; the answer cancels it. */
  after(ms: number, fire: () => void): Cancel;
  /** Sends `msg` one hop to `to`, which resumes routing at `resume`; `retry`: the module's forward upcall already ran. */
  sendVia(msg: RouteMsg, to: NodeHandle, resume: number, retry: boolean): void;
  /** Routes `msg` from here as an unconfirmed route goes. */
  step(msg: RouteMsg): void;
  /** Sends an acknowledgement's bytes straight to the route's source. */
  sendAck(to: NodeHandle, payload: Uint8Array, hops: number): void;
  /** A neighbour whose score ran out: evict it from the routing table. */
  distrust(node: NodeHandle): void;
}

export class ConfirmRuntime {
  /** How far each neighbour is trusted to carry a confirmed route. */
  readonly scores = new NeighbourScores();
  private readonly pending = new ConfirmTable();

  constructor(
    private readonly host: ConfirmHost,
    private readonly stats: ConfirmStats & ScoreStats,
  ) {}

  /** Confirmed messages waiting for their acknowledgement. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends one confirmed message (a whole route, or one fragment of one) from this node. Routed as
   * an unconfirmed one when this node is its root, has no neighbour, or already waits on too many.
   */
  start(msg: RouteMsg, redundancy: number): void {
    this.stats.confirmsStarted++;
    if (this.pending.full) {
      this.stats.confirmsUntracked++;
      this.host.step(msg);
      return;
    }
    if (firstHops(this.host.table, msg.dest, new Set(), 1).length === 0) {
      this.host.step(msg);
      return;
    }
    this.round(this.pending.open(msg, redundancy));
  }

  /** A copy of a confirmed route ended here (not by TTL): acknowledge it to its source. */
  arrived(msg: RouteMsg): void {
    if (!msg.confirm || !msg.routeId || msg.source.guid.equals(this.host.self.guid)) return;
    this.stats.confirmAcksSent++;
    this.host.sendAck(msg.source, encodeRouteAck({ routeId: msg.routeId, fragmentIndex: msg.fragment?.index, attempt: msg.confirm }), msg.hops);
  }

  /** An acknowledgement from `sender`; `fromItsAddress`: its datagram came from the address the sender claims. */
  receiveAck(payload: Uint8Array, sender: NodeHandle, fromItsAddress: boolean): void {
    const ack = decodeRouteAck(payload);
    const found = ack && this.pending.copyOf(ack);
    if (!found || !fromItsAddress || !mayConfirm(found.pending.msg, sender.guid)) {
      this.stats.confirmAcksRefused++;
      return;
    }
    const { pending, copy } = found;
    if (copy.acked) return;
    copy.acked = true;
    this.scores.succeeded(copy.firstHop.guid.hex);
    if (!pending.acked) {
      pending.acked = true;
      this.stats.confirmsAcked++;
    }
  }

  /** Stops every timer (the node closes). */
  shutdown(): void {
    this.pending.drain();
  }

  /** Sends one round: up to `redundancy` copies through first hops not tried yet. */
  private round(p: PendingConfirm): void {
    const hops = firstHops(this.host.table, p.msg.dest, p.tried, p.redundancy);
    if (hops.length === 0) {
      this.stats.confirmsFailed++;
      this.pending.close(p.key);
      return;
    }
    p.rounds++;
    if (p.rounds > 1) this.stats.confirmRetries++;
    for (const hop of hops) {
      const attempt = p.copies.length + 1;
      p.copies.push({ attempt, round: p.rounds, firstHop: hop.to, acked: false });
      p.tried.add(hop.to.guid.hex);
      this.stats.confirmCopies++;
      // The module's forward upcall sees the message once, with its first copy.
      this.host.sendVia({ ...p.msg, confirm: attempt }, hop.to, hop.resume, attempt > 1);
    }
    const key = p.key;
    p.cancel = this.host.after(DEFAULTS.routeConfirmTimeoutMs, () => this.roundEnded(key));
  }

  /** A round's wait ended: score its copies' first hops, then stop (acknowledged, or out of rounds) or send another. */
  private roundEnded(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    for (const copy of p.copies) if (copy.round === p.rounds && !copy.acked) this.penalise(copy.firstHop);
    if (p.acked) {
      this.pending.close(key);
      return;
    }
    if (p.rounds >= DEFAULTS.routeConfirmAttempts) {
      this.stats.confirmsFailed++;
      this.pending.close(key);
      return;
    }
    this.round(p);
  }

  /** A first hop whose copy went unacknowledged loses score; one whose score runs out leaves the table. */
  private penalise(node: NodeHandle): void {
    if (!this.scores.failed(node.guid.hex).evict) return;
    if (!this.host.table.has(node.guid)) return;
    this.stats.neighboursDistrusted++;
    this.host.distrust(node);
  }
}
