/**
 * Asking peers for their entries (NeighbourRequest / NeighbourReply): a request under a fresh id,
 * answered once or timed out. Join, repair and the leaf-set exchange all ask this way.
 */
import type { NodeHandle } from '../routing/handle';
import type { Writable } from '../routing/messages';
import type { PendingRequests, RequestIds } from '../routing/pendingRequests';
import type { NeighbourReply, NeighbourRequest } from './messages';
import type { MembershipPort } from './port';

export class NeighbourAsk {
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

  /** Sends a NeighbourRequest under a fresh id; `done` gets the reply's nodes, or undefined on timeout. */
  private ask(to: NodeHandle, request: (requestId: number) => NeighbourRequest, done: (nodes: readonly NodeHandle[] | undefined) => void): void {
    const requestId = this.ids.next();
    // A loaded peer answers slowly: never wait less than a few of its measured retransmission timeouts.
    const timeoutMs = Math.max(this.timeoutMs, 3 * this.port.health.rto(to.guid.hex, 0));
    if (!this.pending.register(requestId, timeoutMs, done)) {
      done(undefined);
      return;
    }
    this.port.send(to, { kind: 'neighbourRequest', neighbourRequest: request(requestId) });
  }
}
