/**
 * Bayeux join mode (Zhuang et al., NOSSDAV 2001, §3): a member sends JOIN straight to its root
 * replica; the root routes TREE to the member's GUID, and every hop of that route (the root
 * included) records member → next hop, with the node the TREE came from (ForwardingState). Data
 * follows those entries, one copy per distinct next hop. A member refreshes by joining again; a TREE
 * that finds an entry going elsewhere PRUNEs the old branch (it stops where the paths meet again).
 * A failed next hop is repaired on the spot: this node routes a TREE for each member behind it.
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { DEFAULTS } from '../../defaults';
import type { ForwardContext, ForwardVerdict } from '../contract';
import { ForwardingState } from './forwardingState';
import type { BayeuxEvents } from './api';
import type { BayeuxMsg } from './messages';
import type { TreeHost, TreeMode } from './treeMode';
import { treeGuid } from './treeGuid';

const EMPTY = new Uint8Array(0);

export class BayeuxMode implements TreeMode {
  readonly refreshByJoin = true;
  private readonly state = new ForwardingState({ maxSessions: DEFAULTS.bayeuxMaxSessions, maxEntriesPerSession: DEFAULTS.bayeuxMaxEntriesPerSession });
  /** tree hex → its session and replica, for trees with entries here (a repair's TREE names them). */
  private readonly trees = new Map<string, { readonly session: Guid; readonly replica: number }>();

  /** The node a repair runs around (neighbourGone): no PRUNE goes to it. */
  private gone?: string;

  constructor(private readonly host: TreeHost) {}

  askJoin(session: Guid, replica: number, root: NodeHandle): void {
    this.host.counts.joinsSent++;
    this.host.send(root, this.msg('join', session, replica, this.host.ctx.self));
  }

  forward(msg: BayeuxMsg, at: ForwardContext): ForwardVerdict {
    if (msg.kind !== 'tree') return true;
    const tree = treeGuid(msg.session, msg.replica);
    const member = msg.node;
    const old = this.state.entry(tree, member.guid);
    // At the route's first hop (the root, or a node repairing) the entry keeps where data comes from.
    const upstream = at.from?.guid ?? (old ? Guid.fromHex(old.upstream) : this.host.ctx.self.guid);
    const newChild = !this.state.usesNextHop(tree, at.nextHop.guid.hex);
    const outcome = this.state.record(tree, member.guid, at.nextHop, upstream, this.host.ctx.now() + this.host.cfg.entryLifetimeMs, member);
    if (outcome === 'sessionsFull' || outcome === 'entriesFull') {
      this.host.counts.droppedFull++;
      return false;
    }
    this.trees.set(tree.hex, { session: msg.session, replica: msg.replica });
    this.host.arm(this.host.ctx.now() + this.host.cfg.entryLifetimeMs);
    if (newChild) this.host.emit('childAdded', { session: msg.session, child: at.nextHop });
    if (old && !old.nextHop.guid.equals(at.nextHop.guid)) {
      // The member is reached another way now: its old next hop may be no child any more.
      this.childMayBeGone(tree, msg.session, old.nextHop, old.nextHop.guid.hex === this.gone ? 'failed' : 'moved');
      // The old branch below this node is pruned (a TREE from another upstream leaves it to that upstream's PRUNE).
      if (old.upstream === upstream.hex && !old.nextHop.guid.equals(member.guid) && old.nextHop.guid.hex !== this.gone) this.prune(old.nextHop, msg.session, msg.replica, member);
    }
    return true;
  }

  control(msg: BayeuxMsg, _routed: boolean, from: NodeHandle): void {
    const tree = treeGuid(msg.session, msg.replica);
    switch (msg.kind) {
      case 'join':
        // A member asks its root replica; the TREE routed to it records the path.
        if (!this.host.isRoot(tree)) {
          this.host.counts.droppedNotRoot++;
          return;
        }
        if (msg.node.guid.equals(this.host.ctx.self.guid)) return this.host.answered(msg.session);
        this.host.route(msg.node.guid, this.msg('tree', msg.session, msg.replica, msg.node), false);
        return;
      case 'tree':
        if (msg.node.guid.equals(this.host.ctx.self.guid)) this.host.answered(msg.session);
        return;
      case 'leave':
        // At the root: the member's entry goes, and the PRUNE walks its branch.
        if (this.host.isRoot(tree)) this.removeAndPassOn(tree, msg, undefined);
        return;
      case 'prune':
        this.removeAndPassOn(tree, msg, from.guid.hex);
        return;
    }
  }

  fanout(tree: Guid, from: string): NodeHandle[] {
    return this.state.fanout(tree, from);
  }

  abandon(): void {
    // Nothing was set up at the member: its entries live on the path and lapse or are replaced.
  }

  leave(session: Guid, replica: number, root: NodeHandle): void {
    this.host.counts.prunesSent++;
    this.host.send(root, this.msg('leave', session, replica, this.host.ctx.self));
  }

  drop(tree: Guid): NodeHandle[] {
    const info = this.trees.get(tree.hex);
    this.trees.delete(tree.hex);
    const hops = this.state.drop(tree);
    // The distinct next hops are this node's children there: each goes once.
    if (info) for (const child of hops) this.host.emit('childRemoved', { session: info.session, child, reason: 'teardown' });
    return hops;
  }

  neighbourGone(node: NodeHandle): void {
    this.gone = node.guid.hex;
    for (const { session: treeHex, member, handle } of this.state.membersVia(node.guid.hex)) {
      const info = this.trees.get(treeHex);
      const tree = Guid.fromHex(treeHex);
      if (member === node.guid.hex || !info || !handle) {
        this.state.remove(tree, Guid.fromHex(member));
        // Told once, by the removal (or the repair below) that leaves no entry through the failed node.
        if (info) this.childMayBeGone(tree, info.session, node, 'failed');
        continue;
      }
      // Local repair: a TREE from here finds the member another way; this node's entry keeps its upstream
      // (forward() replaces it and tells of the failed child when it was the last entry through it).
      this.host.counts.repairs++;
      this.host.route(handle.guid, this.msg('tree', info.session, info.replica, handle), false);
    }
    this.gone = undefined;
    this.forgetEmpty();
  }

  tick(now: number): number {
    const lapsed = this.state.expire(now);
    const told = new Set<string>();
    for (const { session: treeHex, nextHop } of lapsed) {
      // Each lapsed entry's next hop was a child a moment ago: it is told once, if no entry goes there now.
      const key = `${treeHex}:${nextHop.guid.hex}`;
      const info = this.trees.get(treeHex);
      if (told.has(key) || !info) continue;
      told.add(key);
      this.childMayBeGone(Guid.fromHex(treeHex), info.session, nextHop, 'expired');
    }
    if (lapsed.length > 0) this.forgetEmpty();
    return this.trees.size > 0 ? now + this.host.cfg.entryLifetimeMs / 2 : Infinity;
  }

  has(tree: string): boolean {
    return this.state.has(tree);
  }

  upstreamOf(tree: Guid, node: string): boolean {
    return this.state.learntFrom(tree, node);
  }

  counts(): { trees: number; entries: number; children: number } {
    const c = this.state.counts();
    return { trees: c.sessions, entries: c.entries, children: c.children };
  }

  treeCounts(tree: Guid): { entries: number; children: number } {
    return this.state.sessionCounts(tree);
  }

  /** PRUNE / LEAVE: removes the member's entry if it was learnt from `from` (any at the root) and sends the PRUNE on. */
  private removeAndPassOn(tree: Guid, msg: BayeuxMsg, from: string | undefined): void {
    const entry = this.state.entry(tree, msg.node.guid);
    if (!entry || (from !== undefined && entry.upstream !== from)) return;
    this.state.remove(tree, msg.node.guid);
    this.childMayBeGone(tree, msg.session, entry.nextHop, 'left');
    this.forgetEmpty();
    if (!entry.nextHop.guid.equals(msg.node.guid)) this.prune(entry.nextHop, msg.session, msg.replica, msg.node);
  }

  private prune(to: NodeHandle, session: Guid, replica: number, member: NodeHandle): void {
    this.host.counts.prunesSent++;
    this.host.send(to, this.msg('prune', session, replica, member));
  }

  /**
   * Called right after an entry through `child` went (so `child` was a child a moment ago): it is
   * told as removed when no entry goes there any more. Only the removal that leaves it unused finds
   * it so, hence once per child.
   */
  private childMayBeGone(tree: Guid, session: Guid, child: NodeHandle, reason: BayeuxEvents['childRemoved']['reason']): void {
    if (!this.state.usesNextHop(tree, child.guid.hex)) this.host.emit('childRemoved', { session, child, reason });
  }

  /** Forgets the session of trees left with no entry. */
  private forgetEmpty(): void {
    for (const t of [...this.trees.keys()]) if (!this.state.has(t)) this.trees.delete(t);
  }

  private msg(kind: BayeuxMsg['kind'], session: Guid, replica: number, node: NodeHandle): BayeuxMsg {
    return { kind, session, replica, node, seq: 0, payload: EMPTY, replicas: 0, relayed: false };
  }
}
