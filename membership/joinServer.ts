/**
 * Serving joins: the surrogate's acknowledged multicast to every node sharing the joining node's
 * longest prefix (JSAC 2004 §III-C), each receiver's part in it (fan out down the tree, add the
 * joining node, acknowledge once the subtree has), the surrogate's reply, and the neighbour requests
 * a joining or repairing node asks.
 */
import { DEFAULTS } from '../defaults';
import type { Address, NodeHandle } from '../routing/handle';
import type { ReturnRoutability } from '../routing/returnRoutability';
import type { RequestIds } from '../routing/pendingRequests';
import type { Admission } from './admission';
import { joinHoles, type HoleMemory } from './holes';
import type { LeafSet } from './leafSet';
import type { JoinMulticast, JoinMulticastAck, JoinReply, MembershipMsg, NeighbourRequest } from './messages';
import { multicastChildren } from './multicast';
import type { MembershipPort, MembershipStats } from './port';

interface MulticastState {
  readonly joining: NodeHandle;
  readonly joinId: number;
  /** Who to acknowledge (absent at the surrogate, which answers the joining node instead). */
  readonly parent?: { readonly to: NodeHandle; readonly multicastId: number };
  readonly waiting: Set<string>;
  readonly reached: NodeHandle[];
  /** The surrogate's shared prefix length with the joining node. */
  readonly level: number;
  done: boolean;
}

export class JoinServer {
  /** Multicasts this node forwarded and waits on, by its own id (each ends by acknowledgement or timeout). */
  private readonly multicasts = new Map<number, MulticastState>();

  constructor(
    private readonly port: MembershipPort,
    private readonly leafSet: LeafSet,
    private readonly admission: Admission,
    private readonly ids: RequestIds,
    private readonly stats: MembershipStats,
    private readonly requestTimeoutMs: number,
    /** Recent joining nodes' holes, to pass on nodes that fill them. */
    private readonly holes: HoleMemory,
    /**
     * Which addresses proved they receive what is sent to them, and what unproven ones may still be
     * sent (absent: a test's node whose every asker counts as proven).
     */
    private readonly routability?: ReturnRoutability,
  ) {}

