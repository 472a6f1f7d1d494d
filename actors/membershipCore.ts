/**
 * Membership at run time: the membership module (join requests, the acknowledged multicast,
 * neighbour requests, adopt, leave notices, pointer hand-over) and the joining side's procedure.
 * The decisions are the pure functions of membership/; this class sends what they decide. Its only
 * timers go through the host (`after`, a delayed event of the router actor), so the node's clock
 * drives them.
 */
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { TimeoutError } from '../errors';
import type { Guid, IdSpace } from '../routing/guid';
import { sharedPrefixLength } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';
import { nextHop, rootWithout } from '../routing/nextHop';
import type { RoutingTable } from '../routing/routingTable';
import { saltedRoot } from '../location/saltedRoots';
import { LeafSet, type LeafChange } from '../membership/leafSet';
import { multicastChildren, tableHoles } from '../membership/multicast';
import { closestK, levelCandidates } from '../membership/neighbours';
import { replacementFor } from '../membership/replacement';
import type { Delivery, UpcallModule } from '../upcalls/contract';
import { decodeMembership, encodeMembership } from '../wire/membershipCodec';
import { MEMBERSHIP_MODULE_ID, type Adopt, type NeighbourRequest, type JoinMulticast, type JoinReply, type MembershipMsg } from '../membership/messages';
import { type PublishMsg } from '../location/messages';
import { type Writable } from '../routing/messages';
import type { ObjectLocatorCore } from './objectLocatorCore';
import type { PingDone, PingOptions, PingReply, RouteRequest } from './routerRuntime';
import { ProvenPeers } from '../security/provenPeers';
import type { SecurityProvider } from '../security/provider';

/** What membership needs from its node. */
export interface MembershipHost {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  readonly log: bunyan;
  readonly locator: ObjectLocatorCore;
  now(): number;
  route(req: RouteRequest): void;
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number): void;
  /** Pings an address; `done` runs in the event that ends the ping (never on the microtask queue). */
  ping(to: Address, timeoutMs: number, done: PingDone, opts?: PingOptions): void;
  /** A one-shot timer on the node's clock. */
  after(ms: number, fire: () => void): void;
  /** The routing table gained or lost neighbours (the node may go ALONE ↔ ACTIVE). */
  peersChanged(): void;
  /** A node joined or left this node's neighbourhood: modules' update upcalls, leaf-set events. */
  neighbourUpdate(node: NodeHandle, joined: boolean, leafChange: LeafChange | undefined): void;
  /**
   * When it authenticates, a peer enters the table, leaf set or backpointers only after a ping it
   * answered with proof of its GUID's key. Absent = `none`: every peer is taken at its word.
   */
  readonly security?: SecurityProvider;
}

export interface MembershipOptions {
  /** Nodes kept per level while filling the table (k). */
  readonly k: number;
  /** How long a ping, a neighbour request or a multicast acknowledgement may take (ms). */
  readonly requestTimeoutMs: number;
  /** How long the whole join may wait for the surrogate's reply (ms). */
  readonly joinTimeoutMs: number;
}

export interface MembershipStats {
  joinsServed: number;
  multicastsReceived: number;
  neighbourRequestsServed: number;
  adopted: number;
  leavesReceived: number;
  pointersHandedOver: number;
  pointersTakenOver: number;
  malformed: number;
  timeouts: number;
  repairs: number;
  failuresDetected: number;
  /** Pongs that did not prove the answerer's GUID (no proof, a key that is not its GUID's, a bad signature): never admitted. */
  forgedCredentials: number;
  /** Peers that proved their GUID to this node (a signed nonce answered). */
  peersProven: number;
}

/** Latency given to a node added before anyone measured it; the first real measurement replaces it. */
const UNMEASURED_MS = 1e6;

/** Admissions of one peer that may wait on its proof; more are dropped (the first ones add it anyway). */
const MAX_WAITING_PER_PROOF = 8;

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

