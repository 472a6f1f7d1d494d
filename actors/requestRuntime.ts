/**
 * Request / response on top of routing (node.request): the glue between the router and the pure
 * request rules (routing/requests.ts). Both ends live here:
 * - the requester opens a request (bounded, with its timeout on the node's clock), routes it with
 *   its id, and settles it when a reply that may answer it arrives (reassembled first if large);
 * - the destination hands the request to its module's deliver and sends what it returns (at once, or
 *   when its Promise settles) straight back to the requester as a DirectMsg reply — one datagram, or
 *   fragments for a large reply, never routed through the mesh. When there is no reply to give (no
 *   module, nothing returned, a throw, no node holding an exact GUID, TTL run out) an error answer
 *   goes back instead, so the requester knows at once instead of waiting for its timeout.
 * The router calls in per message; nothing here sees the wire.
 */
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { NoReplyError, NoSuchNodeError, TimeoutError } from '../errors';
import type { Reassembler } from '../routing/reassembler';
import { peerKey } from '../routing/rateLimiter';
import { RequestTable, type OpenRequest, type RequestStats } from '../routing/requests';
import type { DirectMsg, NodeHandle, ReplyInfo, ReplyStatus, RouteMsg } from '../routing/messages';
import type { Address } from '../transport/types';
import type { Delivery } from '../upcalls/contract';
import { isPromise, type UpcallHost } from '../upcalls/host';
import type { RouteRequest } from './routerTypes';

/** A settled request: the reply's bytes, the node that sent it, the hops the request took, and the round trip. */
export interface RequestReply {
  /** The reply: what the destination module's deliver returned (a string arrives as its UTF-8 bytes). */
  readonly payload: Uint8Array;
  /** The node that replied: the destination GUID's holder, or the surrogate root of a fuzzy request. */
  readonly from: NodeHandle;
  /** Overlay hops the request took to reach it (0 when this node answered itself). */
  readonly hops: number;
  /** Time from sending the request to receiving the whole reply (ms, on the node's clock). */
  readonly rttMs: number;
}

/** How a request's caller is told the outcome (api/request.ts turns it into a Promise). */
export interface RequestWaiter {
  resolve(reply: RequestReply): void;
  reject(err: Error): void;
}

/** What the request runtime needs of its router. */
export interface RequestHost {
  readonly self: NodeHandle;
  readonly upcalls: UpcallHost;
  readonly reassembler: Reassembler;
  readonly log: bunyan;
  now(): number;
  /** A one-shot timer on the node's clock (or, at 0 ms, work run as a router event of its own); the answer cancels it. */
  after(ms: number, fire: () => void): () => void;
  route(req: RouteRequest & { readonly requestId: number }): void;
  /** Sends a reply straight to `to`, fragmented when large; every fragment carries `reply`. */
  sendReply(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number, reply: ReplyInfo): void;
}

const EMPTY = new Uint8Array(0);

export class RequestRuntime {
  readonly table: RequestTable<RequestWaiter>;
  /** Each waiting request's timeout, cancelled when it settles (as many as `table` holds). */
  private readonly timeouts = new Map<number, () => void>();
  private closed = false;

  constructor(
    private readonly host: RequestHost,
    stats: RequestStats,
    limit = DEFAULTS.maxRequestsInFlight,
  ) {
    this.table = new RequestTable(limit, stats);
  }

  get stats(): RequestStats {
    return this.table.stats;
  }

  /** Sends a request; its id, or undefined when DEFAULTS.maxRequestsInFlight are waiting (the waiter is not called). */
  start(req: RouteRequest, timeoutMs: number, waiter: RequestWaiter): number | undefined {
    const open = this.table.start(req.dest, req.fuzzy, this.host.now(), timeoutMs, waiter);
    if (!open) return undefined;
    this.timeouts.set(open.id, this.host.after(timeoutMs, () => {
      this.timeouts.delete(open.id);
      const due = this.table.expire(open.id, this.host.now());
      due?.waiter.reject(new TimeoutError(`no reply to the request for ${req.dest.hex} within ${timeoutMs} ms`));
    }));
    this.host.route({ ...req, requestId: open.id });
    return open.id;
  }

  /** The caller gave up on request `id` (its AbortSignal): rejected with `reason` if still waiting. */
  abort(id: number, reason: Error): void {
    this.stopTimeout(id);
    this.table.cancel(id)?.waiter.reject(reason);
  }

  /** A request ended here: its module's deliver gives the reply, sent back at once or when its Promise settles. */
  answer(delivery: Delivery, msg: RouteMsg): void {
    const outcome = this.host.upcalls.deliverFor({ ...delivery, request: true });
    if (outcome.kind === 'noModule') return this.reply(msg, 'noModule', EMPTY);
    if (outcome.kind === 'threw') return this.reply(msg, 'failed', EMPTY);
    const value = outcome.value;
    if (!isPromise(value)) return this.replyWith(msg, value);
    value.then(
      (resolved) => this.later(() => this.replyWith(msg, resolved)),
      (err) => {
        this.host.upcalls.rejected(err, delivery);
        this.later(() => this.reply(msg, 'failed', EMPTY));
      },
    );
  }

