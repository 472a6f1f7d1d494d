/** The Bayeux module's public API (what `node.register(bayeux())` returns) and its types. */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** How a member joins the tree. */
export type JoinMode =
  /** Bayeux (Zhuang et al. 2001): the JOIN goes to the root replica, whose TREE routed back to the member leaves forwarding state on every hop. */
  | 'bayeux'
  /** Scribe (Castro et al. 2002): the JOIN is routed toward the root and stops at the first node already on the tree, which adds the child. */
  | 'scribe';

/** A session as createSession() set it up. */
export interface BayeuxSession {
  /** The session GUID (what members join and multicast to). */
  readonly guid: Guid;
  /** Root replicas asked for. */
  readonly replicas: number;
  /** The node holding each root replica, replica 0 first. */
  readonly roots: readonly NodeHandle[];
}

/** What a member's onMessage is told about a multicast besides its payload. */
export interface BayeuxDelivery {
  /** The session's GUID. */
  readonly session: Guid;
  /** The node that multicast it. */
  readonly source: NodeHandle;
  /** The source's sequence number of it. */
  readonly seq: number;
}

/** The options of join(). */
export interface BayeuxJoinOptions {
  /** Called once with each multicast of the session. */
  readonly onMessage: (payload: Uint8Array, info: BayeuxDelivery) => void;
  /** Aborting it leaves the session (or ends a join still under way with AbortedError). */
  readonly signal?: AbortSignal;
}

/** The events a node's module emits, as member, forwarder or root. */
export interface BayeuxEvents {
  /** This node joined a session (its first answer came). */
  joined: {
    /** The session's GUID. */
    readonly session: Guid;
  };
  /** This node left a session (leave(), its signal, close()). */
  left: {
    /** The session's GUID. */
    readonly session: Guid;
  };
  /** A child was added to this node's part of a tree (a new next hop, or a Scribe child). */
  childAdded: {
    /** The session's GUID. */
    readonly session: Guid;
    /** The child: the next hop (Bayeux) or the node that joined under this one (Scribe). */
    readonly child: NodeHandle;
  };
  /**
   * A child was removed from this node's part of a tree: once per child, when the last state that
   * made it one goes (Bayeux: the last forwarding entry through that next hop). Every `childAdded`
   * is matched by one `childRemoved` while the module runs, so the children the events name are the
   * children `sessionStats()` counts.
   */
  childRemoved: {
    /** The session's GUID. */
    readonly session: Guid;
    /** The child removed. */
    readonly child: NodeHandle;
    /**
     * Why it went: `'left'` — a LEAVE or PRUNE took it away (the members it led to left);
     * `'expired'` — its soft state lapsed, no refresh (Bayeux: the member's TREE; Scribe: the child's
     * heartbeat) came within bayeuxEntryLifetimeMs; `'failed'` — it was found failed (it left this
     * node's routing table or leaf set); `'moved'` — Bayeux: the members it led to are reached
     * through another next hop now (a refresh or repair took another path); `'placeLost'` — Scribe:
     * this node gave up its place in the tree (its parent went silent or failed, or its join got no
     * answer) and its children with it; `'teardown'` — the session was torn down here (a `tornDown`
     * follows).
     */
    readonly reason: 'left' | 'expired' | 'failed' | 'moved' | 'placeLost' | 'teardown';
  };
  /** The session was torn down (or its roots are gone): this node freed it. */
  tornDown: {
    /** The session's GUID. */
    readonly session: Guid;
  };
}