export class MembershipCore implements UpcallModule {
  readonly id = MEMBERSHIP_MODULE_ID;
  readonly name = 'membership';
  readonly leafSet: LeafSet;
  readonly stats: MembershipStats = {
    joinsServed: 0, multicastsReceived: 0, neighbourRequestsServed: 0, adopted: 0, leavesReceived: 0,
    pointersHandedOver: 0, pointersTakenOver: 0, malformed: 0, timeouts: 0, repairs: 0, failuresDetected: 0,
    forgedCredentials: 0, peersProven: 0,
  };
  /** Peers seen proving their GUID at their address (bounded); consulted before any admission. */
  private readonly proven = new ProvenPeers(DEFAULTS.maxProvenPeers);
  /** Admissions waiting for a proof: GUID hex → what to do once the peer proved itself (bounded by pending pings). */
  private readonly proving = new Map<string, Array<(rtt: number) => void>>();
  private readonly authenticates: boolean;
  private readonly multicasts = new Map<number, MulticastState>();
  private readonly joinWaits = new Map<number, (reply: JoinReply) => void>();
  private readonly requests = new Map<number, (nodes: readonly NodeHandle[] | undefined) => void>();
  private readonly idBytes: 20 | 32;
  private nextId = 1;

  constructor(
    private readonly host: MembershipHost,
    private readonly opts: MembershipOptions,
  ) {
    this.idBytes = host.space.bytes as 20 | 32;
    this.authenticates = host.security?.authenticates === true;
    this.leafSet = new LeafSet(host.self.guid);
    for (const n of host.table.neighbours()) this.leafSet.add(n);
  }

  // ---- Joining -----------------------------------------------------------------------------
  // Every step continues from the event that completes the one before (a pong, a reply, a timer),
  // never from a promise: in the simulator those events are virtual time, the microtask queue is not.

  /**
   * Joins the mesh through the first bootstrap address that answers; `done(true)` once the routing
   * table is filled, `done(false)` when no bootstrap address led to a surrogate.
   */
  join(bootstrap: readonly Address[], done: (joined: boolean) => void): void {
    const tryAt = (i: number): void => {
      if (i >= bootstrap.length) {
        done(false);
        return;
      }
      this.probe(bootstrap[i], this.opts.requestTimeoutMs, (gateway) => {
        if (!gateway || gateway.peer.guid.equals(this.host.self.guid)) {
          tryAt(i + 1);
          return;
        }
        this.askToJoin(gateway.peer, (reply) => (reply ? this.fillTable(reply, () => done(true)) : tryAt(i + 1)));
      });
    };
    tryAt(0);
  }

  private askToJoin(gateway: NodeHandle, done: (reply: JoinReply | undefined) => void): void {
    const joinId = this.newId();
    this.joinWaits.set(joinId, done);
    this.host.after(this.opts.joinTimeoutMs, () => {
      if (this.joinWaits.delete(joinId)) {
        this.stats.timeouts++;
        done(undefined);
      }
    });
    this.send(gateway, { kind: 'joinRequest', joinRequest: { joining: this.host.self, joinId } });
  }

  /**
   * Fills the table from the deepest shared level down (JSAC §III-C): measure the nodes known for
   * a level, keep the k closest, ask them for their entries at the next level up, repeat down to
   * level 0. Then tell every node measured that this node exists (they may adopt it).
   */
  private fillTable(reply: JoinReply, done: () => void): void {
    /** `admitted`: the node's pong said this round trip gets this node into its table. */
    const measured = new Map<string, { handle: NodeHandle; rtt: number; admitted: boolean }>();
    const digitBits = this.host.space.digitBits;
    const measure = (nodes: readonly NodeHandle[], then: () => void): void => {
      const todo = nodes.filter((n) => !measured.has(n.guid.hex) && !n.guid.equals(this.host.self.guid));
      const unique = [...new Map(todo.map((n) => [n.guid.hex, n])).values()];
      let left = unique.length;
      if (left === 0) {
        then();
        return;
      }
      for (const n of unique) {
        this.probe(n.address, this.opts.requestTimeoutMs, (r) => {
          if (r && r.peer.guid.equals(n.guid)) {
            measured.set(n.guid.hex, { handle: n, rtt: r.rtt, admitted: r.rtt < (r.admitBelowMs ?? 0) });
            this.learn(n, r.rtt);
          } else {
            this.stats.timeouts++;
          }
          if (--left === 0) then();
        }, { admission: true });
      }
    };
    const stepDown = (level: number, list: NodeHandle[]): void => {
      if (level < 0) {
        // Every node measured learns the round trip: it may adopt this node (JSAC's goal d). One whose
        // pong said it would is a backpointer from now on, and answers only if it did not after all.
        for (const { handle, rtt, admitted } of measured.values()) {
          if (admitted) this.host.table.addBackpointer(handle);
          this.sendAdopt(handle, rtt, false, admitted);
        }
        done();
        return;
      }
      this.askAll(list, level, (answers) => {
        const candidates = this.perSlot(levelCandidates(this.host.self.guid, level, [list, ...answers], digitBits), measured);
        measure(candidates, () => {
          const samples = candidates.flatMap((c) => {
            const m = measured.get(c.guid.hex);
            return m ? [m] : [];
          });
          stepDown(level - 1, samples.length > 0 ? closestK(samples, this.opts.k) : list);
        });
      });
    };
    const deepest = Math.min(reply.level, this.host.space.digits - 1);
    measure([reply.surrogate, ...reply.neighbours], () => {
      // The level's own nodes start the descent; the surrogate's leaf set, also measured, may share fewer digits.
      const all = [...measured.values()];
      const atLevel = all.filter((m) => sharedPrefixLength(m.handle.guid, this.host.self.guid, digitBits) >= deepest);
      stepDown(deepest, closestK(atLevel.length > 0 ? atLevel : all, this.opts.k));
    });
  }

