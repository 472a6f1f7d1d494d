/**
 * The DRT API at one node (what `node.register(drt())` returns): checks the caller's input, keeps the
 * operations and search walks waiting for answers (bounded by drtMaxPending), refreshes this node's
 * registrations and polls their leaf sets. Messages go out through the runtime (module.ts).
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, checkInteger, ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, TimeoutError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { Drt, DrtLeafSetEvent, DrtSearchOptions, DrtSearchResult, DrtStats } from './api';
import { checkKey } from './keys';
import type { DrtMsg, DrtStatus } from './messages';
import type { DrtRuntime } from './module';
import type { DrtConfig } from './options';
import { exactWalks, leafSetWalks, mergeNearest, nearestWalks, rangeWalks, type WalkSpec } from './queries';
import { ResultStream, Walk, type WalkMatch } from './searchClient';

/** Published keys whose leaf sets one poll round reads. */
const POLL_BATCH = 32;
/** Most refreshes sent at one timer call (a quarter of drtMaxPending). */
const REFRESH_BATCH = DEFAULTS.drtMaxPending / 4;

interface OpWait {
  readonly kind: 'op';
  deadline: number;
  resolve(status: DrtStatus): void;
  reject(err: Error): void;
}
interface WalkWait {
  readonly kind: 'walk';
  deadline: number;
  readonly walk: Walk;
  /** Each step's wait (iterative) or the walk's wait since its last answer (recursive). */
  readonly timeoutMs: number;
  fail(err: Error): void;
}
type Wait = OpWait | WalkWait;

export class DrtClient {
  /** Operations and walks waiting, by request id. Bounded by DEFAULTS.drtMaxPending. */
  private readonly pending = new Map<number, Wait>();
  private nextId = 1;
  /** Keys this node registered: what it refreshes. Bounded by DEFAULTS.drtMaxPublished. */
  private readonly published = new Map<string, { key: Guid; appData: Uint8Array; refreshAt: number }>();
  private readonly listeners = new Set<(e: DrtLeafSetEvent) => void>();
  /** The last leaf set reported per published key (keys of `published` only). */
  private readonly lastLeafSets = new Map<string, string>();
  private pollAt = Infinity;
  /** Where the next poll round starts among the published keys. */
  private pollCursor = 0;
  closed = false;

  constructor(
    private readonly rt: DrtRuntime,
    private readonly cfg: DrtConfig,
  ) {}

  api(): Drt {
    return {
      register: async (key, appData) => this.register(key, appData, 'register'),
      update: async (key, appData) => this.register(key, appData, 'update'),
      unregister: async (key) => this.unregister(key),
      search: (key, opts) => this.search(key, opts),
      leafSet: async (key, opts) => this.leafSet(checkKey(this.check256(key)), opts?.signal),
      onLeafSetChange: (listener) => this.listen(listener),
      stats: () => this.stats(),
      close: () => this.close(),
    };
  }

  private check256<T>(value: T): T {
    if (this.rt.ctx.space.bits !== 256) {
      throw new InvalidArgumentError(`the DRT needs 256-bit keys: create the node with idBits: 256 (it has idBits ${this.rt.ctx.space.bits})`);
    }
    return value;
  }

  private checkAppData(appData: unknown): Uint8Array {
    if (!(appData instanceof Uint8Array)) throw new InvalidArgumentError('appData must be a Uint8Array');
    if (appData.length === 0) throw new InvalidArgumentError('appData must hold at least 1 byte');
    if (appData.length > DEFAULTS.drtMaxAppDataBytes) throw new MessageTooLargeError(`appData is ${appData.length} bytes, more than drtMaxAppDataBytes (${DEFAULTS.drtMaxAppDataBytes})`);
    return Uint8Array.from(appData);
  }

