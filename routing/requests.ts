/**
 * Requests this node sent and is waiting to hear answered (node.request): the pure rules of opening
 * one, matching a reply to it, and timing it out. No I/O and no clock: time comes in as `now`, and
 * every answer is a decision the caller (actors/requestRuntime.ts) carries out — settle a waiter,
 * count a refused reply. Bounded: at most `limit` requests wait at once.
 *
 * Matching: a reply names its request by id, and ids are sequential (RequestIds), so an id alone is
 * easy to guess. A reply is taken only when it came from the address its sender claims and the
 * sender is a node that may answer it: for an exact request, the destination GUID itself (or, for
 * 'noSuchNode' and 'ttlExpired', any other node: the root that found no such node, the node where the
 * TTL ran out); for a fuzzy request, any node (the requester cannot know its surrogate root in
 * advance). Anything else is counted as forged and ignored, so the real reply still settles it.
 */
import type { Guid } from './guid';
import type { ReplyStatus } from './messages';
import { RequestIds } from './pendingRequests';

/** One request waiting for its reply; `waiter` is the caller's (how to settle it). */
export interface OpenRequest<T> {
  readonly id: number;
  readonly dest: Guid;
  readonly fuzzy: boolean;
  /** When it was sent (ms, on the node's clock): the reply's round trip is measured from here. */
  readonly startedAt: number;
  /** When it times out (ms, on the node's clock). */
  readonly deadline: number;
  readonly waiter: T;
}

/** What came back for a request: who sent it, whether it came from that sender's own address, and its status. */
export interface ReplySeen {
  readonly replyTo: number;
  readonly replier: Guid;
  /** The datagram's source address is the one the replier's handle names. */
  readonly fromItsAddress: boolean;
  readonly status: ReplyStatus;
}

export type ReplyVerdict<T> =
  | { readonly kind: 'matched'; readonly request: OpenRequest<T> }
  /** No request with this id is waiting: it was answered, timed out, aborted, or never sent. */
  | { readonly kind: 'late' }
  /** A request with this id is waiting, but this reply cannot be its answer; it keeps waiting. */
  | { readonly kind: 'forged' };

/** Counters of the requests this node sent; part of the router's stats (`node.stats.router`). */
export interface RequestStats {
  /** Requests sent (each one counted once, however many fragments it took). */
  requestsSent: number;
  /** Requests refused because DEFAULTS.maxRequestsInFlight were waiting. */
  requestsRefused: number;
  /** Requests that ended in TimeoutError: no reply within their timeoutMs. */
  requestsTimedOut: number;
  /** Replies that settled their request (an error answer such as noSuchNode included). */
  repliesMatched: number;
  /** Replies for no waiting request (after a timeout or an abort, or a guessed id). */
  repliesLate: number;
  /** Replies refused: from a node that may not answer the request, or not from the address it claims. */
  repliesForged: number;
  /** Requests this node answered (a reply or an error answer sent back). */
  repliesSent: number;
}

export function newRequestStats(): RequestStats {
  return { requestsSent: 0, requestsRefused: 0, requestsTimedOut: 0, repliesMatched: 0, repliesLate: 0, repliesForged: 0, repliesSent: 0 };
}

/** Whether `reply` may be the answer to `request` (see the file comment). */
export function mayAnswer(request: { readonly dest: Guid; readonly fuzzy: boolean }, reply: ReplySeen): boolean {
  if (!reply.fromItsAddress) return false;
  if (request.fuzzy) return true;
  const fromDest = reply.replier.equals(request.dest);
  // The node that says no node holds the GUID, or that the TTL ran out, is by definition another one.
  if (reply.status === 'noSuchNode' || reply.status === 'ttlExpired') return !fromDest;
  return fromDest;
}

export class RequestTable<T> {
  private readonly open = new Map<number, OpenRequest<T>>();
  private readonly ids = new RequestIds();

  /** `limit`: most requests waiting at once (DEFAULTS.maxRequestsInFlight). */
  constructor(
    private readonly limit: number,
    readonly stats: RequestStats = newRequestStats(),
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Whether another request may be opened now. */
  get full(): boolean {
    return this.open.size >= this.limit;
  }

  /** Opens a request: its id (uint32, never 0), or undefined (counted) when `limit` are waiting. */
  start(dest: Guid, fuzzy: boolean, now: number, timeoutMs: number, waiter: T): OpenRequest<T> | undefined {
    if (this.full) {
      this.stats.requestsRefused++;
      return undefined;
    }
    let id = this.ids.next();
    // After 2^32 ids one may still be waiting: skip it (at most `limit` are).
    while (this.open.has(id)) id = this.ids.next();
    const request: OpenRequest<T> = { id, dest, fuzzy, startedAt: now, deadline: now + timeoutMs, waiter };
    this.open.set(id, request);
    this.stats.requestsSent++;
    return request;
  }

  /** A reply arrived: the request it settles (now closed), or why it settles none (counted). */
  settle(reply: ReplySeen): ReplyVerdict<T> {
    const request = this.open.get(reply.replyTo);
    if (!request) {
      this.stats.repliesLate++;
      return { kind: 'late' };
    }
    if (!mayAnswer(request, reply)) {
      this.stats.repliesForged++;
      return { kind: 'forged' };
    }
    this.open.delete(request.id);
    this.stats.repliesMatched++;
    return { kind: 'matched', request };
  }

  /** A timer for request `id` fired at `now`: the request (now closed) if it was still waiting and is due. */
  expire(id: number, now: number): OpenRequest<T> | undefined {
    const request = this.open.get(id);
    if (!request || request.deadline > now) return undefined;
    this.open.delete(id);
    this.stats.requestsTimedOut++;
    return request;
  }

  /** The caller gave up on request `id` (aborted): the request, now closed, if it was waiting. */
  cancel(id: number): OpenRequest<T> | undefined {
    const request = this.open.get(id);
    if (request) this.open.delete(id);
    return request;
  }

  /** Closes every waiting request (the node closes) and returns them. */
  drain(): OpenRequest<T>[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }
}
