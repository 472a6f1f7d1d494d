/**
 * The publishes this node waits to hear acknowledged: each publish carries a fresh random nonce
 * toward every salted root, and the root that stores the pointer echoes it in a PublishAck. A
 * publish settles once every salted root acknowledged (PublishResult), or fails with TimeoutError
 * when the caller's bound runs out, with ClosedError when the node closes. An ack that names no
 * pending publish, another object, a salt out of range or one already heard is counted and dropped:
 * without the nonce, which only travels on the publish path, no one can settle a publish.
 *
 * Pure: the nonce comes from the injected random source and the timer from the caller (`arm`).
 */
import { LimitExceededError, TimeoutError, InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RandomBytes } from '../security/identity';
import { PUBLISH_ACK_NONCE_BYTES, type PublishAck, type PublishMsg } from './messages';

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

/** Who hears how a publish ended. */
export interface PublishWaiter {
  /** Every salted root acknowledged. */
  resolve(result: PublishResult): void;
  /** The wait ended without every acknowledgement: TimeoutError, ClosedError, LimitExceededError. */
  reject(reason: Error): void;
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

interface Pending {
  readonly id: number;
  readonly object: Guid;
  readonly nonceHex: string;
  readonly waiter: PublishWaiter;
  /** When the wait began (the caller's clock, ms). */
  readonly startedAt: number;
  /** The records sent, by salt index, nonce included: a root not heard from gets its own again. */
  records: readonly PublishMsg[];
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
  ) {}

  /** Publishes waiting now. */
  get pending(): number {
    return this.byId.size;
  }

  /**
   * Starts waiting for `object`'s acknowledgements: returns the nonce its records carry and the id
   * the caller arms a timer for, or undefined when the table is full (the waiter is rejected with
   * LimitExceededError at once; the publish itself still goes out, unacknowledged).
   */
  open(object: Guid, waiter: PublishWaiter, now: number): { id: number; nonce: Uint8Array } | undefined {
    if (this.byId.size >= this.opts.limit) {
      waiter.reject(new LimitExceededError(`at most ${this.opts.limit} publishes wait for acknowledgements; this one was sent unacknowledged`));
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
    this.byId.set(id, { id, object, nonceHex, waiter, startedAt: now, records: [], roots: new Array<NodeHandle | undefined>(this.opts.salts).fill(undefined), acknowledged: 0 });
    this.byNonce.set(nonceHex, id);
    return { id, nonce };
  }

  /** Keeps the records publish `id` sent (nonce included), by salt index, for `unanswered`. */
  sent(id: number, records: readonly PublishMsg[]): void {
    const p = this.byId.get(id);
    if (p) p.records = records;
  }

  /**
   * Publish `id`'s wait: when it began and the records of the salted roots that have not answered
   * yet; undefined once it settled.
   */
  unanswered(id: number): { object: Guid; startedAt: number; records: PublishMsg[] } | undefined {
    const p = this.byId.get(id);
    if (!p) return undefined;
    return { object: p.object, startedAt: p.startedAt, records: p.records.filter((r) => p.roots[r.saltIndex] === undefined) };
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
      this.stats.publishesAcknowledged++;
      p.waiter.resolve({ object: p.object, tried: p.roots.length, acknowledged: p.acknowledged, roots: p.roots as NodeHandle[] });
    }
    return true;
  }

  /** The caller's timer for publish `id` fired: its wait ends with TimeoutError (the publication stays). */
  timedOut(id: number, waitedMs: number): void {
    const p = this.byId.get(id);
    if (!p) return; // already settled
    this.end(p);
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