  /**
   * Caps the candidates to measure at slotSize per slot not yet measured, in the order the nearest
   * neighbours listed them (their own nearest first): most of the slots' best nodes, a fraction of the pings.
   */
  private perSlot(candidates: readonly NodeHandle[], measured: ReadonlyMap<string, unknown>): NodeHandle[] {
    const bits = this.host.space.digitBits;
    const taken = new Map<number, number>();
    const out: NodeHandle[] = [];
    for (const c of candidates) {
      if (measured.has(c.guid.hex)) {
        out.push(c);
        continue;
      }
      const l = sharedPrefixLength(this.host.self.guid, c.guid, bits);
      if (l >= this.host.table.levels) continue;
      const slot = l * this.host.table.base + c.guid.digit(l, bits);
      const n = taken.get(slot) ?? 0;
      if (n >= this.host.table.slotSize) continue;
      taken.set(slot, n + 1);
      out.push(c);
    }
    return out;
  }

  /** Asks every node of `list` (nearest first) for its entries at `level`; `done` gets the answers (empty ones on timeout). */
  private askAll(list: readonly NodeHandle[], level: number, done: (answers: Array<readonly NodeHandle[]>) => void): void {
    const answers: Array<readonly NodeHandle[]> = [];
    let left = list.length;
    if (left === 0) {
      done(answers);
      return;
    }
    list.forEach((n, i) => {
      // The nearest node gives its whole level; the others only their best per slot, which they
      // mostly share with it (a third of the bytes for 0.4 points of table quality, see DEFAULTS).
      this.askNeighbours(n, level, i === 0 ? 0 : DEFAULTS.joinPerSlotOthers, (nodes) => {
        answers.push(nodes);
        if (--left === 0) done(answers);
      });
    });
  }

  /** A node's entries at `level` (empty on timeout). */
  private askNeighbours(to: NodeHandle, level: number, perSlot: number, done: (nodes: readonly NodeHandle[]) => void): void {
    this.ask(to, (requestId) => (perSlot > 0 ? { requestId, level, perSlot } : { requestId, level }), (nodes) => done(nodes ?? []));
  }

  /** A node's leaf set (undefined on timeout). */
  private askLeafSet(to: NodeHandle, done: (nodes: readonly NodeHandle[] | undefined) => void): void {
    this.ask(to, (requestId) => ({ requestId, level: 0, leafSet: true }), done);
  }

  /** Sends a NeighbourRequest under a fresh id; `done` gets the reply's nodes, or undefined on timeout. */
  private ask(to: NodeHandle, request: (requestId: number) => NeighbourRequest, done: (nodes: readonly NodeHandle[] | undefined) => void): void {
    const requestId = this.newId();
    this.requests.set(requestId, done);
    this.host.after(this.opts.requestTimeoutMs, () => {
      if (this.requests.delete(requestId)) {
        this.stats.timeouts++;
        done(undefined);
      }
    });
    this.send(to, { kind: 'neighbourRequest', neighbourRequest: request(requestId) });
  }

  // ---- Repair --------------------------------------------------------------------------------

  /**
   * Soft-state table repair, every `periodMs`: ask one neighbour that shares a level's prefix for
   * its entries at that level, and measure the nodes that would fill a slot with room. This is what
   * makes concurrent joins converge (two nodes that joined at once learn of each other) and what
   * fills the holes failures leave. Levels are visited in turn; the first round is spread by GUID.
   */
  startRepair(periodMs: number): void {
    if (periodMs <= 0) return;
    const offset = (periodMs * (this.host.self.guid.bytes[0] + 1)) / 257;
    const tick = (): void => {
      this.repairOnce();
      this.host.after(periodMs, tick);
    };
    this.host.after(offset, tick);
  }

