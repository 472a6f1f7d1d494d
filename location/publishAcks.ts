/**
 * The publishes and unpublishes this node waits to hear acknowledged: each carries a fresh random
 * nonce toward every salted root, and the root that stores the pointer (publish) or that the
 * unpublish reached, every pointer on its way removed (unpublish), echoes it in a PublishAck. A wait
 * settles once every salted root acknowledged (PublishResult / UnpublishResult), or fails with
 * TimeoutError when the caller's bound runs out, with ClosedError when the node closes; a publish
 * still waiting when its object is unpublished ends with AbortedError (`withdrawn`). An ack that
 * names no pending wait, another object, a salt out of range or one already heard is counted and
 * dropped: without the nonce, which only travels on the record's path, no one can settle a wait.
 *
 * Pure: the nonce comes from the injected random source and the timer from the caller (`arm`).
 */
import { AbortedError, LimitExceededError, TimeoutError, InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RandomBytes } from '../security/identity';
import { PUBLISH_ACK_NONCE_BYTES, type PublishAck, type PublishMsg, type UnpublishMsg } from './messages';

/** What an awaited publish() resolves with: every salted root has acknowledged the pointer. */
export interface PublishResult {
  /** The object published. */
  readonly object: Guid;
  /** Salted roots the publish was sent toward (one record each). */
  readonly tried: number;
  /** Salted roots that acknowledged storing the pointer; equal to `tried` once the publish resolves. */
  readonly acknowledged: number;
  /** The node that acknowledged each salted root, by salt index (as the mesh routed the publish). */
  readonly roots: readonly NodeHandle[];
}

/**
 * What an awaited unpublish() resolves with: every salted root has acknowledged that the unpublish
 * reached it, so every pointer this node left on the path to it is removed. An object this node did
 * not publish (never, or withdrawn already) resolves at once with `tried` 0 and no roots.
 */
export interface UnpublishResult {
  /** The object withdrawn. */
  readonly object: Guid;
  /** Salted roots the unpublish was sent toward (one record each); 0 when nothing was published. */
  readonly tried: number;
  /** Salted roots that acknowledged the unpublish; equal to `tried` once it resolves. */
  readonly acknowledged: number;
  /** The node that acknowledged each salted root, by salt index (as the mesh routed the unpublish). */
  readonly roots: readonly NodeHandle[];
}

/** Who hears how a publish (or, as UnpublishWaiter, an unpublish) ended. */
export interface PublishWaiter {
  /** Every salted root acknowledged. */
  resolve(result: PublishResult): void;
  /** The wait ended without every acknowledgement: TimeoutError, ClosedError, LimitExceededError. */
  reject(reason: Error): void;
}

/** Who hears how an unpublish ended; the same shape as PublishWaiter, its result an UnpublishResult. */
export type UnpublishWaiter = PublishWaiter;

/** What the acknowledgement table counts of unpublishes (part of LocatorStats). */
export interface UnpublishAckStats {
  /** Unpublishes every salted root acknowledged. */
  unpublishesAcknowledged: number;
  /** Unpublishes whose wait for acknowledgements ran out (TimeoutError); the pointers left expire. */
  unpublishesUnacknowledged: number;
  /** Acknowledgements this node sent as a salted root an unpublish reached. */
  unpublishAcksSent: number;
  /** Unpublish records sent again to a salted root that had not acknowledged within publishAckResendMs. */
  unpublishRecordsResent: number;
  /** Publishes whose wait ended with AbortedError because their object was unpublished meanwhile. */
  publishesWithdrawnWaiting: number;
}

/** What the acknowledgement table counts (part of LocatorStats). */
export interface PublishAckStats {
  /** Publishes every salted root acknowledged. */
  publishesAcknowledged: number;
  /** Publishes whose wait for acknowledgements ran out (TimeoutError); the publication stays. */
  publishesUnacknowledged: number;
  /** Acknowledgements this node sent as a salted root that stored a publish. */
  publishAcksSent: number;
  /** Acknowledgements that matched no pending publish (late, repeated or forged): dropped. */
  publishAcksUnmatched: number;
  /** Publish records sent again to a salted root that had not acknowledged within publishAckResendMs. */
  publishRecordsResent: number;
}