  private async register(key: Guid, appData: Uint8Array, kind: 'register' | 'update'): Promise<void> {
    checkKey(this.check256(key));
    const data = this.checkAppData(appData);
    if (this.closed) throw new ClosedError('drt module closed');
    const mine = this.published.get(key.hex);
    if (kind === 'register' && mine) throw new InvalidArgumentError(`key ${key.hex} is registered by this node already; update it instead`);
    if (kind === 'update' && !mine) throw new InvalidArgumentError(`key ${key.hex} is not registered by this node`);
    if (!mine && this.published.size >= DEFAULTS.drtMaxPublished) throw new LimitExceededError(`this node registered ${this.published.size} keys, its limit (drtMaxPublished)`);
    const status = await this.op(kind, key, data);
    if (status !== 'ok') throw refusal(status, key);
    const now = this.rt.ctx.now();
    this.published.set(key.hex, { key, appData: data, refreshAt: now + this.cfg.refreshMs });
    this.rt.arm(now + this.cfg.refreshMs);
    if (this.listeners.size > 0) this.pollSoon();
  }

  private async unregister(key: Guid): Promise<void> {
    checkKey(this.check256(key));
    if (this.closed) throw new ClosedError('drt module closed');
    if (!this.published.has(key.hex)) throw new InvalidArgumentError(`key ${key.hex} is not registered by this node`);
    this.published.delete(key.hex);
    this.lastLeafSets.delete(key.hex);
    const status = await this.op('unregister', key);
    // 'unknown': its successor holds none (it lapsed, or the successor failed): gone all the same.
    if (status !== 'ok' && status !== 'unknown') throw refusal(status, key);
  }

  /** Sends an operation toward the key's successor; resolves with its status. */
  private op(kind: 'register' | 'update' | 'unregister', key: Guid, appData?: Uint8Array): Promise<DrtStatus> {
    return new Promise((resolve, reject) => {
      const id = this.add({ kind: 'op', deadline: this.rt.ctx.now() + this.cfg.requestTimeoutMs, resolve, reject });
      const self = this.rt.ctx.self;
      this.rt.send(self, { kind, cursor: key, requestId: id, requester: self, hops: 0, ...(appData ? { appData, ttlMs: this.cfg.lifetimeMs } : {}) });
    });
  }

  private add(wait: Wait): number {
    if (this.pending.size >= DEFAULTS.drtMaxPending) throw new LimitExceededError(`at most ${DEFAULTS.drtMaxPending} DRT operations and walks waiting (drtMaxPending)`);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
    this.pending.set(id, wait);
    this.rt.arm(wait.deadline);
    return id;
  }

  /** An ack or found message for this node. */
  answered(msg: DrtMsg): void {
    const wait = this.pending.get(msg.requestId);
    if (!wait) return;
    if (wait.kind === 'op') {
      if (msg.kind !== 'ack') return;
      this.pending.delete(msg.requestId);
      return wait.resolve(msg.status!);
    }
    if (msg.kind !== 'found') return;
    wait.deadline = this.rt.ctx.now() + wait.timeoutMs;
    this.rt.arm(wait.deadline);
    const onward = wait.walk.found(msg);
    if (onward) this.rt.send(msg.next!, onward);
  }

  private search(key: Guid, opts: DrtSearchOptions = {}): AsyncIterable<DrtSearchResult> {
    this.check256(key);
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('search options must be an object');
    const match = opts.match ?? 'exact';
    const isRange = typeof match === 'object' && match !== null;
    if (!isRange && match !== 'exact' && match !== 'nearest') throw new InvalidArgumentError(`match must be 'exact', 'nearest' or { min, max }, got ${JSON.stringify(match)}`);
    const max = checkInteger('maxEndpoints', opts.maxEndpoints ?? (isRange ? DEFAULTS.drtMaxEndpoints : 1), 1, DEFAULTS.drtMaxEndpoints);
    if (opts.iterative !== undefined && typeof opts.iterative !== 'boolean') throw new InvalidArgumentError('iterative must be a boolean');
    let walks: WalkSpec[];
    if (isRange) walks = rangeWalks(checkKey(match.min, 'min'), checkKey(match.max, 'max'), max);
    else if (match === 'nearest') walks = nearestWalks(checkKey(key), max);
    else walks = exactWalks(checkKey(key));
    const kind: DrtSearchResult['match'] = isRange ? 'range' : match === 'nearest' ? 'nearest' : 'exact';
    const iterative = opts.iterative ?? false;
    const signal = opts.signal;
    return {
      [Symbol.asyncIterator]: () => {
        const toResult = (m: WalkMatch): DrtSearchResult => ({
          key: m.entry.key, appData: Uint8Array.from(m.entry.appData), publisher: m.entry.publisher,
          match: kind === 'range' ? 'range' : m.entry.key.equals(key) ? 'exact' : kind,
          ...(iterative && m.hops ? { hops: m.hops } : {}),
        });
        // A nearest search merges its two walks' matches once both ended; the others stream.
        const held: WalkMatch[] = [];
        let stream: ResultStream<DrtSearchResult> | undefined = undefined;
        const stop = this.runWalks(walks, iterative, signal, {
          matches: (found) => (kind === 'nearest' ? held.push(...found) : stream!.push(found.map(toResult))),
          done: () => {
            if (kind === 'nearest') stream!.push(mergeNearest(key, held, max).map(toResult));
            stream!.end();
          },
          fail: (err) => stream!.fail(err),
        });
        stream = new ResultStream<DrtSearchResult>(stop.cancel);
        stop.start();
        return stream.iterate();
      },
    };
  }