  /** A request that cannot reach a module: an exact one at the root of a GUID no node holds, or one whose TTL ran out. */
  refuse(msg: RouteMsg, status: 'noSuchNode' | 'ttlExpired'): void {
    this.reply(msg, status, EMPTY);
  }

  /** A reply frame (or a fragment of one) from `sender`, whose datagram came from `from`. */
  receive(d: DirectMsg, reply: ReplyInfo, sender: NodeHandle, from: Address): void {
    let payload = d.payload;
    const fromItsAddress = peerKey(from) === peerKey(sender.address);
    if (d.fragment) {
      // A fragment that did not come from its claimed sender's address is refused before it is buffered.
      if (!fromItsAddress) return this.settle(reply, sender, false, d.hops, EMPTY);
      const whole = this.host.reassembler.accept(sender.guid.hex, d.fragment, d.payload, this.host.now());
      if (!whole) return;
      payload = whole;
    }
    this.settle(reply, sender, fromItsAddress, d.hops, payload);
  }

  /** Rejects every waiting request (the node closes); later answers are not sent. */
  shutdown(reason: Error): void {
    this.closed = true;
    for (const cancel of this.timeouts.values()) cancel();
    this.timeouts.clear();
    for (const open of this.table.drain()) open.waiter.reject(reason);
  }

  private stopTimeout(id: number): void {
    this.timeouts.get(id)?.();
    this.timeouts.delete(id);
  }

  private settle(reply: ReplyInfo, replier: NodeHandle, fromItsAddress: boolean, hops: number, payload: Uint8Array): void {
    const verdict = this.table.settle({ replyTo: reply.replyTo, replier: replier.guid, fromItsAddress, status: reply.status });
    if (verdict.kind === 'forged') this.host.log.debug({ replier: replier.guid.hex, id: reply.replyTo }, 'refused a reply from a node that may not answer');
    if (verdict.kind !== 'matched') return;
    this.stopTimeout(verdict.request.id);
    const { waiter } = verdict.request;
    const error = replyError(reply.status, verdict.request, replier);
    if (error) waiter.reject(error);
    else waiter.resolve({ payload, from: replier, hops, rttMs: this.host.now() - verdict.request.startedAt });
  }

  /** What deliver returned, as a reply: bytes or a string; nothing says there is none; anything else failed. */
  private replyWith(msg: RouteMsg, value: unknown): void {
    if (value === undefined) return this.reply(msg, 'noReply', EMPTY);
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : undefined;
    if (!bytes || bytes.length > DEFAULTS.maxMessageBytes) {
      this.host.log.warn({ module: msg.moduleId, size: bytes?.length }, 'a request was answered with neither bytes nor a string within maxMessageBytes');
      return this.reply(msg, 'failed', EMPTY);
    }
    this.reply(msg, 'ok', bytes);
  }

  private reply(msg: RouteMsg, status: ReplyStatus, payload: Uint8Array): void {
    if (this.closed) return;
    const reply: ReplyInfo = { replyTo: msg.requestId!, status };
    this.stats.repliesSent++;
    if (msg.source.guid.equals(this.host.self.guid)) {
      // This node answered its own request (it is the destination or the root): no datagram.
      this.settle(reply, this.host.self, true, msg.hops, payload);
      return;
    }
    this.host.sendReply(msg.source, msg.moduleId, payload, msg.hops, reply);
  }

  /** Work after an awaited deliver: a router event of its own, on the node's clock; nothing once closed. */
  private later(work: () => void): void {
    if (this.closed) return;
    this.host.after(0, () => {
      if (!this.closed) work();
    });
  }
}

/** The error a non-ok answer stands for, or undefined for a reply. */
function replyError(status: ReplyStatus, request: OpenRequest<RequestWaiter>, replier: NodeHandle): Error | undefined {
  const dest = request.dest.hex;
  switch (status) {
    case 'ok':
      return undefined;
    case 'noSuchNode':
      return new NoSuchNodeError(`no node holds ${dest} (said its root ${replier.guid.hex})`);
    case 'noModule':
      return new NoReplyError('noModule', `${replier.guid.hex} has no module to answer the request for ${dest}`);
    case 'noReply':
      return new NoReplyError('noReply', `${replier.guid.hex} answered the request for ${dest} with no reply`);
    case 'failed':
      return new NoReplyError('failed', `the module at ${replier.guid.hex} failed to answer the request for ${dest}`);
    case 'ttlExpired':
      return new NoReplyError('ttlExpired', `the request for ${dest} ran out of TTL at ${replier.guid.hex}`);
  }
}
