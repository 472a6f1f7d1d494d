/**
 * What the two join modes share with the module (module.ts): the host a mode acts through, and the
 * mode's side — how a member joins and leaves, what a hop does with a passing JOIN or TREE, where
 * data goes, and what a failed neighbour costs. bayeuxMode.ts and scribeMode.ts implement it.
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { ForwardContext, ForwardVerdict, ModuleContext } from '../contract';
import type { BayeuxEvents, BayeuxStats } from './api';
import type { BayeuxMsg } from './messages';
import type { BayeuxConfig } from './options';

/** The module's counters a mode moves. */
export type BayeuxCounters = Omit<BayeuxStats, 'joinMode' | 'memberships' | 'created' | 'roots' | 'trees' | 'entries' | 'children' | 'dedupWindows'>;

/** What a mode acts through (the module). */
export interface TreeHost {
  readonly ctx: ModuleContext;
  readonly cfg: BayeuxConfig;
  readonly counts: BayeuxCounters;
  /** Sends straight to `to` (handled here at once when `to` is this node). */
  send(to: NodeHandle, msg: BayeuxMsg): void;
  /** Routes to `dest`: fuzzy to a tree's root, exact to a member. */
  route(dest: Guid, msg: BayeuxMsg, fuzzy: boolean): void;
  /** The GUID this module's root replicas of `session` publish (members locate it). */
  locator(session: Guid): Guid;
  /** Whether this node holds the root replica of `tree`. */
  isRoot(tree: Guid): boolean;
  /** The join or refresh of this node's membership of `session` was answered. */
  answered(session: Guid): void;
  /** This node lost its place in `session`'s tree: a member seeks a root again. */
  placeLost(session: Guid): void;
  emit<E extends keyof BayeuxEvents>(event: E, e: BayeuxEvents[E]): void;
  /** Asks for the module's timer at `at` (node clock, ms). */
  arm(at: number): void;
}

/** A join mode's side of the protocol. */
export interface TreeMode {
  /** This node asks to join (or refresh its place in) tree `replica` of `session`, rooted at `root`. */
  askJoin(session: Guid, replica: number, root: NodeHandle): void;
  /** Whether a joined member's periodic refresh is a new askJoin (Bayeux) rather than the mode's own heartbeats (Scribe). */
  readonly refreshByJoin: boolean;
  /** A JOIN or TREE of this module passes this node on its route. */
  forward(msg: BayeuxMsg, at: ForwardContext): ForwardVerdict;
  /** A join, tree, prune or leave ended here; `routed` when it came by routing to a tree GUID, `from` its sender (direct) or source (routed). */
  control(msg: BayeuxMsg, routed: boolean, from: NodeHandle): void;
  /** Where data of `tree` that came from `from` (hex; this node's own at the root) goes. */
  fanout(tree: Guid, from: string): NodeHandle[];
  /** This node's join of tree `replica` of `session` got no answer: what it set up for it is dropped before it seeks again. */
  abandon(session: Guid, replica: number): void;
  /** This node's member leaves tree `replica` of `session` (rooted at `root`). */
  leave(session: Guid, replica: number, root: NodeHandle): void;
  /** Frees `tree` here (teardown); answers where the teardown goes on. */
  drop(tree: Guid): NodeHandle[];
  /** `node` was found failed or left. */
  neighbourGone(node: NodeHandle): void;
  /** Lapsed state, heartbeats; answers the mode's next deadline (Infinity: none). */
  tick(now: number): number;
  /** Whether `node` (hex) is where this node's state in `tree` came from: an upstream of its entries (Bayeux), its parent (Scribe). */
  upstreamOf(tree: Guid, node: string): boolean;
  /** Whether this node has state in the tree `tree` (hex). */
  has(tree: string): boolean;
  counts(): { trees: number; entries: number; children: number };
  /** Entries and children of one tree here. */
  treeCounts(tree: Guid): { entries: number; children: number };
}