  /**
   * Starts walks together; `done` once all ended, `fail` at the first timeout or abort. Answers
   * `start` (send the first messages) and `cancel` (forget the walks).
   */
  private runWalks(
    specs: readonly WalkSpec[],
    iterative: boolean,
    signal: AbortSignal | undefined,
    sink: { matches(found: readonly WalkMatch[]): void; done(): void; fail(err: Error): void },
  ): { start(): void; cancel(): void } {
    const ids: number[] = [];
    let left = specs.length;
    let over = false;
    const onAbort = () => fail(new AbortedError('search aborted'));
    const cancel = () => {
      over = true;
      signal?.removeEventListener('abort', onAbort);
      for (const id of ids) this.pending.delete(id);
    };
    const fail = (err: Error) => {
      if (over) return;
      cancel();
      sink.fail(err);
    };
    return {
      cancel,
      start: () => {
        if (this.closed) return fail(new ClosedError('drt module closed'));
        if (signal?.aborted) return fail(new AbortedError('search aborted before it started'));
        signal?.addEventListener('abort', onAbort, { once: true });
        const self = this.rt.ctx.self;
        const firsts: DrtMsg[] = [];
        try {
          for (const spec of specs) {
            const id = this.nextId;
            const first: DrtMsg = { kind: 'search', cursor: spec.cursor, requestId: id, requester: self, mode: spec.mode, ...(spec.end ? { end: spec.end } : {}), remaining: spec.remaining, iterative, hops: 0, part: 0 };
            const walk = new Walk(id, first, {
              matches: (found) => !over && sink.matches(found),
              done: () => {
                this.pending.delete(id);
                if (--left === 0 && !over) {
                  cancel();
                  sink.done();
                }
              },
            });
            ids.push(this.add({ kind: 'walk', walk, deadline: this.rt.ctx.now() + this.cfg.requestTimeoutMs, timeoutMs: this.cfg.requestTimeoutMs, fail }));
            firsts.push(first);
          }
        } catch (err) {
          return fail(err as Error);
        }
        for (const first of firsts) if (!over) this.rt.send(self, first);
      },
    };
  }

  /** The leaf set of `key` among all registered keys: the two leaf-set walks (queries.ts). */
  private leafSet(key: Guid, signal?: AbortSignal): Promise<DrtLeafSetEvent> {
    const [up, down] = leafSetWalks(key, DEFAULTS.drtLeafSetHalf);
    return new Promise((resolve, reject) => {
      const larger: Guid[] = [];
      const smaller: Guid[] = [];
      let side = 0;
      // Each walk's matches come in its own order; the walks are told apart by which started first.
      const runs = [up, down].map((spec, i) => this.runWalks([spec], false, signal, {
        matches: (found) => (i === 0 ? larger : smaller).push(...found.map((m) => m.entry.key)),
        done: () => ++side === 2 && resolve({ key, smaller, larger }),
        fail: (err) => {
          runs.forEach((r) => r.cancel());
          reject(err);
        },
      }));
      runs.forEach((r) => r.start());
    });
  }

