/**
 * Requests waiting for their answer: an id registered with a callback and a timeout, answered by id
 * at most once, or timed out once. The timer comes from an injected `after` (the node's clock), so a
 * simulator drives it in virtual time. Bounded: past `limit` waiting requests a new one is refused.
 */
import { DEFAULTS } from '../defaults';

export interface PendingRequestsOptions {
  /** A one-shot timer on the node's clock; the answer cancels it (an answered request leaves no timer armed). */
  readonly after: (ms: number, fire: () => void) => () => void;
  /** Most requests waiting at once; DEFAULTS.maxPendingRequests. */
  readonly limit?: number;
  /** Runs before a timed-out request's callback (e.g. to count it). */
  readonly onTimeout?: () => void;
}

export interface PendingRequestsStats {
  /** Requests refused because `limit` were waiting. */
  refused: number;
  timedOut: number;
}

export class PendingRequests<T> {
  readonly stats: PendingRequestsStats = { refused: 0, timedOut: 0 };
  private readonly waiting = new Map<number, { readonly done: (value: T | undefined) => void; cancel?: () => void }>();
  private readonly limit: number;

  constructor(private readonly opts: PendingRequestsOptions) {
    this.limit = opts.limit ?? DEFAULTS.maxPendingRequests;
  }

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Waits for the answer to request `id`: `done(value)` when `resolve(id, value)` comes first,
   * `done(undefined)` after `timeoutMs` otherwise. False (and `done` never called) when the limit is
   * reached or the id is already waiting: the caller treats the request as unanswered.
   */
  register(id: number, timeoutMs: number, done: (value: T | undefined) => void): boolean {
    if (this.waiting.size >= this.limit || this.waiting.has(id)) {
      this.stats.refused++;
      return false;
    }
    const entry: { readonly done: (value: T | undefined) => void; cancel?: () => void } = { done };
    this.waiting.set(id, entry);
    entry.cancel = this.opts.after(timeoutMs, () => {
      if (this.waiting.get(id) !== entry) return;
      this.waiting.delete(id);
      this.stats.timedOut++;
      this.opts.onTimeout?.();
      done(undefined);
    });
    return true;
  }

  /** The answer to request `id`: true when it was waiting (its callback has run), false when late or unknown. */
  resolve(id: number, value: T): boolean {
    const entry = this.waiting.get(id);
    if (entry === undefined) return false;
    this.waiting.delete(id);
    entry.cancel?.();
    entry.done(value);
    return true;
  }
}

/** Request ids: uint32, never 0, wrapping. One sequence may serve several kinds of request. */
export class RequestIds {
  private nextId = 1;

  next(): number {
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0 || 1;
    return id;
  }
}
