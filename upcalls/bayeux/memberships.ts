/**
 * This node's memberships: finding a root replica (object location on the session GUID: nearest
 * first), asking the join mode to join it, waiting for the answer, refreshing, and seeking another
 * replica when one goes silent. A member delivers each multicast once (a dedup window per session).
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, InvalidArgumentError, LimitExceededError, NotFoundError, TimeoutError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { BayeuxJoinOptions } from './api';
import { DedupWindows } from './dedupWindow';
import type { BayeuxMsg } from './messages';
import type { TreeHost, TreeMode } from './treeMode';

export interface Membership {
  readonly session: Guid;
  readonly opts: BayeuxJoinOptions;
  /** The root replica joined (after a locate found it). */
  replica?: number;
  root?: NodeHandle;
  /** The node the last TREE to this member came through (its parent in a Bayeux tree), GUID hex. */
  via?: string;
  joined: boolean;
  /** A locate is under way. */
  seeking: boolean;
  /** When the answer to the last join or refresh is due (ms); undefined when none is awaited. */
  due?: number;
  /** Attempts in a row that failed. */
  failures: number;
  nextRefresh: number;
  /** Roots that did not answer since the last success: skipped when another is found. */
  readonly failedRoots: Set<string>;
  settle?: { resolve(): void; reject(e: Error): void };
  unlisten?: () => void;
}

export class Memberships {
  private readonly byHex = new Map<string, Membership>();
  private readonly seen = new DedupWindows(DEFAULTS.bayeuxDedupWindow, DEFAULTS.bayeuxMaxMemberships);

  constructor(
    private readonly host: TreeHost,
    private readonly mode: TreeMode,
  ) {}

  get size(): number {
    return this.byHex.size;
  }

  get dedupWindows(): number {
    return this.seen.size;
  }

  get(hex: string): Membership | undefined {
    return this.byHex.get(hex);
  }

