/**
 * Scribe join mode (Castro et al., JSAC 2002; FreePastry's Scribe): a member routes JOIN toward its
 * root replica's tree GUID; the first node already on the tree adds the previous hop as a child and
 * ends the JOIN (answering the member), and every node the JOIN passed before that joined the tree
 * with the next hop as its parent (ScribeState). Data goes from a parent to all its children. Every
 * node with a parent sends it a heartbeat (a direct JOIN) each refresh; a parent that does not answer,
 * or is found failed, costs the node its place: it frees the tree (its children, hearing nothing,
 * rejoin on their own) and, if it is a member, seeks a root again.
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { DEFAULTS } from '../../defaults';
import type { ForwardContext, ForwardVerdict } from '../contract';
import type { BayeuxMsg } from './messages';
import { ScribeState } from './scribeState';
import type { TreeHost, TreeMode } from './treeMode';
import { treeGuid } from './treeGuid';

const EMPTY = new Uint8Array(0);

export class ScribeMode implements TreeMode {
  readonly refreshByJoin = false;
  private readonly state = new ScribeState({ maxSessions: DEFAULTS.bayeuxMaxSessions, maxChildrenPerSession: DEFAULTS.bayeuxMaxChildrenPerSession });
  /** tree hex → its session and replica, for trees this node is on. */
  private readonly trees = new Map<string, { readonly session: Guid; readonly replica: number }>();
  /** tree hex → when the parent's answer to the last heartbeat is due. */
  private readonly awaiting = new Map<string, number>();
  private nextBeat = Infinity;

  constructor(private readonly host: TreeHost) {}

  askJoin(session: Guid, replica: number, root: NodeHandle): void {
    const tree = treeGuid(session, replica);
    const self = this.host.ctx.self;
    if (root.guid.equals(self.guid) || this.state.onTree(tree)) {
      // On the tree already (its root, or a forwarder): membership is local.
      if (!this.state.becomeMember(tree, undefined)) return void this.host.counts.droppedFull++;
      this.remember(tree, session, replica);
      return this.host.answered(session);
    }
    this.host.counts.joinsSent++;
    this.host.route(tree, this.msg('join', session, replica, self), true);
  }

  forward(msg: BayeuxMsg, at: ForwardContext): ForwardVerdict {
    if (msg.kind !== 'join') return true;
    const tree = treeGuid(msg.session, msg.replica);
    if (!at.from) {
      // The joining member itself, not yet on the tree: it takes the next hop as its parent.
      if (!this.state.becomeMember(tree, at.nextHop)) return this.full();
      this.remember(tree, msg.session, msg.replica);
      return true;
    }
    const isNew = !this.state.hasChild(tree, at.from.guid.hex);
    const step = this.state.join(tree, at.from, at.nextHop, this.expiry());
    if (step.kind === 'full') return this.full();
    this.remember(tree, msg.session, msg.replica);
    if (isNew) this.host.emit('childAdded', { session: msg.session, child: at.from });
    if (step.kind === 'goOn') return true;
    this.host.send(msg.node, this.msg('tree', msg.session, msg.replica, msg.node));
    return 'taken';
  }

  control(msg: BayeuxMsg, routed: boolean, from: NodeHandle): void {
    const tree = treeGuid(msg.session, msg.replica);
    switch (msg.kind) {
      case 'join': {
        // Routed: a JOIN reached the root. Direct: a child's heartbeat. Either is answered by a node on the tree (or its root).
        if (routed ? !this.host.isRoot(tree) : !(this.state.onTree(tree) || this.host.isRoot(tree))) {
          this.host.counts.droppedNotRoot++;
          return;
        }
        const isNew = !this.state.hasChild(tree, from.guid.hex);
        if (this.state.join(tree, from, undefined, this.expiry()).kind === 'full') return void this.full();
        this.remember(tree, msg.session, msg.replica);
        if (isNew) this.host.emit('childAdded', { session: msg.session, child: from });
        this.host.send(msg.node, this.msg('tree', msg.session, msg.replica, msg.node));
        return;
      }
      case 'tree':
        this.awaiting.delete(tree.hex);
        if (msg.node.guid.equals(this.host.ctx.self.guid)) this.host.answered(msg.session);
        return;
      case 'leave': {
        if (!this.state.hasChild(tree, msg.node.guid.hex)) return;
        const r = this.state.leave(tree, msg.node.guid);
        this.host.emit('childRemoved', { session: msg.session, child: msg.node, reason: 'left' });
        this.leftTree(tree, msg.session, msg.replica, r);
        return;
      }
    }
  }

  fanout(tree: Guid): NodeHandle[] {
    return this.state.children(tree);
  }

  abandon(session: Guid, replica: number): void {
    // The branch the JOIN built may hang from no root: freed here; the nodes above lose it at their next heartbeat.
    this.free(treeGuid(session, replica), 'placeLost');
  }

  leave(session: Guid, replica: number): void {
    const tree = treeGuid(session, replica);
    this.leftTree(tree, session, replica, this.state.leave(tree));
  }

  drop(tree: Guid): NodeHandle[] {
    return this.free(tree, 'teardown');
  }

  neighbourGone(node: NodeHandle): void {
    const { asParent, asChild } = this.state.via(node.guid.hex);
    for (const hex of asChild) {
      const info = this.trees.get(hex);
      const tree = Guid.fromHex(hex);
      const r = this.state.leave(tree, node.guid);
      if (info) {
        this.host.emit('childRemoved', { session: info.session, child: node, reason: 'failed' });
        this.leftTree(tree, info.session, info.replica, r);
      }
    }
    for (const hex of asParent) this.placeLost(hex);
  }

  tick(now: number): number {
    for (const lapse of this.state.expire(now)) {
      const info = this.trees.get(lapse.session);
      if (!info) continue;
      for (const child of lapse.expired) this.host.emit('childRemoved', { session: info.session, child, reason: 'expired' });
      // Left with no child and no member: the node leaves its parent at once rather than by its parent's own expiry.
      this.leftTree(Guid.fromHex(lapse.session), info.session, info.replica, lapse);
    }
    for (const [hex, due] of this.awaiting) if (due <= now) this.placeLost(hex);
    if (this.nextBeat <= now) {
      this.nextBeat = Infinity;
      for (const { session: hex, parent } of this.state.parents()) {
        const info = this.trees.get(hex);
        if (!info) continue;
        this.host.counts.joinsSent++;
        this.awaiting.set(hex, now + this.host.cfg.requestTimeoutMs);
        this.host.send(parent, this.msg('join', info.session, info.replica, this.host.ctx.self));
      }
    }
    if (this.trees.size > 0 && this.nextBeat === Infinity) this.nextBeat = now + this.host.cfg.refreshMs;
    let next = this.nextBeat;
    for (const due of this.awaiting.values()) next = Math.min(next, due);
    return this.trees.size > 0 ? Math.min(next, now + this.host.cfg.entryLifetimeMs / 2) : next;
  }

  has(tree: string): boolean {
    return this.state.onTree(Guid.fromHex(tree));
  }

  upstreamOf(tree: Guid, node: string): boolean {
    return this.state.parent(tree)?.guid.hex === node;
  }

  counts(): { trees: number; entries: number; children: number } {
    const c = this.state.counts();
    return { trees: c.sessions, entries: 0, children: c.children };
  }

  treeCounts(tree: Guid): { entries: number; children: number } {
    return { entries: 0, children: this.state.childCount(tree) };
  }

  /** The parent of tree `hex` is gone or silent: this node frees its place; a member seeks a root again. */
  private placeLost(hex: string): void {
    const info = this.trees.get(hex);
    this.host.counts.parentLosses++;
    this.free(Guid.fromHex(hex), 'placeLost');
    if (info) this.host.placeLost(info.session);
  }

  /** After a leave: a node left with no child and no member leaves its parent in turn. */
  private leftTree(tree: Guid, session: Guid, replica: number, r: { readonly leftTree: boolean; readonly notify?: NodeHandle }): void {
    if (!r.leftTree) return;
    this.trees.delete(tree.hex);
    this.awaiting.delete(tree.hex);
    if (!r.notify) return;
    this.host.counts.prunesSent++;
    this.host.send(r.notify, this.msg('leave', session, replica, this.host.ctx.self));
  }

  /** Frees `tree` here, telling of each child it had; answers them (where a teardown goes on). */
  private free(tree: Guid, reason: 'teardown' | 'placeLost'): NodeHandle[] {
    const info = this.trees.get(tree.hex);
    this.trees.delete(tree.hex);
    this.awaiting.delete(tree.hex);
    const children = this.state.drop(tree);
    if (info) for (const child of children) this.host.emit('childRemoved', { session: info.session, child, reason });
    return children;
  }

  private remember(tree: Guid, session: Guid, replica: number): void {
    if (!this.trees.has(tree.hex)) this.trees.set(tree.hex, { session, replica });
    if (this.nextBeat === Infinity) {
      this.nextBeat = this.host.ctx.now() + this.host.cfg.refreshMs;
      this.host.arm(this.nextBeat);
    }
  }

  private expiry(): number {
    return this.host.ctx.now() + this.host.cfg.entryLifetimeMs;
  }

  private full(): false {
    this.host.counts.droppedFull++;
    return false;
  }

  private msg(kind: BayeuxMsg['kind'], session: Guid, replica: number, node: NodeHandle): BayeuxMsg {
    return { kind, session, replica, node, seq: 0, payload: EMPTY, replicas: 0, relayed: false };
  }
}
