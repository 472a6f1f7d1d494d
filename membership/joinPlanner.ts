/**
 * The joining side (JSAC 2004 §III-C): find a surrogate through a bootstrap address, wait for its
 * reply once its multicast is acknowledged, then fill the table from the deepest shared level down,
 * measuring and asking the nearest nodes of each level. Every step continues from the event that
 * completes the one before (a pong, a reply, a timer), never from a promise: in the simulator those
 * events are virtual time, the microtask queue is not.
 */
import { DEFAULTS } from '../defaults';
import type { IdSpace } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';
import type { PendingRequests, RequestIds } from '../routing/pendingRequests';
import type { RoutingTable } from '../routing/routingTable';
import type { Admission } from './admission';
import type { JoinReply } from './messages';
import type { NeighbourAsk } from './neighbourAsk';
import { closestK, levelCandidates } from './neighbours';
import type { MembershipPort, MembershipStats } from './port';
import { MismatchError, type Mismatch } from './providerMismatch';

export interface JoinPlannerOptions {
  /** Nodes kept per level while filling the table (k). */
  readonly k: number;
  /** How long a ping or a neighbour request may take (ms). */
  readonly requestTimeoutMs: number;
  /** How long the whole join may wait for the surrogate's reply (ms). */
  readonly joinTimeoutMs: number;
}

/** A measured node during the fill: `admitted` = its pong said this round trip gets us into its table. */
interface Measured {
  readonly handle: NodeHandle;
  readonly rtt: number;
  readonly admitted: boolean;
}

export class JoinPlanner {
  /** Between join() and its end (table filled, or no surrogate found). */
  private inserting = false;
  /** Work held back until this node's own join ends (≤ DEFAULTS.maxDeferredJoinRequests). */
  private deferred: Array<() => void> = [];
  /** Why the last join found no way in, when a provider mismatch says more than "no answer". */
  private mismatch: Mismatch | undefined;

  constructor(
    private readonly port: MembershipPort,
    private readonly space: IdSpace,
    private readonly admission: Admission,
    private readonly ask: NeighbourAsk,
    private readonly ids: RequestIds,
    /** Joins waiting for their surrogate's reply, by join id. */
    private readonly joinWaits: PendingRequests<JoinReply>,
    private readonly stats: MembershipStats,
    private readonly opts: JoinPlannerOptions,
  ) {}

  /**
   * Joins the mesh through the first bootstrap address that answers; `done(true)` once the routing
   * table is filled, `done(false)` when no bootstrap address led to a surrogate.
   */
  join(bootstrap: readonly Address[], done: (joined: boolean) => void): void {
    const self = this.port.self;
    this.inserting = true;
    this.mismatch = undefined;
    const end = (joined: boolean): void => {
      this.inserting = false;
      const held = this.deferred;
      this.deferred = [];
      done(joined);
      for (const f of held) f();
    };
    const tryAt = (i: number): void => {
      if (i >= bootstrap.length) {
        end(false);
        return;
      }
      this.admission.probe(bootstrap[i], this.opts.requestTimeoutMs, (gateway, err) => {
        if (err instanceof MismatchError) this.mismatch ??= err.mismatch;
        if (!gateway || gateway.peer.guid.equals(self.guid) || this.refused(gateway.peer)) {
          tryAt(i + 1);
          return;
        }
        this.askToJoin(gateway.peer, (reply) => {
          // The surrogate challenged this node while serving the join (its challenge arrives before its
          // reply): it will never list a node that cannot prove its GUID, so this is no way in.
          if (reply && !this.refused(reply.surrogate)) this.fillTable(reply, () => end(true));
          else tryAt(i + 1);
        });
      });
    };
    tryAt(0);
  }

  /**
   * A join request routed here while this node is still joining: it is the root of that GUID only
   * because its table is still mostly empty, and a multicast read from that table would reach almost
   * none of the nodes that share the joining node's prefix (which then never learn of it). Holds
   * `serve` back until this node's own table is filled (true), or returns false when it is not
   * joining (or holds too many already) and the request is served at once.
   */
  /** Why the last join found no way in, when a provider mismatch is known (undefined otherwise). */
  get joinProblem(): Mismatch | undefined {
    return this.mismatch;
  }

  /** Whether `node` demanded a proof this node cannot give; remembered as the join's problem. */
  private refused(node: NodeHandle): boolean {
    if (!this.admission.refuses(node)) return false;
    this.mismatch ??= { peer: node, kind: 'demandsProof' };
    return true;
  }

  deferWhileJoining(serve: () => void): boolean {
    if (!this.inserting || this.deferred.length >= DEFAULTS.maxDeferredJoinRequests) return false;
    this.deferred.push(serve);
    return true;
  }

  /** The surrogate's reply (a late or unknown one is ignored). */
  onJoinReply(reply: JoinReply): void {
    this.joinWaits.resolve(reply.joinId, reply);
  }

  /**
   * Nodes that fill some of this node's holes, from a node its join multicast reached: each one whose
   * slot has room is measured, added, and told (by an Adopt) that this node exists. Nothing is taken
   * from a sender that refuses this node (it demanded proof this node cannot give), nor of such a node.
   */
  onCandidates(nodes: readonly NodeHandle[], from?: NodeHandle): void {
    const table = this.port.table;
    if (from && this.admission.refuses(from)) return;
    for (const n of nodes.slice(0, DEFAULTS.maxJoinCandidates)) {
      const at = table.slotOf(n.guid);
      if (at === undefined || table.has(n.guid) || table.slot(at.level, at.digit).length >= table.slotSize) continue;
      if (this.admission.refuses(n)) continue;
      this.admission.probe(n.address, this.opts.requestTimeoutMs, (r) => {
        if (!r || !r.peer.guid.equals(n.guid)) {
          this.stats.timeouts++;
          return;
        }
        const admitted = r.rtt < (r.admitBelowMs ?? 0);
        this.admission.learn(n, r.rtt);
        if (admitted) table.addBackpointer(n);
        this.admission.sendAdopt(n, r.rtt, false, admitted);
      }, { admission: true });
    }
  }

