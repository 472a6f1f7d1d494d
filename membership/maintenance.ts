/**
 * Keeping a table and leaf set right over time: soft-state repair (one level asked of one neighbour a
 * round), the leaf-set exchange, heartbeats with miss counting, suspicion after a silent hop, and
 * mending a slot a failed neighbour leaves empty. Leave notices for a voluntary departure.
 */
import type { NodeHandle } from '../routing/handle';
import type { Admission } from './admission';
import type { LeafSet } from './leafSet';
import type { NeighbourAsk } from './neighbourAsk';
import type { MembershipPort, MembershipStats } from './port';
import { replacementFor } from './replacement';

export class Maintenance {
  private repairRound = 0;
  private leafRound = 0;
  /** Heartbeats missed in a row, by neighbour GUID hex (bounded by the table's size: cleared on answer or failure). */
  private readonly misses = new Map<string, number>();
  /** Neighbours being checked after a silent hop (bounded by the table's size). */
  private readonly suspected = new Set<string>();

  constructor(
    private readonly port: MembershipPort,
    private readonly leafSet: LeafSet,
    private readonly admission: Admission,
    private readonly ask: NeighbourAsk,
    private readonly stats: MembershipStats,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * One round of soft-state table repair: ask one neighbour that shares a level's prefix for its
   * entries at that level, and measure the nodes that would fill a slot with room. This is what makes
   * concurrent joins converge and what fills the holes failures leave. Levels are visited in turn.
   */
  repairOnce(): void {
    this.exchangeLeafSet();
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
    if (peers.length === 0) return;
    this.stats.repairs++;
    const peer = peers[(round * 7919) % peers.length];
    this.ask.entries(peer, level, 0, (nodes) => {
      for (const n of nodes) {
        if (n.guid.equals(self.guid) || table.has(n.guid)) continue;
        const at = table.slotOf(n.guid);
        if (at === undefined) continue;
        if (table.slot(at.level, at.digit).length < table.slotSize) this.admission.measureAndLearn(n);
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
   * A leaf-set member outside the routing table gets no heartbeat, so this is also where failed
   * members go: the asked node when it is silent, and one other member per round, in turn, checked
   * with a liveness ping.
   */
  exchangeLeafSet(): void {
    const round = this.leafRound++;
    const side = round % 2 === 0 ? this.leafSet.smaller() : this.leafSet.larger();
    if (side.length === 0) return;
    const nearest = side[0];
    this.ask.leafSet(nearest, (nodes) => {
      if (nodes === undefined) this.dropIfSilent(nearest);
      else for (const n of nodes) if (this.leafSet.wouldTake(n.guid)) this.admission.measureAndLearn(n);
    });
    const other = side[(round >> 1) % side.length];
    if (other !== nearest) this.dropIfSilent(other);
  }

  /**
   * Pings a member, twice if need be (one lost datagram is no failure); one that answers neither is
   * dropped as failed, its slot mended if it was in the table. A proven peer is only checked for life.
   */
  dropIfSilent(node: NodeHandle, retries = 1): void {
    this.admission.probe(node.address, this.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(node.guid)) return;
      if (retries > 0) this.dropIfSilent(node, retries - 1);
      else if (this.port.table.has(node.guid)) this.failed(node);
      else this.admission.forget(node.guid);
    }, { challenge: !this.admission.isProven(node) });
  }

  /**
   * One heartbeat round: each primary neighbour is pinged (backups too when `withBackups`); one that
   * misses `maxMisses` heartbeats in a row is taken as failed.
   */
  heartbeat(timeoutMs: number, maxMisses: number, withBackups: boolean): void {
    const { table, self } = this.port;
    const seen = new Set<string>();
    for (let l = 0; l < table.levels; l++) {
      if (table.levelSize(l) === 0) continue;
      for (let d = 0; d < table.base; d++) for (const [rank, e] of table.slot(l, d).entries()) {
        if (rank > 0 && !withBackups) break;
        const p = e.handle;
        if (p.guid.equals(self.guid) || seen.has(p.guid.hex)) continue;
        seen.add(p.guid.hex);
        // A neighbour that already proved its GUID at this address is only checked for life: a fresh
        // challenge would cost it a signature, and this node a verification, every round.
        this.admission.probe(p.address, timeoutMs, (r) => {
          if (r && r.peer.guid.equals(p.guid)) {
            this.misses.delete(p.guid.hex);
            return;
          }
          const missed = (this.misses.get(p.guid.hex) ?? 0) + 1;
          this.misses.set(p.guid.hex, missed);
          if (missed >= maxMisses) this.failed(p);
        }, { challenge: !this.admission.isProven(p) });
      }
    }
  }

  /** A neighbour did not acknowledge a hop: ping it now, and drop it if it does not answer either. */
  suspect(node: NodeHandle): void {
    if (!this.port.table.has(node.guid) || this.suspected.has(node.guid.hex)) return;
    this.suspected.add(node.guid.hex);
    this.admission.probe(node.address, this.requestTimeoutMs, (r) => {
      this.suspected.delete(node.guid.hex);
      if (!r || !r.peer.guid.equals(node.guid)) this.failed(node);
    });
  }

  /** A neighbour stopped answering: drop it and mend the slot it leaves empty. */
  failed(node: NodeHandle): void {
    const { table, self } = this.port;
    this.misses.delete(node.guid.hex);
    if (!table.has(node.guid)) return;
    this.stats.failuresDetected++;
    const { level, digit } = table.slotOf(node.guid)!;
    this.admission.forget(node.guid);
    const promoted = table.primary(level, digit);
    if (promoted) {
      // The backup that took over may have failed too (failures come together): check it at once.
      this.admission.probe(promoted.address, this.requestTimeoutMs, (r) => {
        if (!r || !r.peer.guid.equals(promoted.guid)) this.failed(promoted);
      });
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
    for (const back of table.backpointers()) {
      const replacement = replacementFor(table, back.guid);
      this.port.send(back, { kind: 'leave', leave: { leaving: self, replacement } });
    }
    for (const n of table.neighbours()) {
      if (!table.hasBackpointer(n.guid)) this.port.send(n, { kind: 'leave', leave: { leaving: self } });
    }
  }
}