/** Limits of the table. */
export interface PublishAcksOptions {
  /** Salted roots every publish walks to. */
  readonly salts: number;
  /** Most publishes waiting at once (DEFAULTS.maxPendingPublishAcks). */
  readonly limit: number;
  /** The node's injected random source (nonces). */
  readonly random: RandomBytes;
}

/** The records a wait sent, by salt index: publishes, or the unpublishes of a withdrawal. */
export type AckedRecords =
  | { readonly kind: 'publish'; readonly records: readonly PublishMsg[] }
  | { readonly kind: 'unpublish'; readonly records: readonly UnpublishMsg[] };

interface Pending {
  readonly id: number;
  /** What is awaited: the records' kind. */
  readonly kind: 'publish' | 'unpublish';
  readonly object: Guid;
  readonly nonceHex: string;
  readonly waiter: PublishWaiter;
  /** When the wait began (the caller's clock, ms). */
  readonly startedAt: number;
  /** The records sent, nonce included: a root not heard from gets its own again. */
  records: AckedRecords;
  /** By salt index: who acknowledged it, undefined while missing. */
  readonly roots: (NodeHandle | undefined)[];
  acknowledged: number;
}

export class PublishAcks {
  /** Timer id → pending publish; bounded by `limit`. */
  private readonly byId = new Map<number, Pending>();
  /** Nonce hex → timer id, for the acknowledgements. */
  private readonly byNonce = new Map<string, number>();
  private nextId = 1;

  constructor(
    private readonly opts: PublishAcksOptions,
    private readonly stats: PublishAckStats,
    private readonly unpublishStats: UnpublishAckStats = { unpublishesAcknowledged: 0, unpublishesUnacknowledged: 0, unpublishAcksSent: 0, unpublishRecordsResent: 0, publishesWithdrawnWaiting: 0 },
  ) {}

  /** Publishes and unpublishes waiting now. */
  get pending(): number {
    return this.byId.size;
  }

  /**
   * Starts waiting for `object`'s acknowledgements (of a publish, or of an unpublish with `kind`):
   * returns the nonce its records carry and the id the caller arms a timer for, or undefined when the
   * table is full (the waiter is rejected with LimitExceededError at once; the records still go
   * out, unacknowledged).
   */
  open(object: Guid, waiter: PublishWaiter, now: number, kind: 'publish' | 'unpublish' = 'publish'): { id: number; nonce: Uint8Array } | undefined {
    if (this.byId.size >= this.opts.limit) {
      waiter.reject(new LimitExceededError(`at most ${this.opts.limit} publishes and unpublishes wait for acknowledgements; this ${kind} was sent unacknowledged`));
      return undefined;
    }
    let nonce: Uint8Array;
    let nonceHex: string;
    do {
      nonce = this.opts.random(PUBLISH_ACK_NONCE_BYTES);
      if (nonce.length !== PUBLISH_ACK_NONCE_BYTES) throw new InvalidArgumentError(`random(${PUBLISH_ACK_NONCE_BYTES}) returned ${nonce.length} bytes`);
      nonceHex = Buffer.from(nonce).toString('hex');
    } while (this.byNonce.has(nonceHex));
    const id = this.nextId++;
    this.byId.set(id, { id, kind, object, nonceHex, waiter, startedAt: now, records: kind === 'publish' ? { kind, records: [] } : { kind, records: [] }, roots: new Array<NodeHandle | undefined>(this.opts.salts).fill(undefined), acknowledged: 0 });
    this.byNonce.set(nonceHex, id);
    return { id, nonce };
  }

  /** Keeps the records publish `id` sent (nonce included), by salt index, for `unanswered`. */
  sent(id: number, records: readonly PublishMsg[]): void {
    const p = this.byId.get(id);
    if (p) p.records = { kind: 'publish', records };
  }

  /** Keeps the records unpublish `id` sent (nonce included), for `unanswered`. */
  sentUnpublish(id: number, records: readonly UnpublishMsg[]): void {
    const p = this.byId.get(id);
    if (p) p.records = { kind: 'unpublish', records };
  }