/** The module's state sizes and counters. */
export interface BayeuxStats {
  /** The join mode this module runs. */
  readonly joinMode: JoinMode;
  /** Sessions this node is a member of (joined or joining). */
  memberships: number;
  /** Sessions this node created and refreshes. */
  created: number;
  /** Root replicas this node holds. */
  roots: number;
  /** Trees this node has state in (forwarding entries, or a Scribe place). */
  trees: number;
  /** Bayeux forwarding entries (one per member below this node, per tree). */
  entries: number;
  /** Children: distinct next hops (Bayeux) or children (Scribe), summed over trees. */
  children: number;
  /** Dedup windows kept (trees at a forwarder, sessions at a member). */
  dedupWindows: number;
  /** JOINs sent (first joins, refreshes and Scribe heartbeats). */
  joinsSent: number;
  /** Joins and refreshes answered at this member. */
  answered: number;
  /** Join attempts that got no answer in time. */
  joinTimeouts: number;
  /** Multicasts started here. */
  multicasts: number;
  /** Copies of multicasts this node sent down a tree. */
  dataSent: number;
  /** Multicasts handed to this node's application. */
  delivered: number;
  /** Copies dropped as already seen. */
  duplicates: number;
  /** Messages dropped because a bound was hit (sessions, entries, children, memberships). */
  droppedFull: number;
  /** Messages for a tree this node does not root (a root that moved; the sender retries). */
  droppedNotRoot: number;
  /**
   * TEARDOWNs sent straight to this node by a node its place in the tree does not come from (not
   * an upstream of its entries, not its parent, not the node its TREE came through, not its root
   * replica): refused, so no node off the path can free a tree.
   */
  teardownsRefused: number;
  /** Entries re-routed around a failed next hop (Bayeux local repair). */
  repairs: number;
  /** Places given up because the parent went silent (Scribe): the node rejoins. */
  parentLosses: number;
  /** PRUNE and LEAVE messages sent. */
  prunesSent: number;
  /** Messages that failed to decode: counted and dropped. */
  malformed: number;
  /** onMessage and event listeners that threw (contained). */
  appErrors: number;
}

/** One session's state at this node (stats summed over all nodes say what a session costs the mesh). */
export interface BayeuxSessionStats {
  /** This node is a member (joined or joining). */
  readonly member: boolean;
  /** Root replicas of the session this node holds. */
  readonly roots: number;
  /** Trees of the session this node has state in (as forwarder, member or root). */
  readonly trees: number;
  /** Bayeux forwarding entries of the session here. */
  readonly entries: number;
  /** Children of this node in the session's trees. */
  readonly children: number;
}

/**
 * Bayeux multicast sessions over Tapestry routing. A session is a name (hashed to its GUID) or a
 * Guid; anyone may join or multicast to it; only its creator may tear it down.
 */
export interface Bayeux {
  /** The join mode this module runs (every node of a mesh registers the same). */
  readonly joinMode: JoinMode;
  /** The GUID of a session name. */
  sessionGuid(session: string | Guid): Guid;
  /** Sets up the session at its root (and `replicas - 1` more salted root replicas); refreshed until teardown. */
  createSession(name: string | Guid, opts?: { readonly replicas?: number }): Promise<BayeuxSession>;
  /** Joins the session at its nearest root replica; resolves once on the tree (NotFoundError: no root found; TimeoutError). */
  join(session: string | Guid, opts: BayeuxJoinOptions): Promise<void>;
  /** Sends `payload` to every member once; answers the multicast's sequence number. */
  multicast(session: string | Guid, payload: Uint8Array | string): number;
  /** Stops receiving at once and prunes the state no other member needs. */
  leave(session: string | Guid): Promise<void>;
  /** Ends a session this node created: every node on its trees frees it, members are told. */
  teardown(session: string | Guid): Promise<void>;
  /** Whether this node is a member of `session`. */
  isMember(session: string | Guid): boolean;
  /** Listens to an event; answers the function that stops listening. */
  on<E extends keyof BayeuxEvents>(event: E, listener: (e: BayeuxEvents[E]) => void): () => void;
  /** State sizes and counters. */
  stats(): BayeuxStats;
  /** One session's state at this node. */
  sessionStats(session: string | Guid): BayeuxSessionStats;
  /** Leaves every session, stops refreshing created ones and unregisters the module. */
  close(): void;
}