  private listen(listener: (e: DrtLeafSetEvent) => void): () => void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('onLeafSetChange needs a function');
    this.listeners.add(listener);
    this.pollSoon();
    return () => void this.listeners.delete(listener);
  }

  private pollSoon(): void {
    this.pollAt = this.rt.ctx.now();
    this.rt.arm(this.pollAt);
  }

  /**
   * Reads the leaf sets of the next POLL_BATCH published keys (two walks each, so a node with many
   * keys never fills drtMaxPending with polls) and reports those that changed. Every key is read once
   * per ceil(published / POLL_BATCH) rounds of leafSetPollMs.
   */
  private poll(): void {
    const keys = [...this.published.values()].map((p) => p.key);
    if (keys.length === 0) return;
    const start = this.pollCursor % keys.length;
    const batch = keys.slice(start, start + POLL_BATCH);
    this.pollCursor = start + batch.length;
    for (const key of batch) {
      this.leafSet(key).then((ev) => {
        const text = `${ev.smaller.map((k) => k.hex).join(',')}|${ev.larger.map((k) => k.hex).join(',')}`;
        if (!this.published.has(key.hex) || this.lastLeafSets.get(key.hex) === text) return;
        this.lastLeafSets.set(key.hex, text);
        for (const l of [...this.listeners]) {
          try {
            l(ev);
          } catch (err) {
            this.rt.ctx.log.warn({ err }, 'drt leaf-set listener threw');
          }
        }
      }, () => undefined);
    }
  }

  /** Timeouts, refreshes and leaf-set polls due by `now`; answers the next deadline. */
  due(now: number): number {
    let next = Infinity;
    for (const [id, w] of this.pending) {
      if (w.deadline > now) {
        next = Math.min(next, w.deadline);
        continue;
      }
      this.pending.delete(id);
      const err = new TimeoutError('no answer from the DRT in time');
      if (w.kind === 'op') w.reject(err);
      else w.fail(err);
    }
    // At most REFRESH_BATCH refreshes per call, so a node refreshing many keys leaves room in
    // drtMaxPending for its other operations; the rest are due again a second later.
    let refreshes = 0;
    for (const p of this.published.values()) {
      if (p.refreshAt <= now) {
        if (refreshes < REFRESH_BATCH && this.pending.size < DEFAULTS.drtMaxPending) {
          refreshes++;
          p.refreshAt = now + this.cfg.refreshMs;
          // A refresh re-registers at whichever node is the key's successor now.
          this.op('register', p.key, p.appData).catch(() => undefined);
        } else {
          p.refreshAt = now + 1_000;
        }
      }
      next = Math.min(next, p.refreshAt);
    }
    if (this.pollAt <= now) {
      this.pollAt = this.listeners.size > 0 ? now + this.cfg.leafSetPollMs : Infinity;
      if (this.listeners.size > 0) this.poll();
    }
    return Math.min(next, this.pollAt);
  }

  private stats(): DrtStats {
    return { keys: this.rt.registry.size, published: this.published.size, pending: this.pending.size, ...this.rt.counts };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const waits = [...this.pending.values()];
    this.pending.clear();
    for (const w of waits) {
      if (w.kind === 'op') w.reject(new ClosedError('drt module closed'));
      else w.fail(new ClosedError('drt module closed'));
    }
    this.published.clear();
    this.listeners.clear();
    this.rt.ctx.unregister();
  }
}

function refusal(status: DrtStatus, key: Guid): Error {
  if (status === 'full') return new LimitExceededError(`the successor of key ${key.hex} holds as many keys as it may (drtMaxKeys or drtMaxKeysPerPublisher)`);
  if (status === 'tooLarge') return new MessageTooLargeError(`the successor of key ${key.hex} refused the appData as too large`);
  if (status === 'taken') return new InvalidArgumentError(`key ${key.hex} is registered by another node`);
  return new InvalidArgumentError(`key ${key.hex} has no registration at its successor`);
}