  /**
   * This node is the joining node's surrogate. A join request names an address nobody checked: the
   * multicast (and every candidate, challenge and reply it draws to that address) waits until a ping
   * to it, no larger than the request, is answered from there by the joining GUID. A request naming
   * someone who is not joining costs that someone one small ping.
   */
  startMulticast(joining: NodeHandle, joinId: number): void {
    if (joining.guid.equals(this.port.self.guid)) {
      this.multicastNow(joining, joinId);
      return;
    }
    this.admission.probe(joining.address, this.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(joining.guid)) this.multicastNow(joining, joinId);
      else this.stats.joinsUnverified++;
    }, { challenge: false, stranger: true });
  }

  /** Multicast to every node sharing the joining node's longest prefix. */
  private multicastNow(joining: NodeHandle, joinId: number): void {
    this.stats.joinsServed++;
    const level = this.port.table.slotOf(joining.guid)?.level ?? this.port.table.levels;
    const multicastId = this.ids.next();
    const st: MulticastState = { joining, joinId, waiting: new Set(), reached: [this.port.self], level, done: false };
    this.multicasts.set(multicastId, st);
    // The joining node's holes as this node sees them; it remembers them too, as every receiver does.
    const holes = joinHoles(this.port.table, joining.guid);
    this.fanOut(multicastId, st, level, holes);
    this.offer(joining, this.holes.arrive(joining, holes, this.port.now()));
  }

  onMulticast(m: JoinMulticast, parent: NodeHandle): void {
    this.stats.multicastsReceived++;
    const multicastId = this.ids.next();
    const st: MulticastState = {
      joining: m.joining, joinId: m.joinId, parent: { to: parent, multicastId: m.multicastId }, waiting: new Set(),
      reached: [this.port.self], level: m.level, done: false,
    };
    this.multicasts.set(multicastId, st);
    this.fanOut(multicastId, st, m.level, m.holes);
    this.offer(m.joining, this.holes.arrive(m.joining, m.holes, this.port.now()));
  }

  /** This node learned `node`: a recent joining node with a hole it fills hears of it. */
  onLearned(node: NodeHandle): void {
    for (const joining of this.holes.learned(node, this.port.now())) this.offer(joining, [node]);
  }

  private offer(joining: NodeHandle, nodes: readonly NodeHandle[]): void {
    if (nodes.length === 0) return;
    this.stats.holeCandidatesSent += nodes.length;
    this.port.send(joining, { kind: 'candidates', candidates: { nodes } });
  }

  /** A child's subtree is done: collect what it reached, and complete once every child has answered. */
  onAck(ack: JoinMulticastAck, from: NodeHandle): void {
    const st = this.multicasts.get(ack.multicastId);
    if (!st || st.done) return;
    st.waiting.delete(from.guid.hex);
    for (const n of ack.reached) if (st.reached.length < DEFAULTS.maxJoinReached) st.reached.push(n);
    if (st.waiting.size === 0) this.completeMulticast(ack.multicastId, st);
  }

  /**
   * Answers a neighbour request: a level's entries, or the leaf set. The answer goes to the address the
   * request came from (`source`), never to the one its frame names; to an address not yet proven
   * return-routable it carries no more bytes than that address sent (routing/returnRoutability.ts),
   * else a cookie to echo goes back instead (a NeighbourRetry), or nothing when even that does not fit.
   */
  onNeighbourRequest(req: NeighbourRequest, from: NodeHandle, source?: Address): void {
    this.stats.neighbourRequestsServed++;
    const { requestId, level, perSlot, leafSet, slots, cookie } = req;
    const now = this.port.now();
    const to: NodeHandle = source ? { guid: from.guid, address: source } : from;
    const nodes = leafSet ? this.leafSet.members() : this.entriesAt(level, perSlot, slots);
    const reply: MembershipMsg = { kind: 'neighbourReply', neighbourReply: { requestId, level, nodes } };
    const rr = this.routability;
    if (source && rr && !rr.isProven(source, now) && !(cookie && rr.checkCookie(source, cookie, now))) {
      if (!rr.spend(source, this.sizeOf(reply), now)) {
        const retry: MembershipMsg = { kind: 'neighbourRetry', neighbourRetry: { requestId, cookie: rr.cookie(source, now) } };
        if (rr.spend(source, this.sizeOf(retry), now)) {
          this.stats.neighbourRetriesSent++;
          this.port.send(to, retry);
        } else this.stats.answersWithheld++;
        return;
      }
    }
    // An asker for the leaf set thinks it is near: if it belongs in this one and is missing, measure it.
    if (leafSet && this.leafSet.wouldTake(from.guid)) this.admission.measureAndLearn(to, source !== undefined);
    this.port.send(to, reply);
  }

  private sizeOf(msg: MembershipMsg): number {
    return this.port.sizeOf?.(msg) ?? 0;
  }

  /**
   * Forwards the multicast down the tree and adds the joining node here (the modules hear of it by
   * their update upcall: location hands it the pointers it now roots).
   */
  private fanOut(multicastId: number, st: MulticastState, level: number, holes: readonly number[]): void {
    const children = multicastChildren(this.port.table, level).filter((c) => !c.to.guid.equals(st.joining.guid));
    for (const child of children) {
      st.waiting.add(child.to.guid.hex);
      this.port.send(child.to, { kind: 'multicast', multicast: { joining: st.joining, joinId: st.joinId, level: child.level, multicastId, holes } });
    }
    if (!st.joining.guid.equals(this.port.self.guid)) {
      const joining = st.joining;
      // With an authenticating provider the joining node is challenged first, and added once it proved its GUID.
      this.admission.whenProven(joining, (rtt) => this.admission.learn(joining, rtt), true);
    }
    if (st.waiting.size === 0) this.completeMulticast(multicastId, st);
    else this.port.after(this.requestTimeoutMs, () => this.completeMulticast(multicastId, st));
  }

  private completeMulticast(multicastId: number, st: MulticastState): void {
    if (st.done) return;
    st.done = true;
    this.multicasts.delete(multicastId);
    if (st.parent) {
      this.port.send(st.parent.to, { kind: 'multicastAck', multicastAck: { multicastId: st.parent.multicastId, reached: st.reached.slice(0, DEFAULTS.maxJoinReached) } });
    } else {
      const reply: JoinReply = { joinId: st.joinId, surrogate: this.port.self, level: st.level, neighbours: this.withLeafSet(st.reached, st.joining) };
      this.port.send(st.joining, { kind: 'joinReply', joinReply: reply });
    }
  }

  /**
   * The nodes the multicast reached, then this node's leaf set (≤ DEFAULTS.maxJoinReached in all).
   * The surrogate is the joining node's nearest in prefix, so its leaf set holds most of the joining
   * node's ring neighbours: measured first, and later told of the new node by its Adopt, they put
   * it in their leaf sets and it puts them in its own (Pastry hands a joining node its leaf set the
   * same way). Without them a leaf set held only the nodes its owner happened to measure.
   */
  private withLeafSet(reached: readonly NodeHandle[], joining: NodeHandle): NodeHandle[] {
    const out = reached.slice(0, DEFAULTS.maxJoinReached);
    const seen = new Set(out.map((n) => n.guid.hex));
    for (const n of this.leafSet.members()) {
      if (out.length >= DEFAULTS.maxJoinReached) break;
      if (seen.has(n.guid.hex) || n.guid.equals(joining.guid)) continue;
      seen.add(n.guid.hex);
      out.push(n);
    }
    return out;
  }

  /**
   * Entries at one level, plus the backpointers that share exactly that many digits (JSAC's
   * "backpointers at that level"); with `slots` (bit d = digit d) > 0, only those slots' entries and
   * backpointers.
   */
  entriesAt(level: number, perSlot = 0, slots = 0): NodeHandle[] {
    const table = this.port.table;
    const out: NodeHandle[] = [];
    if (level < 0 || level >= table.levels) return out;
    const bits = table.space.digitBits;
    const wanted = (d: number): boolean => slots === 0 || d >= 32 || ((slots >>> d) & 1) === 1;
    // Primaries first, then backups, so an asker that measures only a few per slot takes the best.
    const ranks = perSlot > 0 ? Math.min(perSlot, table.slotSize) : table.slotSize;
    for (let rank = 0; rank < ranks; rank++) {
      for (let d = 0; d < table.base; d++) {
        if (!wanted(d)) continue;
        const e = table.slot(level, d)[rank];
        if (e && out.length < DEFAULTS.maxNeighbourReply) out.push(e.handle);
      }
    }
    // The table keeps backpointers by level: no scan of the whole set per request.
    let backs = 0;
    for (const b of table.backpointersAt(level)) {
      if (out.length >= DEFAULTS.maxNeighbourReply || backs >= table.base) break;
      if (!wanted(b.guid.digit(level, bits))) continue;
      out.push(b);
      backs++;
    }
    return out;
  }
}
