/**
 * The Bayeux module object: thin, acting through the ModuleContext only (DESIGN rule 5). The rules
 * live in pure parts — sessionRoots.ts (root replicas), forwardingState.ts and scribeState.ts (tree
 * state), dedupWindow.ts — and in the two join modes (bayeuxMode.ts, scribeMode.ts); this file holds
 * what both modes share: sessions created here (their creator's side in createdSessions.ts),
 * memberships (memberships.ts), multicast data, teardown, the timer.
 *
 * - createSession: CREATE routed fuzzy to each tree GUID (salted session GUID); the node it reaches
 *   holds that root replica, publishes the session's locator GUID (tag = replica index) so members find their
 *   nearest replica by object location, and answers the creator. The creator refreshes it.
 * - join: locate the nearest replica, then the mode's join; answered → joined. No answer in
 *   requestTimeoutMs: that replica is marked failed and another is located (joinAttempts in all).
 * - multicast: to the member's own root (or routed to replica 0); a root fans out down its tree and
 *   passes it once to the other replicas (relayed). Each node passes on and delivers a multicast once.
 * - teardown: the creator's TEARDOWN reaches each root, which frees the tree down to its members.
 */
import { DEFAULTS } from '../../defaults';
import { ClosedError, ResolveOnlyError, InvalidArgumentError, MessageTooLargeError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { decodeBayeux, encodeBayeux } from '../../wire/bayeuxCodec';
import { startDeadlineTimer, type DeadlineTimer } from '../shared/deadlineTimer';
import { runtimeModule } from '../shared/runtimeModule';
import type { Delivery, ForwardContext, ForwardVerdict, ModuleContext, ModuleWithApi } from '../contract';
import type { Bayeux, BayeuxEvents, BayeuxJoinOptions, BayeuxSessionStats, BayeuxStats } from './api';
import { BayeuxMode } from './bayeuxMode';
import { DedupWindows } from './dedupWindow';
import type { BayeuxMsg } from './messages';
import type { BayeuxConfig } from './options';
import { ScribeMode } from './scribeMode';
import { SessionRoots } from './sessionRoots';
import type { BayeuxCounters, TreeHost, TreeMode } from './treeMode';
import { locatorGuid, sessionGuid, treeGuid } from './treeGuid';
import { Memberships } from './memberships';
import { CreatedSessions } from './createdSessions';

const EMPTY = new Uint8Array(0);

/** Builds the module object; its attach returns the Bayeux API. */
export function bayeuxModule(cfg: BayeuxConfig): ModuleWithApi<Bayeux> {
  return runtimeModule({
    id: cfg.id,
    name: 'bayeux',
    start: (ctx) => new BayeuxRuntime(ctx, cfg),
    api: (rt) => rt.api(),
    forward: (rt, msg) => rt.forward(msg),
    deliver: (rt, msg) => rt.receive(msg),
    update: (rt, node, joined) => rt.update(node, joined),
  });
}

class BayeuxRuntime implements TreeHost {
  readonly counts: BayeuxCounters = {
    joinsSent: 0, answered: 0, joinTimeouts: 0, multicasts: 0, dataSent: 0, delivered: 0, duplicates: 0, droppedFull: 0,
    droppedNotRoot: 0, teardownsRefused: 0, repairs: 0, parentLosses: 0, prunesSent: 0, malformed: 0, appErrors: 0,
  };
  private readonly mode: TreeMode;
  private readonly roots = new SessionRoots(DEFAULTS.bayeuxMaxSessions);
  /** Sessions created here (≤ bayeuxMaxCreated): createdSessions.ts. */
  private readonly created: CreatedSessions;
  private readonly members: Memberships;
  /** Multicasts seen per tree, at every node that passes data on. */
  private readonly seen = new DedupWindows(DEFAULTS.bayeuxDedupWindow, DEFAULTS.bayeuxMaxSessions);
  private readonly listeners = new Map<keyof BayeuxEvents, Set<(e: never) => void>>();
  private readonly timer: DeadlineTimer;
  private seq = 0;
  private closed = false;

  constructor(
    readonly ctx: ModuleContext,
    readonly cfg: BayeuxConfig,
  ) {
    this.mode = cfg.joinMode === 'scribe' ? new ScribeMode(this) : new BayeuxMode(this);
    this.members = new Memberships(this, this.mode);
    this.timer = startDeadlineTimer(ctx, () => this.due());
    this.created = new CreatedSessions({
      ctx, cfg, closed: () => this.closed, guid: (s) => this.guid(s), route: (dest, msg, fuzzy) => this.route(dest, msg, fuzzy),
      control: (kind, session, replica) => this.control(kind, session, replica), arm: (at) => this.timer.arm(at),
    });
  }

  api(): Bayeux {
    return {
      joinMode: this.cfg.joinMode,
      sessionGuid: (s) => this.guid(s),
      createSession: (name, opts) => this.created.create(name, opts?.replicas ?? 1),
      join: (s, opts) => this.join(s, opts),
      multicast: (s, payload) => this.multicast(s, payload),
      leave: async (s) => this.members.leave(this.guid(s)),
      teardown: async (s) => this.created.tearDown(s),
      isMember: (s) => this.members.get(this.guid(s).hex) !== undefined,
      on: (event, listener) => this.on(event, listener),
      stats: () => this.stats(),
      sessionStats: (s) => this.sessionStats(this.guid(s)),
      close: () => this.close(),
    };
  }

  // ---- TreeHost ----
  send(to: NodeHandle, msg: BayeuxMsg): void {
    if (this.closed) return;
    if (to.guid.equals(this.ctx.self.guid)) this.handle(msg, false, this.ctx.self);
    else this.ctx.send(to, encodeBayeux(msg));
  }

  route(dest: Guid, msg: BayeuxMsg, fuzzy: boolean): void {
    if (!this.closed) this.ctx.route(dest, encodeBayeux(msg), { fuzzy });
  }

  isRoot(tree: Guid): boolean {
    return this.roots.get(tree.hex) !== undefined;
  }

  answered(session: Guid): void {
    this.members.answered(session);
  }

  placeLost(session: Guid): void {
    this.members.placeLost(session);
  }

  emit<E extends keyof BayeuxEvents>(event: E, e: BayeuxEvents[E]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as (e: BayeuxEvents[E]) => void)(e);
      } catch (err) {
        this.counts.appErrors++;
        this.ctx.log.warn({ err, event }, 'bayeux listener threw');
      }
    }
  }

  arm(at: number): void {
    this.timer.arm(at);
  }

  // ---- upcalls ----
  forward(at: ForwardContext): ForwardVerdict {
    if (at.fragment) return true; // JOIN and TREE are one datagram; data travels direct
    const msg = this.decode(at.payload);
    return msg ? this.mode.forward(msg, at) : false;
  }

  receive(d: Delivery): void {
    const msg = this.decode(d.payload);
    if (!msg) return;
    // A TREE routed to this member came through its parent: a TEARDOWN sent straight here must come from there.
    if (msg.kind === 'tree' && !d.fuzzy && d.from && msg.node.guid.equals(this.ctx.self.guid)) this.members.treeCameVia(msg.session, d.from.guid.hex);
    this.handle(msg, d.fuzzy, d.fuzzy ? (d.from ?? d.source) : d.source);
  }

  update(node: NodeHandle, joined: boolean): void {
    if (joined || this.closed) return;
    this.mode.neighbourGone(node);
    this.members.rootGone(node);
  }

  private decode(bytes: Uint8Array): BayeuxMsg | undefined {
    try {
      return decodeBayeux(bytes, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      this.counts.malformed++;
      return undefined;
    }
  }

  private handle(msg: BayeuxMsg, routed: boolean, from: NodeHandle): void {
    if (this.closed) return;
    switch (msg.kind) {
      case 'create':
        return routed ? this.onCreate(msg) : this.created.answered(msg);
      case 'data':
        return this.onData(msg, routed, from);
      case 'teardown':
        return this.onTeardown(msg, routed, from);
      default:
        return this.mode.control(msg, routed, from);
    }
  }

  // ---- sessions ----
  /** What this module's roots of `session` publish and its members locate. */
  locator(session: Guid): Guid {
    return locatorGuid(session, this.cfg.id);
  }

  private guid(s: string | Guid): Guid {
    return sessionGuid(s, this.ctx.space, DEFAULTS.bayeuxMaxNameBytes);
  }

  /** A CREATE reached the root of its tree GUID: this node holds (or keeps) that replica. */
  private onCreate(msg: BayeuxMsg): void {
    const tree = treeGuid(msg.session, msg.replica);
    const expiresAt = this.ctx.now() + this.cfg.entryLifetimeMs;
    const outcome = this.roots.create(tree.hex, { session: msg.session, replica: msg.replica, replicas: msg.replicas, creator: msg.node.guid.hex, expiresAt });
    if (outcome === 'refused' || outcome === 'full') {
      this.counts.droppedFull++;
      return;
    }
    // Open: the replicas of one session are different nodes, so no server's key may own its GUID.
    if (outcome === 'new') this.ctx.publish(this.locator(msg.session), { owner: false, tag: String(msg.replica) });
    this.timer.arm(expiresAt);
    this.send(msg.node, { ...this.control('create', msg.session, msg.replica), replicas: msg.replicas });
  }

  /**
   * TEARDOWN: at a root (routed, from the creator) or down a tree (direct, from the node above this
   * one): free the tree and pass it on. A direct one from any other node is refused — a node off the
   * path would otherwise free a whole branch with one datagram.
   */
  private onTeardown(msg: BayeuxMsg, routed: boolean, from: NodeHandle): void {
    const tree = treeGuid(msg.session, msg.replica);
    if (!routed && !this.mode.upstreamOf(tree, from.guid.hex) && !this.members.isAbove(msg.session, from.guid.hex)) {
      this.counts.teardownsRefused++;
      return;
    }
    if (routed) {
      const rec = this.roots.get(tree.hex);
      if (!rec || rec.creator !== msg.node.guid.hex) {
        this.counts.droppedNotRoot++;
        return;
      }
      this.roots.remove(tree.hex);
      if (!this.roots.rootsSession(msg.session.hex)) this.ctx.unpublish(this.locator(msg.session));
    }
    const had = this.mode.has(tree.hex);
    this.seen.forget(tree.hex);
    for (const next of this.mode.drop(tree)) if (!next.guid.equals(this.ctx.self.guid)) this.send(next, msg);
    if (this.members.tornDown(msg.session) || had) this.emit('tornDown', { session: msg.session });
  }

  // ---- data ----
  private multicast(s: string | Guid, payload: Uint8Array | string): number {
    if (this.closed) throw new ClosedError('bayeux module closed');
    const session = this.guid(s);
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    if (bytes.length > DEFAULTS.bayeuxMaxPayloadBytes) throw new MessageTooLargeError(`a multicast payload is at most ${DEFAULTS.bayeuxMaxPayloadBytes} bytes`);
    this.seq = this.seq >= 0xffff_ffff ? 1 : this.seq + 1;
    this.counts.multicasts++;
    const m = this.members.get(session.hex);
    const replica = m?.replica ?? this.rootedReplica(session) ?? 0;
    const msg: BayeuxMsg = { kind: 'data', session, replica, node: this.ctx.self, seq: this.seq, payload: bytes, replicas: 0, relayed: false };
    const tree = treeGuid(session, replica);
    if (this.isRoot(tree)) this.onData(msg, true, this.ctx.self);
    else if (m?.root) this.send(m.root, msg);
    else this.route(tree, msg, true);
    return this.seq;
  }

  /** A replica of `session` this node roots, if any: a multicast from here starts at it. */
  private rootedReplica(session: Guid): number | undefined {
    for (let i = 0; i < DEFAULTS.bayeuxMaxReplicas; i++) if (this.isRoot(treeGuid(session, i))) return i;
    return undefined;
  }

  private onData(msg: BayeuxMsg, routed: boolean, from: NodeHandle): void {
    const tree = treeGuid(msg.session, msg.replica);
    if (!this.seen.first(tree.hex, `${msg.node.guid.hex}:${msg.seq}`)) {
      this.counts.duplicates++;
      return;
    }
    const rec = this.roots.get(tree.hex);
    let next: NodeHandle[];
    if (rec) {
      next = this.mode.fanout(tree, this.ctx.self.guid.hex);
      if (!msg.relayed) {
        for (let j = 0; j < rec.replicas; j++) if (j !== msg.replica) this.route(treeGuid(msg.session, j), { ...msg, replica: j, relayed: true }, true);
      }
    } else if (routed) {
      this.counts.droppedNotRoot++; // sent to a root that moved; the next CREATE refresh sets up the new one
      return;
    } else {
      next = this.mode.fanout(tree, from.guid.hex);
    }
    for (const n of next) {
      if (n.guid.equals(this.ctx.self.guid)) continue;
      this.counts.dataSent++;
      this.send(n, msg);
    }
    this.members.deliver(msg);
  }

  // ---- time, events, stats ----
  private join(s: string | Guid, opts: BayeuxJoinOptions): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('bayeux module closed'));
    // A tree reaches its members by routing to their GUIDs, and no table lists a resolve-only node.
    if (this.ctx.self.resolveOnly) return Promise.reject(new ResolveOnlyError('a resolve-only node cannot join a multicast tree: the tree is routed to members'));
    return this.members.join(this.guid(s), opts);
  }

  /** The timer's work: creates refreshed or timed out, roots lapsed, members' waits and refreshes, the mode's state. */
  private due(): number {
    if (this.closed) return Infinity;
    const now = this.ctx.now();
    let next = this.created.due(now);
    for (const rec of this.roots.expire(now)) if (!this.roots.rootsSession(rec.session.hex)) this.ctx.unpublish(this.locator(rec.session));
    next = Math.min(next, this.roots.nextExpiry(), this.members.due(now), this.mode.tick(now));
    this.seen.retain((tree) => this.mode.has(tree) || this.roots.get(tree) !== undefined);
    return next;
  }

  private on<E extends keyof BayeuxEvents>(event: E, listener: (e: BayeuxEvents[E]) => void): () => void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('a listener is a function');
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (e: never) => void);
    return () => void set.delete(listener as (e: never) => void);
  }

  private stats(): BayeuxStats {
    const c = this.mode.counts();
    return {
      joinMode: this.cfg.joinMode, memberships: this.members.size, created: this.created.size, roots: this.roots.size,
      trees: c.trees, entries: c.entries, children: c.children, dedupWindows: this.seen.size + this.members.dedupWindows, ...this.counts,
    };
  }

  private sessionStats(session: Guid): BayeuxSessionStats {
    const out = { member: this.members.get(session.hex) !== undefined, roots: 0, trees: 0, entries: 0, children: 0 };
    for (let i = 0; i < DEFAULTS.bayeuxMaxReplicas; i++) {
      const tree = treeGuid(session, i);
      if (this.isRoot(tree)) out.roots++;
      if (!this.mode.has(tree.hex)) continue;
      const c = this.mode.treeCounts(tree);
      out.trees++;
      out.entries += c.entries;
      out.children += c.children;
    }
    return out;
  }

  private close(): void {
    if (this.closed) return;
    this.members.leaveAll();
    this.created.closeAll();
    this.closed = true;
    this.ctx.unregister();
  }

  private control(kind: BayeuxMsg['kind'], session: Guid, replica: number): BayeuxMsg {
    return { kind, session, replica, node: this.ctx.self, seq: 0, payload: EMPTY, replicas: 0, relayed: false };
  }
}

