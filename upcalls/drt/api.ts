/** The DRT module's public API (what `node.register(drt())` returns) and its types. */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** How a search matches: one key, the nearest keys, or the keys of a range (min > max wraps past 2^256 − 1). */
export type DrtMatch = 'exact' | 'nearest' | DrtRange;

/** A key range of a search: every registered key from `min` to `max` (min > max wraps past 2^256 − 1). */
export interface DrtRange {
  /** The range's first key (inclusive). */
  readonly min: Guid;
  /** The range's last key (inclusive). */
  readonly max: Guid;
}

/** The options of search(). */
export interface DrtSearchOptions {
  /** Default 'exact'. */
  readonly match?: DrtMatch;
  /** Most results, 1 .. DEFAULTS.drtMaxEndpoints (64). Default: 1 for exact and nearest, 64 for a range. */
  readonly maxEndpoints?: number;
  /** The searcher asks each node in turn and is told the next one (results carry `hops`); default false: each node passes the search on. */
  readonly iterative?: boolean;
  /** Ends the search with AbortedError. */
  readonly signal?: AbortSignal;
}

/** One search result. */
export interface DrtSearchResult {
  /** The registered key. */
  readonly key: Guid;
  /** Its application data (a copy). */
  readonly appData: Uint8Array;
  /** The node that registered it, with its address. */
  readonly publisher: NodeHandle;
  /** 'exact' for the key searched for (also in a nearest search), 'nearest' or 'range'. */
  readonly match: 'exact' | 'nearest' | 'range';
  /** Iterative searches: the nodes asked, in order, up to the one that answered with this key. */
  readonly hops?: readonly NodeHandle[];
}

/** The leaf set of one of this node's registered keys: the nearest registered keys on each side. */
export interface DrtLeafSetEvent {
  /** This node's key. */
  readonly key: Guid;
  /** Up to drtLeafSetHalf nearest registered keys below it (wrapping), nearest first. */
  readonly smaller: readonly Guid[];
  /** Up to drtLeafSetHalf nearest registered keys above it (wrapping), nearest first. */
  readonly larger: readonly Guid[];
}

/** The DRT module's state sizes and counters at this node. */
export interface DrtStats {
  /** Registrations held here (this node is their keys' successor). */
  keys: number;
  /** Keys this node registered and refreshes. */
  published: number;
  /** Operations and search walks waiting. */
  pending: number;
  /** Registrations handed to a new successor. */
  handedOff: number;
  /** Messages dropped as malformed. */
  malformed: number;
  /** Messages dropped for taking more than drtMaxSearchHops steps. */
  tooManyHops: number;
}

/**
 * A DRT-style key registry (Windows DRT) over the mesh: 256-bit keys registered with application
 * data at their ring successor, found by exact, nearest or range search. The node must use 256-bit
 * GUIDs (`idBits: 256`).
 */
export interface Drt {
  /**
   * Registers `key` with `appData` (1 .. drtMaxAppDataBytes bytes); resolves when the key's successor
   * stored it, and the registration is refreshed until unregister. Rejects with InvalidArgumentError
   * (a bad key, a 160-bit node, a key this node registered already or another node holds),
   * MessageTooLargeError, LimitExceededError (this node's or the successor's limits), TimeoutError.
   */
  register(key: Guid, appData: Uint8Array): Promise<void>;
  /** Replaces the appData of a key this node registered (and renews its lifetime); rejects as register. */
  update(key: Guid, appData: Uint8Array): Promise<void>;
  /** Drops a key this node registered; resolves when its successor no longer holds it. */
  unregister(key: Guid): Promise<void>;
  /**
   * Searches the registry: an async iterable of results — exact: the key's registration if any;
   * nearest: the registered keys nearest `key` (circular distance, the smaller key first on a tie),
   * nearest first; a range { min, max }: its keys ascending from min. Bad arguments throw
   * InvalidArgumentError at the call; the iteration fails with TimeoutError or AbortedError.
   * `key` is ignored for a range (pass min). A search asks at most DEFAULTS.drtMaxSearchHops nodes
   * in turn: one whose matches lie past that many nodes (a nearest search among a few keys spread
   * over a large mesh) ends with the matches found within them.
   */
  search(key: Guid, opts?: DrtSearchOptions): AsyncIterable<DrtSearchResult>;
  /** The current leaf set of a registered key (any key): the nearest registered keys on each side. */
  leafSet(key: Guid, opts?: { readonly signal?: AbortSignal }): Promise<DrtLeafSetEvent>;
  /**
   * Calls `listener` whenever the leaf set of one of this node's registered keys changes (and once
   * with each key's first one). Polled: every `leafSetPollMs` the leaf sets of the next 32 keys this
   * node registered are read (two searches each), so with K keys a change is reported within
   * ceil(K / 32) × leafSetPollMs plus one search (leafSetPollMs plus a search up to 32 keys). Returns
   * the function that stops it.
   */
  onLeafSetChange(listener: (event: DrtLeafSetEvent) => void): () => void;
  /** State sizes and counters. */
  stats(): DrtStats;
  /** Fails waiting operations with ClosedError, stops refreshing and unregisters the module. */
  close(): void;
}