  private repairRound = 0;

  repairOnce(): void {
    this.exchangeLeafSet();
    const table = this.host.table;
    let deepest = -1;
    for (let l = table.levels - 1; l >= 0; l--) {
      if (table.levelSize(l) > 0) {
        deepest = l;
        break;
      }
    }
    if (deepest < 0) return;
    const round = this.repairRound++;
    const level = round % (deepest + 1);
    const peers: NodeHandle[] = [];
    for (let l = level; l <= deepest; l++) {
      for (let d = 0; d < table.base; d++) for (const e of table.slot(l, d)) if (!e.handle.guid.equals(this.host.self.guid)) peers.push(e.handle);
    }
    if (peers.length === 0) return;
    this.stats.repairs++;
    const peer = peers[(round * 7919) % peers.length];
    this.askNeighbours(peer, level, 0, (nodes) => {
      const bits = this.host.space.digitBits;
      for (const n of nodes) {
        if (n.guid.equals(this.host.self.guid) || table.has(n.guid)) continue;
        const l = sharedPrefixLength(this.host.self.guid, n.guid, bits);
        if (l >= table.levels) continue;
        if (table.slot(l, n.guid.digit(l, bits)).length < table.slotSize) this.measureAndLearn(n);
      }
    });
  }

  /**
   * Leaf-set maintenance, one step per repair round: ask the nearest member on one side (the sides
   * take turns) for its leaf set, and measure every node in it that belongs in this one. A join
   * leaves some leaf sets short of a true neighbour (it learns only the nodes its search measured);
   * this closes the gap the way Pastry's leaf-set exchange does, each neighbour's view correcting the
   * other's. The asked node does the same with the asker (see 'neighbourRequest').
   *
   * A leaf-set member outside the routing table gets no heartbeat, so this is also where failed
   * members go: the asked node when it is silent, and one other member per round, in turn, checked
   * with a liveness ping.
   */
  private exchangeLeafSet(): void {
    const round = this.leafRound++;
    const side = round % 2 === 0 ? this.leafSet.smaller() : this.leafSet.larger();
    if (side.length === 0) return;
    const nearest = side[0];
    this.askLeafSet(nearest, (nodes) => {
      if (nodes === undefined) this.dropIfSilent(nearest);
      else for (const n of nodes) if (this.leafSet.wouldTake(n.guid)) this.measureAndLearn(n);
    });
    const other = side[(round >> 1) % side.length];
    if (other !== nearest) this.dropIfSilent(other);
  }

  private leafRound = 0;