  join(session: Guid, opts: BayeuxJoinOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (typeof opts?.onMessage !== 'function') throw new InvalidArgumentError('join needs { onMessage }');
      if (opts.signal?.aborted) throw new AbortedError('join aborted before it started');
      if (this.byHex.has(session.hex)) throw new InvalidArgumentError('already a member of this session');
      if (this.byHex.size >= DEFAULTS.bayeuxMaxMemberships) throw new LimitExceededError(`at most ${DEFAULTS.bayeuxMaxMemberships} memberships per node`);
      const m: Membership = { session, opts, joined: false, seeking: false, failures: 0, nextRefresh: Infinity, failedRoots: new Set(), settle: { resolve, reject } };
      if (opts.signal) {
        const onAbort = () => this.leave(session);
        opts.signal.addEventListener('abort', onAbort, { once: true });
        m.unlisten = () => opts.signal!.removeEventListener('abort', onAbort);
      }
      this.byHex.set(session.hex, m);
      void this.seek(m);
    });
  }

  /** Finds a root replica (nearest first, skipping ones that failed) and asks to join it. */
  private async seek(m: Membership): Promise<void> {
    m.seeking = true;
    let pick: { server: NodeHandle; replica: number } | undefined;
    let error: Error = new NotFoundError('no root replica of the session was found');
    try {
      const replicas = m.failures === 0 ? 1 : DEFAULTS.bayeuxMaxReplicas;
      for await (const r of this.host.ctx.locate(this.host.locator(m.session), { replicas })) {
        const replica = Number(r.tag);
        if (!(Number.isInteger(replica) && replica >= 0 && replica < DEFAULTS.bayeuxMaxReplicas)) continue;
        pick ??= { server: r.server, replica };
        if (!m.failedRoots.has(r.server.guid.hex)) {
          pick = { server: r.server, replica };
          break;
        }
      }
    } catch (err) {
      if (err instanceof Error) error = err;
    }
    m.seeking = false;
    if (this.byHex.get(m.session.hex) !== m) return; // left meanwhile
    if (!pick) return this.failed(m, error);
    m.replica = pick.replica;
    m.root = pick.server;
    this.ask(m);
  }

  private ask(m: Membership): void {
    m.due = this.host.ctx.now() + this.host.cfg.requestTimeoutMs;
    this.host.arm(m.due);
    this.mode.askJoin(m.session, m.replica!, m.root!);
  }

  /** An attempt failed: try another root, or give up after joinAttempts in a row. */
  private failed(m: Membership, err: Error): void {
    m.due = undefined;
    m.failures++;
    if (m.root) m.failedRoots.add(m.root.guid.hex);
    if (m.replica !== undefined) this.mode.abandon(m.session, m.replica);
    if (m.failures < this.host.cfg.joinAttempts) return void this.seek(m);
    this.remove(m);
    if (m.settle) m.settle.reject(err);
    else this.host.emit('tornDown', { session: m.session }); // a joined member whose roots are all gone
  }

  answered(session: Guid): void {
    const m = this.byHex.get(session.hex);
    if (!m) return;
    this.host.counts.answered++;
    m.due = undefined;
    m.failures = 0;
    m.failedRoots.clear();
    if (this.mode.refreshByJoin) {
      m.nextRefresh = this.host.ctx.now() + this.host.cfg.refreshMs;
      this.host.arm(m.nextRefresh);
    }
    if (m.joined) return;
    m.joined = true;
    m.settle?.resolve();
    m.settle = undefined;
    this.host.emit('joined', { session });
  }

  /** The mode lost this member's place in its tree: seek a root again. */
  placeLost(session: Guid): void {
    const m = this.byHex.get(session.hex);
    if (!m || m.seeking) return;
    m.due = undefined;
    void this.seek(m);
  }

  /** A node found failed: members whose root it was seek another at once. */
  rootGone(node: NodeHandle): void {
    for (const m of this.byHex.values()) {
      if (m.root?.guid.equals(node.guid) && !m.seeking) this.failed(m, new TimeoutError('the root replica failed'));
    }
  }

  deliver(msg: BayeuxMsg): void {
    const m = this.byHex.get(msg.session.hex);
    if (!m || !this.seen.first(msg.session.hex, `${msg.node.guid.hex}:${msg.seq}`)) return;
    this.host.counts.delivered++;
    try {
      m.opts.onMessage(msg.payload, { session: msg.session, source: msg.node, seq: msg.seq });
    } catch (err) {
      this.host.counts.appErrors++;
      this.host.ctx.log.warn({ err }, 'bayeux onMessage threw');
    }
  }

  leave(session: Guid): void {
    const m = this.byHex.get(session.hex);
    if (!m) return;
    this.remove(m);
    m.settle?.reject(new AbortedError('left before the join completed'));
    if (m.root && m.replica !== undefined) this.mode.leave(m.session, m.replica, m.root);
    this.host.emit('left', { session });
  }

  /** A TREE for this member's `session` came through `node` (hex): the last forwarder above it. */
  treeCameVia(session: Guid, node: string): void {
    const m = this.byHex.get(session.hex);
    if (m) m.via = node;
  }

  /** Whether `node` (hex) is above this member in `session`'s tree: its root replica or the node its TREE came through. */
  isAbove(session: Guid, node: string): boolean {
    const m = this.byHex.get(session.hex);
    return m !== undefined && (m.via === node || m.root?.guid.hex === node);
  }

  /** The session was torn down: the membership ends. Answers whether there was one. */
  tornDown(session: Guid): boolean {
    const m = this.byHex.get(session.hex);
    if (!m) return false;
    this.remove(m);
    m.settle?.reject(new NotFoundError('the session was torn down'));
    return true;
  }

  leaveAll(): void {
    for (const m of [...this.byHex.values()]) this.leave(m.session);
  }

  /** Waits that ran out fail; joined members due a refresh (Bayeux) join again. Answers the next deadline. */
  due(now: number): number {
    let next = Infinity;
    for (const m of [...this.byHex.values()]) {
      if (m.due !== undefined && m.due <= now) {
        this.host.counts.joinTimeouts++;
        this.failed(m, new TimeoutError('no root replica answered the join in time'));
      } else if (m.joined && this.mode.refreshByJoin && m.due === undefined && !m.seeking && m.nextRefresh <= now) {
        m.nextRefresh = now + this.host.cfg.refreshMs;
        this.ask(m);
      }
      next = Math.min(next, m.due ?? Infinity, m.joined && this.mode.refreshByJoin ? m.nextRefresh : Infinity);
    }
    return next;
  }

  private remove(m: Membership): void {
    this.byHex.delete(m.session.hex);
    this.seen.forget(m.session.hex);
    m.unlisten?.();
    m.due = undefined;
  }
}
