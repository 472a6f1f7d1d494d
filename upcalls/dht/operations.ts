/**
 * The DHT's own requests: each put, get, remove and ping this node sends, from the moment it goes to
 * every salted root (or, a ping, exactly to its peer) until the answers settle it — the newest record
 * once `quorum` came for a get, a store or removal at any root for a put or remove — or its deadline
 * passes. Bounded by DEFAULTS.dhtMaxPending. The module (module.ts) receives the answers and drives
 * the deadlines from its timer.
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, NotFoundError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { saltedRoot } from '../../location/saltedRoots';
import { encodeDht } from '../../wire/dhtCodec';
import { PendingTable } from '../shared/pendingTable';
import type { DeadlineTimer } from '../shared/deadlineTimer';
import type { ModuleContext } from '../contract';
import type { DhtProgress, DhtValue } from './api';
import type { DhtMsg, DhtRecord } from './messages';
import type { DhtConfig } from './options';
import { chooseAnswer, refusalOf } from './answers';
import type { RecordGate } from './recordGate';

interface Op {
  readonly kind: 'put' | 'get' | 'remove' | 'ping';
  readonly onProgress?: (event: DhtProgress) => void;
  /** When it was sent (node clock, ms): a ping's round trip. */
  readonly startedAt: number;
  readonly key: Guid;
  readonly quorum: number;
  /** salt → its answer. */
  readonly answers: Map<number, DhtMsg>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** The requests this node has sent and awaits answers to. */
export class DhtOperations {
  private readonly pending = new PendingTable<Op>(DEFAULTS.dhtMaxPending);

  constructor(
    private readonly ctx: ModuleContext,
    private readonly cfg: DhtConfig,
    private readonly gate: RecordGate,
    private readonly timer: DeadlineTimer,
    /** Whether the module closed: no request starts after. */
    private readonly closed: () => boolean,
  ) {}

  /** Requests waiting for answers. */
  get size(): number {
    return this.pending.size;
  }

  /** The earliest deadline of a waiting request (Infinity: none). */
  nextDeadline(): number {
    return this.pending.nextDeadline();
  }

  /** Settles every request whose deadline passed, from the answers it has. */
  expire(now: number): void {
    for (const op of this.pending.expire(now)) this.settle(-1, op, true);
  }

  /** Fails every waiting request: the module closed. */
  closeAll(): void {
    for (const op of this.pending.drain()) op.reject(new ClosedError('dht module closed'));
  }

  /** Routes a PING exact to `g`; resolves with the node that answered and the round trip. */
  ping(g: string | Guid, signal?: AbortSignal): Promise<{ peer: NodeHandle; rttMs: number }> {
    const target = typeof g === 'string' ? Guid.fromHex(g) : g;
    if (!(target instanceof Guid) || target.bytes.length !== this.ctx.space.bytes) return Promise.reject(new InvalidArgumentError(`a peer is a GUID of ${this.ctx.space.bits} bits`));
    return this.start('ping', target, 1, signal) as Promise<{ peer: NodeHandle; rttMs: number }>;
  }

  /** Sends one op to every salted root and settles it from their answers. */
  start(kind: Op['kind'], key: Guid, quorum: number, signal: AbortSignal | undefined, record?: DhtRecord, onProgress?: (e: DhtProgress) => void, removal?: DhtMsg['removal']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed()) throw new ClosedError('dht module closed');
      if (signal?.aborted) throw new AbortedError(`${kind} aborted before it started`);
      const deadline = this.ctx.now() + this.cfg.requestTimeoutMs;
      const op: Op = { kind, key, quorum, startedAt: this.ctx.now(), answers: new Map(), resolve, reject, ...(onProgress ? { onProgress } : {}) };
      const requestId = this.pending.add(op, deadline);
      if (requestId === undefined) throw new LimitExceededError(`at most ${DEFAULTS.dhtMaxPending} operations waiting`);
      this.timer.arm(deadline);
      signal?.addEventListener('abort', () => {
        if (this.pending.take(requestId)) reject(new AbortedError(`${kind} aborted`));
      }, { once: true });
      if (kind === 'ping') {
        this.ctx.route(key, encodeDht({ kind, key, salt: 0, requestId, requester: this.ctx.self }), { fuzzy: false });
        return;
      }
      for (let salt = 0; salt < this.cfg.salts; salt++) {
        this.ctx.route(saltedRoot(key, salt), encodeDht({ kind, key, salt, requestId, requester: this.ctx.self, ...(record ? { record } : {}), ...(removal ? { removal } : {}) }), { fuzzy: true });
      }
      this.progress(op, { type: 'sent', salts: this.cfg.salts });
    });
  }

  /** An answer came for op `id`: settle it when it has what it needs. */
  answered(msg: DhtMsg): void {
    const op = this.pending.get(msg.requestId);
    if (!op || !op.key.equals(msg.key) || op.answers.has(msg.salt)) return;
    if (op.kind === 'ping') {
      if (msg.kind !== 'pong' || !msg.requester!.guid.equals(op.key)) return;
      this.pending.take(msg.requestId);
      return op.resolve({ peer: msg.requester, rttMs: this.ctx.now() - op.startedAt });
    }
    // A record the gate refuses (forged, or the validator's refusal) counts as no record from that root:
    // a lying root cannot make this node serve a forged value.
    const accepted = msg.record && this.gate.check(msg.key, msg.record) !== 'ok' ? { ...msg, record: undefined } : msg;
    op.answers.set(msg.salt, accepted);
    this.progress(op, { type: 'answer', salt: msg.salt, from: msg.requester!, found: accepted.record !== undefined || msg.status === 'stored' || msg.status === 'removed' });
    const records = [...op.answers.values()].filter((a) => a.record).length;
    if (op.answers.size === this.cfg.salts || (op.kind === 'get' && records >= op.quorum)) this.settle(msg.requestId, op, false);
  }

  /** Ends op `id` from the answers it has (`timedOut`: not every root answered). */
  private settle(id: number, op: Op, timedOut: boolean): void {
    this.pending.take(id);
    if (op.kind === 'ping') return op.reject(new NotFoundError(`no node ${op.key.hex} answered in time`));
    const answers = [...op.answers.values()];
    this.progress(op, { type: 'done', answers: answers.length, timedOut });
    if (op.kind === 'get') {
      const best = chooseAnswer(op.key, answers.filter((a) => a.record), this.cfg.validator?.select);
      if (best) return op.resolve({ key: op.key, value: best.record!.value, seq: best.record!.seq, publisher: best.record!.publisher, from: best.requester! } satisfies DhtValue);
      return op.reject(timedOut && answers.length === 0 ? new TimeoutError('no root of the key answered in time') : new NotFoundError(`no value under key ${op.key.hex}`));
    }
    const stored = answers.filter((a) => a.status === 'stored' || a.status === 'removed').length;
    if (stored > 0) return op.resolve(op.kind === 'put' ? { key: op.key, stored } : undefined);
    op.reject(refusalOf(op.key, answers) ?? new TimeoutError(`no root of the key answered the ${op.kind} in time`));
  }

  private progress(op: Op, event: DhtProgress): void {
    try {
      op.onProgress?.(event);
    } catch (err) {
      this.ctx.log.warn({ err }, 'dht onProgress threw');
    }
  }
}
