/**
 * Where a DRT key lives, and how a message gets there: pure decisions over a node's leaf set and
 * read-only routing table (no I/O).
 *
 * Placement: a key's registration is stored at the key's ring SUCCESSOR, the live node with the
 * smallest GUID ≥ key (wrapping past 2^256 − 1 to the smallest GUID). Tapestry's surrogate root of a
 * key is chosen digit by digit and is not the numerically nearest node, so a nearest or range search
 * could not ask one root; with successors the nodes partition the key space into arcs (pred, self],
 * and a search walks node to node along the leaf set, each holding the next arc.
 *
 * Finding successor(key), one step at a time at each node (`successorStep`):
 *  1. the key lies in this node's arc (pred, self]: this node is the successor;
 *  2. the leaf set spans the key (or knows the whole ring): the successor is the member at the least
 *     clockwise distance from the key, one hop;
 *  3. otherwise, while the message has not started walking: the surrogate-routing next hop from the
 *     routing table (the digit scan every hop makes, JSAC 2004 Fig. 3), which fixes one more digit of
 *     the key per hop: O(log N) hops to the key's prefix neighbourhood;
 *  4. at the surrogate root (or once walking): the farthest leaf-set member on the key's side, L/2
 *     nodes a step. The root shares the longest prefix any node shares with the key, so the successor
 *     is among the few nodes of that prefix block or just past it: usually 0–1 such steps.
 * Why this over routing fuzzy with ctx.route and walking from where it is delivered: the same steps
 * serve a recursive search (each node passes the message on) and an iterative one (each node answers
 * the searcher with the next node), and a walk never needs the router's delivery callback. Step 2
 * also cuts the table routing short whenever a node on the way already knows the successor. Step 4
 * once started is never mixed with step 3 again (the `walking` flag): table routing from a node past
 * the root would lead back to the root. Each walking step moves strictly toward the key on the
 * shorter side, so the walk ends; every message also carries a step bound (drtMaxSearchHops).
 *
 * Correct when leaf sets are (membership repairs them after failures, and makes a fresh static
 * mesh's approximate ones exact); a stale leaf set costs extra steps or, until repair, a search
 * answered from the wrong arc. A node that stored keys of an arc it only believed its own hands them
 * off once its leaf set learns the node in between, publishers refresh, and nodes leaving hand their
 * arc on, so registrations follow the arcs. (Taking the routing table's neighbours as ring
 * neighbours too was tried: on a fresh 280-node testnet the tables missed the same predecessors the
 * leaf sets did, so it only cost time per step.)
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { LeafSetView, RoutingTableView } from '../contract';
import { clockwiseDistance, KEY_SPACE, keyValue } from './keys';

/** The parts of a node's surroundings the decisions read. */
export interface Surroundings {
  readonly self: NodeHandle;
  readonly leafSet: LeafSetView;
  readonly table: RoutingTableView;
}

/** What a node does with a message bound for successor(key). */
export type Step =
  | { readonly kind: 'here' }
  | { readonly kind: 'next'; readonly to: NodeHandle; readonly walking: boolean };

const HERE: Step = Object.freeze({ kind: 'here' });

/** This node's arc (pred, self] as values: pred undefined when it knows no other node (it holds the whole ring). */
export function arcOf(s: Surroundings): { readonly pred: bigint | undefined; readonly self: bigint } {
  const smaller = s.leafSet.smaller();
  return { pred: smaller.length > 0 ? keyValue(smaller[0].guid) : undefined, self: keyValue(s.self.guid) };
}

/** Whether `key` lies in the clockwise arc (from, to]: never when from = to... unless the arc is the whole ring. */
export function inArc(key: bigint, from: bigint, to: bigint): boolean {
  const d = clockwiseDistance(from, key);
  return d > 0n && d <= clockwiseDistance(from, to);
}

/** One step of successor routing for `key` (see the file comment). */
export function successorStep(s: Surroundings, key: Guid, walking: boolean): Step {
  const k = keyValue(key);
  const { pred, self } = arcOf(s);
  if (pred === undefined || inArc(k, pred, self) || k === self) return HERE;
  const smaller = s.leafSet.smaller();
  const larger = s.leafSet.larger();
  const half = Math.floor(s.leafSet.capacity / 2);
  // A side short of L/2, or a node on both sides: the leaf set holds every node of the ring.
  const wholeRing = smaller.length < half || larger.length < half || larger.some((n) => smaller.some((m) => m.guid.equals(n.guid)));
  const farSmaller = keyValue(smaller[smaller.length - 1].guid);
  const farLarger = larger.length > 0 ? keyValue(larger[larger.length - 1].guid) : self;
  if (wholeRing || inArc(k, farSmaller, farLarger)) {
    let best: NodeHandle = s.self;
    let bestDistance = clockwiseDistance(k, self);
    for (const n of [...smaller, ...larger]) {
      const d = clockwiseDistance(k, keyValue(n.guid));
      if (d < bestDistance) {
        best = n;
        bestDistance = d;
      }
    }
    return best === s.self ? HERE : { kind: 'next', to: best, walking: true };
  }
  if (!walking) {
    const hop = tableNextHop(s.table, key);
    if (hop) return { kind: 'next', to: hop, walking: false };
  }
  // Walk along the leaf set toward the key, on its nearer side.
  const up = clockwiseDistance(self, k) <= clockwiseDistance(k, self);
  const to = up ? larger[larger.length - 1] : smaller[smaller.length - 1];
  return { kind: 'next', to, walking: true };
}

/**
 * The surrogate-routing next hop toward `key` over a routing table view: at each level from the
 * first, the first slot at or after the key's digit (mod base) that holds a node; this node's own
 * digit resolves the level here and the scan goes on at the next. Undefined: this node is the root.
 */
export function tableNextHop(table: RoutingTableView, key: Guid): NodeHandle | undefined {
  const { digits, digitBits, base } = table.space;
  for (let level = 0; level < digits; level++) {
    // A level listing no neighbour holds only this node: its digit resolves here.
    if (table.levelSize(level) === 0) continue;
    let digit = key.digit(level, digitBits);
    for (let tries = 0; tries < base; tries++, digit = (digit + 1) % base) {
      const p = table.primary(level, digit);
      if (p === undefined) continue;
      if (p.guid.equals(table.self.guid)) break;
      return p;
    }
  }
  return undefined;
}

/** The key one above `v`, wrapping: where the next arc starts. */
export function after(v: bigint): bigint {
  return (v + 1n) % KEY_SPACE;
}
