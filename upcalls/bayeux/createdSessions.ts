/**
 * The sessions this node created, as their creator: a CREATE routed to each root replica's tree GUID,
 * the session settled once every replica answered (or failed at requestTimeoutMs), the CREATEs sent
 * again every refreshMs so the roots keep it, and the TEARDOWN that ends it. At most
 * DEFAULTS.bayeuxMaxCreated sessions per node. The roots' side lives in module.ts.
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, TimeoutError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { ModuleContext } from '../contract';
import type { BayeuxSession } from './api';
import type { BayeuxMsg } from './messages';
import type { BayeuxConfig } from './options';
import { treeGuid } from './treeGuid';

interface Created {
  readonly session: Guid;
  readonly replicas: number;
  nextRefresh: number;
  pending?: { readonly roots: Array<NodeHandle | undefined>; readonly deadline: number; resolve(s: BayeuxSession): void; reject(e: Error): void };
}

/** What the creator's side needs of the module. */
export interface CreatorHost {
  readonly ctx: ModuleContext;
  readonly cfg: BayeuxConfig;
  /** Whether the module closed: no session is created after. */
  closed(): boolean;
  /** The session GUID a name (or GUID) stands for; throws for a bad name. */
  guid(s: string | Guid): Guid;
  /** Routes `msg` to `dest`. */
  route(dest: Guid, msg: BayeuxMsg, fuzzy: boolean): void;
  /** A control message of `kind` from this node. */
  control(kind: BayeuxMsg['kind'], session: Guid, replica: number): BayeuxMsg;
  /** Asks for the module's timer at `at` (node clock, ms). */
  arm(at: number): void;
}

/** Sessions created here, by session hex. */
export class CreatedSessions {
  private readonly created = new Map<string, Created>();

  constructor(private readonly host: CreatorHost) {}

  /** Sessions created here. */
  get size(): number {
    return this.created.size;
  }

  /** Creates `name`'s session (or refreshes it, when created here before with as many replicas); resolves once every root answered. */
  create(name: string | Guid, replicas: number): Promise<BayeuxSession> {
    return new Promise<BayeuxSession>((resolve, reject) => {
      if (this.host.closed()) throw new ClosedError('bayeux module closed');
      if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= DEFAULTS.bayeuxMaxReplicas)) {
        throw new InvalidArgumentError(`replicas must be an integer in 1..${DEFAULTS.bayeuxMaxReplicas}`);
      }
      const session = this.host.guid(name);
      const had = this.created.get(session.hex);
      if (had && had.replicas !== replicas) throw new InvalidArgumentError(`session ${String(name)} was created here with ${had.replicas} replicas`);
      if (!had && this.created.size >= DEFAULTS.bayeuxMaxCreated) throw new LimitExceededError(`at most ${DEFAULTS.bayeuxMaxCreated} sessions created per node`);
      const now = this.host.ctx.now();
      const c: Created = had ?? { session, replicas, nextRefresh: now + this.host.cfg.refreshMs };
      c.pending?.reject(new AbortedError('createSession called again'));
      c.pending = { roots: new Array<NodeHandle | undefined>(replicas).fill(undefined), deadline: now + this.host.cfg.requestTimeoutMs, resolve, reject };
      this.created.set(session.hex, c);
      this.host.arm(Math.min(c.nextRefresh, c.pending.deadline));
      this.sendCreates(c);
    });
  }

  private sendCreates(c: Created): void {
    for (let i = 0; i < c.replicas; i++) {
      this.host.route(treeGuid(c.session, i), { ...this.host.control('create', c.session, i), replicas: c.replicas }, true);
    }
  }

  /** A root replica answered this creator. */
  answered(msg: BayeuxMsg): void {
    const c = this.created.get(msg.session.hex);
    const p = c?.pending;
    if (!c || !p || msg.replica >= p.roots.length) return;
    p.roots[msg.replica] = msg.node;
    if (p.roots.some((r) => r === undefined)) return;
    c.pending = undefined;
    p.resolve({ guid: c.session, replicas: c.replicas, roots: p.roots as NodeHandle[] });
  }

  /** Ends a session created here: its TEARDOWN goes to each root. Throws for a session not created here. */
  tearDown(s: string | Guid): void {
    const session = this.host.guid(s);
    const c = this.created.get(session.hex);
    if (!c) throw new InvalidArgumentError(`session ${String(s)} was not created by this node`);
    this.created.delete(session.hex);
    c.pending?.reject(new AbortedError('session torn down'));
    for (let i = 0; i < c.replicas; i++) this.host.route(treeGuid(session, i), this.host.control('teardown', session, i), true);
  }

  /** Creates timed out or due for a refresh; answers the next deadline (Infinity: none). */
  due(now: number): number {
    let next = Infinity;
    for (const c of this.created.values()) {
      if (c.pending && c.pending.deadline <= now) {
        const missing = c.pending.roots.flatMap((r, i) => (r ? [] : [i]));
        c.pending.reject(new TimeoutError(`root replica(s) ${missing.join(', ')} did not answer in time`));
        c.pending = undefined;
      }
      if (c.nextRefresh <= now) {
        c.nextRefresh = now + this.host.cfg.refreshMs;
        this.sendCreates(c);
      }
      next = Math.min(next, c.nextRefresh, c.pending?.deadline ?? Infinity);
    }
    return next;
  }

  /** Fails every create still waiting and forgets every session: the module closed. */
  closeAll(): void {
    for (const c of this.created.values()) c.pending?.reject(new ClosedError('bayeux module closed'));
    this.created.clear();
  }
}
