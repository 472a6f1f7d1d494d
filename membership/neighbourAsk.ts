/**
 * Asking peers for their entries (NeighbourRequest / NeighbourReply): a request under a fresh id,
 * answered once or timed out. Join, repair and the leaf-set exchange all ask this way.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from '../routing/boundedMap';
import { sameAddress, type Address, type NodeHandle } from '../routing/handle';
import { peerKey, type PeerKey } from '../routing/rateLimiter';
import type { Writable } from '../routing/messages';
import type { PendingRequests, RequestIds } from '../routing/pendingRequests';
import type { NeighbourReply, NeighbourRequest, NeighbourRetry } from './messages';
import type { MembershipPort } from './port';

interface Asked {
  readonly to: NodeHandle;
  request: NeighbourRequest;
  /** Sent again once with a NeighbourRetry's cookie: a second retry is not followed. */
  retried: boolean;
}

export class NeighbourAsk {
  /** Requests awaiting their reply, by id (as many as `pending` holds: each leaves with its answer or timeout). */
  private readonly asked = new Map<number, Asked>();
  /**
   * Cookies answering nodes gave this one, by their address, with when they came: echoed in later
   * requests so each answering node asks for one only once per cookie bucket.
   */
  private readonly cookies = new BoundedMap<PeerKey, { cookie: Uint8Array; at: number }>(DEFAULTS.maxHeldCookies);

  constructor(
    private readonly port: MembershipPort,
    private readonly ids: RequestIds,
    private readonly pending: PendingRequests<readonly NodeHandle[]>,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A node's entries at `level` (empty on timeout); `perSlot` > 0 asks for only the best few per slot,
   * `slots` (a bit per digit) > 0 for only those slots.
   */
  entries(to: NodeHandle, level: number, perSlot: number, done: (nodes: readonly NodeHandle[]) => void, slots = 0): void {
    this.ask(to, (requestId) => {
      const req: Writable<NeighbourRequest> = { requestId, level };
      if (perSlot > 0) req.perSlot = perSlot;
      if (slots > 0) req.slots = slots;
      return req;
    }, (nodes) => done(nodes ?? []));
  }

  /** A node's leaf set (undefined on timeout). */
  leafSet(to: NodeHandle, done: (nodes: readonly NodeHandle[] | undefined) => void): void {
    this.ask(to, (requestId) => ({ requestId, level: 0, leafSet: true }), done);
  }

  /** A reply: resolves the request it answers (a late or unknown one is ignored). */
  onReply(reply: NeighbourReply): void {
    this.pending.resolve(reply.requestId, reply.nodes);
  }

  /**
   * The asked node does not know this node's address yet and wants its cookie echoed: the request is
   * sent again with it, once, and the cookie kept for later requests to that node. A retry for no
   * request waiting, or from another address than the one asked, is ignored.
   */
  onRetry(retry: NeighbourRetry, source?: Address): void {
    const a = this.asked.get(retry.requestId);
    if (!a || a.retried || (source && !sameAddress(source, a.to.address))) return;
    a.retried = true;
    this.cookies.refresh(peerKey(a.to.address), { cookie: retry.cookie, at: this.port.now() });
    const { padding: _padding, ...request } = a.request;
    a.request = { ...request, cookie: retry.cookie };
    this.port.send(a.to, { kind: 'neighbourRequest', neighbourRequest: a.request });
  }

  /** Sends a NeighbourRequest under a fresh id; `done` gets the reply's nodes, or undefined on timeout. */
  private ask(to: NodeHandle, request: (requestId: number) => NeighbourRequest, done: (nodes: readonly NodeHandle[] | undefined) => void): void {
    const requestId = this.ids.next();
    // A loaded peer answers slowly: never wait less than a few of its measured retransmission timeouts.
    const timeoutMs = Math.max(this.timeoutMs, 3 * this.port.health.rto(to.guid.hex, 0));
    const answered = (nodes: readonly NodeHandle[] | undefined): void => {
      this.asked.delete(requestId);
      done(nodes);
    };
    if (!this.pending.register(requestId, timeoutMs, answered)) {
      done(undefined);
      return;
    }
    // With a cookie from this node (of the current bucket) it answers in full; without one the request
    // is padded so that a NeighbourRetry, the most an unknown asker gets, is never larger than it.
    const held = this.cookies.get(peerKey(to.address));
    const fresh = held !== undefined && this.port.now() - held.at < DEFAULTS.cookieBucketMs;
    const req: NeighbourRequest = fresh ? { ...request(requestId), cookie: held.cookie } : { ...request(requestId), padding: DEFAULTS.neighbourRequestPaddingBytes };
    this.asked.set(requestId, { to, request: req, retried: false });
    this.port.send(to, { kind: 'neighbourRequest', neighbourRequest: req });
  }
}