  /**
   * Pings a member, twice if need be (one lost datagram is no failure); one that answers neither is
   * dropped as failed, its slot mended if it was in the table. A proven peer is only checked for life.
   */
  private dropIfSilent(node: NodeHandle, retries = 1): void {
    this.probe(node.address, this.opts.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(node.guid)) return;
      if (retries > 0) this.dropIfSilent(node, retries - 1);
      else if (this.host.table.has(node.guid)) this.failed(node);
      else this.forget(node.guid);
    }, { challenge: !this.proven.has(node) });
  }

  // ---- Failure detection -------------------------------------------------------------------

  private readonly misses = new Map<string, number>();

  /**
   * Heartbeats: every `periodMs` each primary neighbour is pinged (backups every fourth round); one that misses `maxMisses`
   * heartbeats in a row is taken as failed: dropped (its slot's first backup takes over) and, when
   * that leaves the slot empty, the slot is repaired from a neighbour's entries at that level.
   */
  startHeartbeat(periodMs: number, maxMisses: number): void {
    if (periodMs <= 0) return;
    const offset = (periodMs * (this.host.self.guid.bytes[1] + 1)) / 257;
    let round = 0;
    const tick = (): void => {
      // Backups are checked every fourth round: cheaper, and they are only used after a primary fails.
      this.heartbeat(Math.min(this.opts.requestTimeoutMs, periodMs), maxMisses, round++ % 4 === 0);
      this.host.after(periodMs, tick);
    };
    this.host.after(offset, tick);
  }

  private heartbeat(timeoutMs: number, maxMisses: number, withBackups: boolean): void {
    const table = this.host.table;
    const seen = new Set<string>();
    for (let l = 0; l < table.levels; l++) {
      if (table.levelSize(l) === 0) continue;
      for (let d = 0; d < table.base; d++) for (const [rank, e] of table.slot(l, d).entries()) {
        if (rank > 0 && !withBackups) break;
        const p = e.handle;
        if (p.guid.equals(this.host.self.guid) || seen.has(p.guid.hex)) continue;
        seen.add(p.guid.hex);
        // A neighbour that already proved its GUID at this address is only checked for life: a fresh
        // challenge would cost it a signature, and this node a verification, every round.
        this.probe(p.address, timeoutMs, (r) => {
          if (r && r.peer.guid.equals(p.guid)) {
            this.misses.delete(p.guid.hex);
            return;
          }
          const missed = (this.misses.get(p.guid.hex) ?? 0) + 1;
          this.misses.set(p.guid.hex, missed);
          if (missed >= maxMisses) this.failed(p);
        }, { challenge: !this.proven.has(p) });
      }
    }
  }

  /** A neighbour did not acknowledge a hop: ping it now, and drop it if it does not answer either. */
  suspect(node: NodeHandle): void {
    if (!this.host.table.has(node.guid) || this.suspected.has(node.guid.hex)) return;
    this.suspected.add(node.guid.hex);
    this.probe(node.address, this.opts.requestTimeoutMs, (r) => {
      this.suspected.delete(node.guid.hex);
      if (!r || !r.peer.guid.equals(node.guid)) this.failed(node);
    });
  }

  /** Neighbours being checked after a silent hop (bounded by the table's size). */
  private readonly suspected = new Set<string>();

  /** A neighbour stopped answering: drop it and mend the slot it leaves empty. */
  private failed(node: NodeHandle): void {
    this.misses.delete(node.guid.hex);
    if (!this.host.table.has(node.guid)) return;
    this.stats.failuresDetected++;
    const bits = this.host.space.digitBits;
    const level = sharedPrefixLength(this.host.self.guid, node.guid, bits);
    const digit = node.guid.digit(level, bits);
    this.forget(node.guid);
    const promoted = this.host.table.primary(level, digit);
    if (promoted) {
      // The backup that took over may have failed too (failures come together): check it at once.
      this.probe(promoted.address, this.opts.requestTimeoutMs, (r) => {
        if (!r || !r.peer.guid.equals(promoted.guid)) this.failed(promoted);
      });
      return;
    }
    // Ask a node that shares this level's prefix for its entries there.
    for (let l = level; l < this.host.table.levels; l++) {
      for (let d = 0; d < this.host.table.base; d++) {
        const peer = this.host.table.primary(l, d);
        if (!peer || peer.guid.equals(this.host.self.guid)) continue;
        this.askNeighbours(peer, level, 0, (nodes) => {
          for (const n of nodes) {
            if (n.guid.equals(node.guid) || n.guid.equals(this.host.self.guid) || this.host.table.has(n.guid)) continue;
            if (sharedPrefixLength(this.host.self.guid, n.guid, bits) === level && n.guid.digit(level, bits) === digit) this.measureAndLearn(n);
          }
        });
        return;
      }
    }
  }

  // ---- Leaving -------------------------------------------------------------------------------

  /**
   * Leaves on purpose: every node that lists this one hears of a replacement for its slot, and the
   * pointers this node roots go to the nodes that root them once it is gone.
   */
  leave(): void {
    const table = this.host.table;
    for (const back of table.backpointers()) {
      const replacement = replacementFor(table, back.guid);
      this.send(back, { kind: 'leave', leave: { leaving: this.host.self, replacement } });
    }
    // Neighbours that this node lists but that do not list it also drop it at once.
    for (const n of table.neighbours()) {
      if (!table.hasBackpointer(n.guid)) this.send(n, { kind: 'leave', leave: { leaving: this.host.self } });
    }
    this.handOverRooted((dest) => (nextHop(table, dest, 0).kind === 'root' ? rootWithout(table, dest) : undefined));
  }

  // ---- The upcall --------------------------------------------------------------------------

  deliver(d: Delivery): void {
    let msg: MembershipMsg;
    try {
      msg = decodeMembership(d.payload, { idBytes: this.idBytes });
    } catch {
      this.stats.malformed++;
      return;
    }
    const from = d.from ?? d.source;
    switch (msg.kind) {
      case 'joinRequest': {
        const { joining } = msg.joinRequest;
        if (d.dest.equals(joining.guid)) this.startMulticast(joining, msg.joinRequest.joinId);
        else this.host.route({ dest: joining.guid, fuzzy: true, ttl: DEFAULTS.defaultTtl, moduleId: MEMBERSHIP_MODULE_ID, payload: d.payload });
        return;
      }
      case 'multicast':
        this.onMulticast(msg.multicast, from);
        return;
      case 'multicastAck': {
        const st = this.multicasts.get(msg.multicastAck.multicastId);
        if (!st || st.done) return;
        st.waiting.delete(from.guid.hex);
        for (const n of msg.multicastAck.reached) if (st.reached.length < DEFAULTS.maxJoinReached) st.reached.push(n);
        if (st.waiting.size === 0) this.completeMulticast(msg.multicastAck.multicastId, st);
        return;
      }
      case 'joinReply': {
        const wait = this.joinWaits.get(msg.joinReply.joinId);
        if (wait) {
          this.joinWaits.delete(msg.joinReply.joinId);
          wait(msg.joinReply);
        }
        return;
      }
      case 'neighbourRequest': {
        this.stats.neighbourRequestsServed++;
        const { requestId, level, perSlot, leafSet } = msg.neighbourRequest;
        // An asker for the leaf set thinks it is near: if it belongs in this one and is missing, measure it.
        if (leafSet && this.leafSet.wouldTake(from.guid)) this.measureAndLearn(from);
        const nodes = leafSet ? this.leafSet.members() : this.entriesAt(level, perSlot);
        this.send(from, { kind: 'neighbourReply', neighbourReply: { requestId, level, nodes } });
        return;
      }
      case 'neighbourReply': {
        const resolve = this.requests.get(msg.neighbourReply.requestId);
        if (resolve) {
          this.requests.delete(msg.neighbourReply.requestId);
          resolve(msg.neighbourReply.nodes);
        }
        return;
      }
      case 'adopt': {
        this.stats.adopted++;
        const { rttMs, listsYou, answer, expectListed } = msg.adopt;
        // Nothing of the sender's is kept (backpointer, entry) before it proved its GUID.
        this.whenProven(from, () => {
          if (listsYou) this.host.table.addBackpointer(from);
          // An answer that says we are not listed after all: the sender is no backpointer.
          else if (answer) this.host.table.removeBackpointer(from.guid);
          this.learn(from, rttMs);
          // Answer once, only when the sender's expectation is wrong (by default it expects not to be
          // listed), so it keeps its backpointers right; never answer an answer.
          if (!answer && this.host.table.has(from.guid) !== (expectListed === true)) this.sendAdopt(from, rttMs, true);
        });
        return;
      }
      case 'leave': {
        this.stats.leavesReceived++;
        const { leaving, replacement } = msg.leave;
        this.forget(leaving.guid);
        if (replacement && !replacement.guid.equals(this.host.self.guid)) this.measureAndLearn(replacement);
        return;
      }
      case 'handOver':
        for (const p of msg.handOver.pointers) this.takeOver(p);
        return;
    }
  }

  // ---- Serving joins -----------------------------------------------------------------------

  /** This node is the joining node's surrogate: multicast to every node sharing the longest prefix. */
  private startMulticast(joining: NodeHandle, joinId: number): void {
    this.stats.joinsServed++;
    const level = sharedPrefixLength(this.host.self.guid, joining.guid, this.host.space.digitBits);
    const multicastId = this.newId();
    const st: MulticastState = { joining, joinId, waiting: new Set(), reached: [this.host.self], level, done: false };
    this.multicasts.set(multicastId, st);
    this.fanOut(multicastId, st, level, []);
  }

  private onMulticast(m: JoinMulticast, parent: NodeHandle): void {
    this.stats.multicastsReceived++;
    const multicastId = this.newId();
    const st: MulticastState = {
      joining: m.joining, joinId: m.joinId, parent: { to: parent, multicastId: m.multicastId }, waiting: new Set(),
      reached: [this.host.self], level: m.level, done: false,
    };
    this.multicasts.set(multicastId, st);
    this.fanOut(multicastId, st, m.level, m.holes);
  }

  /** Forwards the multicast down the tree, adds the joining node here, and hands over what it now roots. */
  private fanOut(multicastId: number, st: MulticastState, level: number, holes: readonly number[]): void {
    const children = multicastChildren(this.host.table, level).filter((c) => !c.to.guid.equals(st.joining.guid));
    for (const child of children) {
      st.waiting.add(child.to.guid.hex);
      this.send(child.to, { kind: 'multicast', multicast: { joining: st.joining, joinId: st.joinId, level: child.level, multicastId, holes } });
    }
    if (!st.joining.guid.equals(this.host.self.guid)) {
      const joining = st.joining;
      // With an authenticating provider the joining node is challenged first, and added once it proved its GUID.
      this.whenProven(joining, (rtt) => {
        this.learn(joining, rtt);
        this.handOverRooted((dest) => {
          const hop = nextHop(this.host.table, dest, 0);
          return hop.kind === 'forward' && hop.to.guid.equals(joining.guid) ? joining : undefined;
        });
      });
    }
    if (st.waiting.size === 0) this.completeMulticast(multicastId, st);
    else this.host.after(this.opts.requestTimeoutMs, () => this.completeMulticast(multicastId, st));
  }

  private completeMulticast(multicastId: number, st: MulticastState): void {
    if (st.done) return;
    st.done = true;
    this.multicasts.delete(multicastId);
    if (st.parent) {
      this.send(st.parent.to, { kind: 'multicastAck', multicastAck: { multicastId: st.parent.multicastId, reached: st.reached.slice(0, DEFAULTS.maxJoinReached) } });
    } else {
      const reply: JoinReply = { joinId: st.joinId, surrogate: this.host.self, level: st.level, neighbours: this.withLeafSet(st.reached, st.joining) };
      this.send(st.joining, { kind: 'joinReply', joinReply: reply });
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

  /** Entries at one level, plus the backpointers that share exactly that many digits (JSAC's "backpointers at that level"). */
  private entriesAt(level: number, perSlot = 0): NodeHandle[] {
    const table = this.host.table;
    const out: NodeHandle[] = [];
    if (level < 0 || level >= table.levels) return out;
    // Primaries first, then backups, so an asker that measures only a few per slot takes the best.
    const ranks = perSlot > 0 ? Math.min(perSlot, table.slotSize) : table.slotSize;
    for (let rank = 0; rank < ranks; rank++) {
      for (let d = 0; d < table.base; d++) {
        const e = table.slot(level, d)[rank];
        if (e && out.length < DEFAULTS.maxNeighbourReply) out.push(e.handle);
      }
    }
    // The table keeps backpointers by level: no scan of the whole set per request.
    let backs = 0;
    for (const b of table.backpointersAt(level)) {
      if (out.length >= DEFAULTS.maxNeighbourReply || backs >= table.base) break;
      out.push(b);
      backs++;
    }
    return out;
  }

  // ---- Admission -----------------------------------------------------------------------------

  /**
   * Pings through the security provider: an answer that does not prove the answerer's GUID is
   * counted and reads as no answer at all, so nothing built on the ping (a measurement, a heartbeat,
   * a join step) ever trusts it. A proven answer is remembered for later admissions.
   */
  private probe(to: Address, timeoutMs: number, done: PingDone, opts?: PingOptions): void {
    this.host.ping(to, timeoutMs, (r, err) => {
      if (r && !r.proven) {
        this.stats.forgedCredentials++;
        done(undefined, err);
        return;
      }
      // Only an answered challenge proves anything: a liveness ping's pong names a sender nobody checked.
      if (r && this.authenticates && r.challenged && !this.proven.has(r.peer)) {
        this.stats.peersProven++;
        this.proven.add(r.peer);
      }
      done(r, err);
    }, opts);
  }

  /**
   * Runs `then` once `node` has proven its GUID at its address: at once (latency unmeasured) when it
   * already has or the provider does not authenticate, else after a challenge ping it answers with
   * proof (with the measured round trip). A node that fails is never admitted.
   */
  private whenProven(node: NodeHandle, then: (rttMs: number) => void): void {
    if (!this.authenticates || this.proven.has(node)) {
      then(UNMEASURED_MS);
      return;
    }
    const waiting = this.proving.get(node.guid.hex);
    if (waiting) {
      if (waiting.length < MAX_WAITING_PER_PROOF) waiting.push(then);
      return;
    }
    this.proving.set(node.guid.hex, [then]);
    this.probe(node.address, this.opts.requestTimeoutMs, (r) => {
      const all = this.proving.get(node.guid.hex) ?? [];
      this.proving.delete(node.guid.hex);
      if (!r || !r.peer.guid.equals(node.guid) || !this.proven.has(node)) {
        this.stats.timeouts++;
        return;
      }
      for (const f of all) f(r.rtt);
    });
  }

  // ---- Table and leaf set --------------------------------------------------------------------

  /** Adds a node with a latency; updates the leaf set and tells modules. True when the table took it. */
  private learn(node: NodeHandle, latencyMs: number): boolean {
    if (node.guid.equals(this.host.self.guid)) return false;
    // The last gate: with an authenticating provider no unproven GUID enters the table or leaf set.
    if (this.authenticates && !this.proven.has(node)) {
      this.whenProven(node, (rtt) => this.learn(node, latencyMs === UNMEASURED_MS ? rtt : latencyMs));
      return false;
    }
    const wasEmpty = this.host.table.size === 0;
    const known = this.host.table.get(node.guid);
    // An unmeasured placeholder never overwrites a measurement.
    if (known && latencyMs === UNMEASURED_MS) return false;
    const added = this.host.table.add(node, latencyMs);
    const change = this.leafSet.add(node);
    if ((added && !known) || change) this.host.neighbourUpdate(node, true, change);
    if (wasEmpty && this.host.table.size > 0) this.host.peersChanged();
    return added;
  }

  private measureAndLearn(node: NodeHandle): void {
    this.probe(node.address, this.opts.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(node.guid)) this.learn(node, r.rtt);
      else this.stats.timeouts++;
    });
  }

  /** Removes a node that left or failed; modules hear of it. */
  forget(guid: Guid): void {
    const known = this.host.table.get(guid);
    this.host.table.remove(guid);
    this.host.table.removeBackpointer(guid);
    const change = this.leafSet.remove(guid);
    if (known || change) this.host.neighbourUpdate(known?.handle ?? change!.removed[0], false, change);
    if (this.host.table.size === 0) this.host.peersChanged();
  }

  // ---- Pointer hand-over ---------------------------------------------------------------------

  /** Sends every pointer whose salted root `newRoot` names (a node other than this one) to it. */
  private handOverRooted(newRoot: (saltedGuid: Guid) => NodeHandle | undefined): void {
    const byTarget = new Map<string, { to: NodeHandle; pointers: PublishMsg[] }>();
    const now = this.host.now();
    for (const p of this.host.locator.store.all(now)) {
      if (p.extra) continue;
      const to = newRoot(saltedRoot(p.object, p.saltIndex));
      if (!to || to.guid.equals(this.host.self.guid)) continue;
      let batch = byTarget.get(to.guid.hex);
      if (!batch) byTarget.set(to.guid.hex, (batch = { to, pointers: [] }));
      const left = Math.max(1, Math.min(DEFAULTS.maxPointerLifetimeMs, Math.round(p.expiresAt - now)));
      batch.pointers.push({
        object: p.object, server: p.server, tag: p.tag, saltIndex: p.saltIndex, sequence: p.sequence,
        // A signed record travels as it was signed (its own lifetime, key and signature) so the
        // receiver can verify it; an unsigned one carries just the time it has left.
        lifetimeMs: p.signed ? p.signed.lifetimeMs : left,
        pathLatency: p.latency, extra: false,
        ...(p.signed ? { publisherKey: p.signed.publisherKey, signature: p.signed.signature } : {}),
      });
    }
    for (const { to, pointers } of byTarget.values()) {
      for (let i = 0; i < pointers.length; i += DEFAULTS.maxHandOverPointers) {
        const chunk = pointers.slice(i, i + DEFAULTS.maxHandOverPointers);
        this.stats.pointersHandedOver += chunk.length;
        this.send(to, { kind: 'handOver', handOver: { pointers: chunk } });
      }
    }
  }

  private takeOver(p: PublishMsg): void {
    this.stats.pointersTakenOver++;
    this.host.locator.acceptPointer(p);
  }

  /** An answer is marked as one, so the exchange ends there without either side remembering whom it adopted. */
  private sendAdopt(to: NodeHandle, rttMs: number, answer: boolean, expectListed = false): void {
    const adopt: Writable<Adopt> = { rttMs, listsYou: this.host.table.has(to.guid) };
    if (answer) adopt.answer = true;
    if (expectListed) adopt.expectListed = true;
    this.send(to, { kind: 'adopt', adopt });
  }

  private send(to: NodeHandle, msg: MembershipMsg): void {
    this.host.sendDirect(to, MEMBERSHIP_MODULE_ID, encodeMembership(msg), 0);
  }

  private newId(): number {
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0 || 1;
    return id;
  }
}