  /**
   * Wait `id`: when it began and the records of the salted roots that have not answered yet;
   * undefined once it settled.
   */
  unanswered(id: number): { object: Guid; startedAt: number; records: PublishMsg[] } | undefined {
    const w = this.unansweredRecords(id);
    if (!w) return undefined;
    return { object: w.object, startedAt: w.startedAt, records: w.records.kind === 'publish' ? [...w.records.records] : [] };
  }

  /** As `unanswered`, for either kind of wait: its records still unanswered, tagged with their kind. */
  unansweredRecords(id: number): { object: Guid; startedAt: number; records: AckedRecords } | undefined {
    const p = this.byId.get(id);
    if (!p) return undefined;
    const missing = (r: { saltIndex: number }): boolean => p.roots[r.saltIndex] === undefined;
    const records: AckedRecords = p.records.kind === 'publish'
      ? { kind: 'publish', records: p.records.records.filter(missing) }
      : { kind: 'unpublish', records: p.records.records.filter(missing) };
    return { object: p.object, startedAt: p.startedAt, records };
  }

  /**
   * `object` was unpublished: a publish of it still waiting ends with AbortedError, since the pointer
   * it waits to hear stored is being removed (it would otherwise run to its TimeoutError).
   */
  withdrawn(object: Guid): void {
    for (const p of [...this.byId.values()]) {
      if (p.kind !== 'publish' || !p.object.equals(object)) continue;
      this.end(p);
      this.unpublishStats.publishesWithdrawnWaiting++;
      p.waiter.reject(new AbortedError(`publish of ${object.hex}: unpublished after ${p.acknowledged} of ${p.roots.length} salted roots acknowledged`));
    }
  }

  /** A salted root's acknowledgement from `from`; true when it matched a pending publish. */
  acked(ack: PublishAck, from: NodeHandle): boolean {
    const id = this.byNonce.get(Buffer.from(ack.nonce).toString('hex'));
    const p = id === undefined ? undefined : this.byId.get(id);
    if (!p || !p.object.equals(ack.object) || ack.saltIndex >= p.roots.length || p.roots[ack.saltIndex] !== undefined) {
      this.stats.publishAcksUnmatched++;
      return false;
    }
    p.roots[ack.saltIndex] = from;
    p.acknowledged++;
    if (p.acknowledged === p.roots.length) {
      this.end(p);
      if (p.kind === 'unpublish') this.unpublishStats.unpublishesAcknowledged++;
      else this.stats.publishesAcknowledged++;
      p.waiter.resolve({ object: p.object, tried: p.roots.length, acknowledged: p.acknowledged, roots: p.roots as NodeHandle[] });
    }
    return true;
  }

  /**
   * The caller's timer for wait `id` fired: it ends with TimeoutError (a publication stays; the
   * pointers an unpublish did not reach expire with their lifetime).
   */
  timedOut(id: number, waitedMs: number): void {
    const p = this.byId.get(id);
    if (!p) return; // already settled
    this.end(p);
    if (p.kind === 'unpublish') {
      this.unpublishStats.unpublishesUnacknowledged++;
      p.waiter.reject(new TimeoutError(`unpublish of ${p.object.hex}: ${p.acknowledged} of ${p.roots.length} salted roots acknowledged within ${waitedMs} ms (the pointers it did not reach expire)`));
      return;
    }
    this.stats.publishesUnacknowledged++;
    p.waiter.reject(new TimeoutError(`publish of ${p.object.hex}: ${p.acknowledged} of ${p.roots.length} salted roots acknowledged within ${waitedMs} ms (it stays published)`));
  }

  /** Ends every wait with `reason` (the node closes). */
  shutdown(reason: Error): void {
    const all = [...this.byId.values()];
    this.byId.clear();
    this.byNonce.clear();
    for (const p of all) p.waiter.reject(reason);
  }

  private end(p: Pending): void {
    this.byId.delete(p.id);
    this.byNonce.delete(p.nonceHex);
  }
}