  private askToJoin(gateway: NodeHandle, done: (reply: JoinReply | undefined) => void): void {
    const joinId = this.ids.next();
    if (!this.joinWaits.register(joinId, this.opts.joinTimeoutMs, done)) {
      done(undefined);
      return;
    }
    this.port.send(gateway, { kind: 'joinRequest', joinRequest: { joining: this.port.self, joinId } });
  }

  /**
   * Fills the table from the deepest shared level down (JSAC §III-C): measure the nodes known for
   * a level, keep the k closest, ask them for their entries at the next level up, repeat down to
   * level 0. Then tell every node measured that this node exists (they may adopt it).
   */
  private fillTable(reply: JoinReply, done: () => void): void {
    const self = this.port.self;
    const table = this.port.table;
    const measured = new Map<string, Measured>();
    const measure = (nodes: readonly NodeHandle[], then: () => void): void => {
      const todo = nodes.filter((n) => !measured.has(n.guid.hex) && !n.guid.equals(self.guid));
      const unique = [...new Map(todo.map((n) => [n.guid.hex, n])).values()];
      let left = unique.length;
      if (left === 0) {
        then();
        return;
      }
      for (const n of unique) {
        this.admission.probe(n.address, this.opts.requestTimeoutMs, (r) => {
          if (r && r.peer.guid.equals(n.guid)) {
            // A node that refuses this one is neither measured (no Adopt, no backpointer) nor a timeout.
            if (this.admission.refuses(n)) {
              if (--left === 0) then();
              return;
            }
            measured.set(n.guid.hex, { handle: n, rtt: r.rtt, admitted: r.rtt < (r.admitBelowMs ?? 0) });
            this.admission.learn(n, r.rtt);
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
          if (admitted) table.addBackpointer(handle);
          this.admission.sendAdopt(handle, rtt, false, admitted);
        }
        this.askSurrogateForHoles(reply.surrogate, deepest);
        done();
        return;
      }
      this.askAll(list, level, (answers) => {
        const candidates = perSlot(table, levelCandidates(self.guid, level, [list, ...answers], this.space.digitBits), measured);
        measure(candidates, () => {
          const samples = candidates.flatMap((c) => {
            const m = measured.get(c.guid.hex);
            return m ? [m] : [];
          });
          stepDown(level - 1, samples.length > 0 ? closestK(samples, this.opts.k) : list);
        });
      });
    };
    const deepest = Math.min(reply.level, this.space.digits - 1);
    measure([reply.surrogate, ...reply.neighbours], () => {
      // The level's own nodes start the descent; the surrogate's leaf set, also measured, may share fewer digits.
      const all = [...measured.values()];
      const atLevel = all.filter((m) => (table.slotOf(m.handle.guid)?.level ?? table.levels) >= deepest);
      stepDown(deepest, closestK(atLevel.length > 0 ? atLevel : all, this.opts.k));
    });
  }

  /**
   * Levels below the shared one were filled from nodes that may be joining at the same time, their own
   * tables still short: the surrogate shares those levels' prefixes, so for each level where this
   * table still has an empty slot it is asked once, and the nodes it lists for those slots measured.
   */
  private askSurrogateForHoles(surrogate: NodeHandle, deepest: number): void {
    const table = this.port.table;
    for (let level = 0; level < deepest; level++) {
      const empty = new Set<number>();
      let mask = 0;
      for (let d = 0; d < table.base; d++) {
        if (table.slot(level, d).length > 0) continue;
        empty.add(d);
        if (d < 32) mask = (mask | (1 << d)) >>> 0;
      }
      if (empty.size === 0) continue;
      // Only the empty slots are asked for (a base past 32 cannot name its digits: then the whole level).
      const slots = table.base <= 32 ? mask : 0;
      this.ask.entries(surrogate, level, 1, (nodes) => {
        this.onCandidates(nodes.filter((n) => {
          const at = table.slotOf(n.guid);
          return at !== undefined && at.level === level && empty.has(at.digit);
        }));
      }, slots);
    }
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
      this.ask.entries(n, level, i === 0 ? 0 : DEFAULTS.joinPerSlotOthers, (nodes) => {
        answers.push(nodes);
        if (--left === 0) done(answers);
      });
    });
  }
}

/**
 * Caps the candidates to measure at slotSize per slot not yet measured, in the order the nearest
 * neighbours listed them (their own nearest first): most of the slots' best nodes, a fraction of the pings.
 */
export function perSlot(table: RoutingTable, candidates: readonly NodeHandle[], measured: ReadonlyMap<string, unknown>): NodeHandle[] {
  const taken = new Map<number, number>();
  const out: NodeHandle[] = [];
  for (const c of candidates) {
    if (measured.has(c.guid.hex)) {
      out.push(c);
      continue;
    }
    const at = table.slotOf(c.guid);
    if (at === undefined) continue;
    const slot = at.level * table.base + at.digit;
    const n = taken.get(slot) ?? 0;
    if (n >= table.slotSize) continue;
    taken.set(slot, n + 1);
    out.push(c);
  }
  return out;
}
