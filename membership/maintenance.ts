/**
 * Keeping a table and leaf set right over time: soft-state repair (one level asked of one neighbour a
 * round), the leaf-set exchange, and mending a slot a failed neighbour leaves empty, all within the
 * maintenance budget; failure detection itself is liveness.ts. Leave notices for a voluntary departure.
 */
import type { NodeHandle } from '../routing/handle';
import type { Admission } from './admission';
import type { LeafSet } from './leafSet';
import type { NeighbourAsk } from './neighbourAsk';
import type { MembershipPort, MembershipStats } from './port';
import type { MaintenanceBudget } from './budget';
import type { Liveness } from './liveness';
import { replacementFor } from './replacement';
import { signLeave } from '../security/leaveStatement';
import type { LeaveNotice } from './messages';

export class Maintenance {
  private repairRound = 0;
  private leafRound = 0;
  /** Set once the node has its liveness watch (the two refer to each other). */
  liveness?: Liveness;

  constructor(
    private readonly port: MembershipPort,
    private readonly leafSet: LeafSet,
    private readonly admission: Admission,
    private readonly ask: NeighbourAsk,
    private readonly stats: MembershipStats,
    private readonly budget: MaintenanceBudget,
  ) {}

  /**
   * One round of soft-state table repair: ask one neighbour that shares a level's prefix for its
   * entries at that level, and measure the nodes that would fill a slot with room. This is what makes
   * concurrent joins converge and what fills the holes failures leave. Levels are visited in turn.
   */
  repairOnce(): void {
    this.exchangeLeafSet();
    const now = this.port.now();
    const { table, self } = this.port;
    let deepest = -1;
    for (let l = table.levels - 1; l >= 0; l--) {
      if (table.levelSize(l) > 0) {
        deepest = l;
        break;
      }
    }
    if (deepest < 0) return;
    const round = this.repairRound++;
    const level = round % (deepest + 1);
    const peers: NodeHandle[] = [];
    for (let l = level; l <= deepest; l++) {
      for (let d = 0; d < table.base; d++) for (const e of table.slot(l, d)) if (!e.handle.guid.equals(self.guid)) peers.push(e.handle);
    }
    if (peers.length === 0 || !this.budget.take(now)) return;
    this.stats.repairs++;
    const peer = peers[(round * 7919) % peers.length];
    this.ask.entries(peer, level, 0, (nodes) => {
      for (const n of nodes) {
        if (n.guid.equals(self.guid) || table.has(n.guid)) continue;
        const at = table.slotOf(n.guid);
        if (at === undefined) continue;
        // Candidates beyond the budget wait for a later round.
        if (table.slot(at.level, at.digit).length < table.slotSize && this.budget.take(this.port.now())) this.admission.measureAndLearn(n);
      }
    });
  }

  /**
   * Leaf-set maintenance, one step per repair round: ask the nearest member on one side (the sides
   * take turns) for its leaf set, and measure every node in it that belongs in this one. A join
   * leaves some leaf sets short of a true neighbour (it learns only the nodes its search measured);
   * this closes the gap the way Pastry's leaf-set exchange does, each neighbour's view correcting the
   * other's. The asked node does the same with the asker (JoinServer.onNeighbourRequest).
   *
   * Leaf-set members are watched for life like table primaries (liveness.ts); an asked member that
   * does not answer is checked at once.
   */
  exchangeLeafSet(): void {
    const round = this.leafRound++;
    const side = round % 2 === 0 ? this.leafSet.smaller() : this.leafSet.larger();
    if (side.length === 0 || !this.budget.take(this.port.now())) return;
    const nearest = side[0];
    this.ask.leafSet(nearest, (nodes) => {
      if (nodes === undefined) this.liveness?.suspect(nearest, this.port.now());
      else for (const n of nodes) if (this.leafSet.wouldTake(n.guid) && this.budget.take(this.port.now())) this.admission.measureAndLearn(n);
    });
  }

  /** A neighbour stopped answering: drop it and mend the slot it leaves empty. */
  failed(node: NodeHandle): void {
    const { table, self } = this.port;
    this.liveness?.forget(node.guid.hex);
    if (!table.has(node.guid)) {
      // A leaf-set member outside the table: only the leaf set loses it.
      if (this.leafSet.has(node.guid)) {
        this.stats.failuresDetected++;
        this.budget.boost(this.port.now());
        this.admission.forget(node.guid);
      }
      return;
    }
    this.stats.failuresDetected++;
    this.budget.boost(this.port.now());
    const { level, digit } = table.slotOf(node.guid)!;
    this.admission.forget(node.guid);
    const promoted = table.primary(level, digit);
    if (promoted) {
      // The backup that took over may have failed too (failures come together): check it at once.
      this.liveness?.suspect(promoted, this.port.now());
      return;
    }
    // Ask a node that shares this level's prefix for its entries there.
    for (let l = level; l < table.levels; l++) {
      for (let d = 0; d < table.base; d++) {
        const peer = table.primary(l, d);
        if (!peer || peer.guid.equals(self.guid)) continue;
        this.ask.entries(peer, level, 0, (nodes) => {
          for (const n of nodes) {
            if (n.guid.equals(node.guid) || n.guid.equals(self.guid) || table.has(n.guid)) continue;
            const at = table.slotOf(n.guid);
            if (at !== undefined && at.level === level && at.digit === digit) this.admission.measureAndLearn(n);
          }
        });
        return;
      }
    }
  }

  /**
   * Leaving on purpose: every node that lists this one hears of a replacement for its slot, and
   * neighbours this node lists that do not list it drop it at once too.
   */
  sendLeaveNotices(): void {
    const { table, self } = this.port;
    this.admission.selfLeaving = true;
    for (const back of table.backpointers()) {
      const replacement = replacementFor(table, back.guid);
      this.port.send(back, { kind: 'leave', leave: this.signed({ leaving: self, replacement }) });
    }
    for (const n of table.neighbours()) {
      if (!table.hasBackpointer(n.guid)) this.port.send(n, { kind: 'leave', leave: this.signed({ leaving: self }) });
    }
  }

  /** Under an authenticating provider a leave is this node's signed statement (security/leaveStatement.ts), issued now. */
  private signed(notice: LeaveNotice): LeaveNotice {
    const security = this.port.security;
    if (!security?.authenticates) return notice;
    const issuedAtMs = Math.floor(this.port.now());
    return { ...notice, issuedAtMs, ...signLeave(security, { leaving: notice.leaving, replacement: notice.replacement, issuedAtMs }) };
  }
}
