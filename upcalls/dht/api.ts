/** The DHT module's public API (what `node.register(dht())` returns) and its types. */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** A value read back: the newest version the roots answered with. */
export interface DhtValue {
  /** The key's GUID. */
  readonly key: Guid;
  /** The value stored. */
  readonly value: Uint8Array;
  /** The publisher's version. */
  readonly seq: number;
  /** The GUID of the node that published it. */
  readonly publisher: Guid;
  /** The node that answered with it. */
  readonly from: NodeHandle;
}

/** What putValue resolves with. */
export interface DhtPutResult {
  /** The key's GUID. */
  readonly key: Guid;
  /** Salted roots that stored it. */
  readonly stored: number;
}

/** A provider of a key, as findProviders yields it. */
export interface DhtProvider {
  /** The providing node and its address. */
  readonly peer: NodeHandle;
  /** Overlay hops from the asking node to it. */
  readonly hops: number;
  /** Time from the start of the search until it was found (ms). */
  readonly elapsedMs: number;
}

/** The DHT module's state sizes and counters at this node. */
export interface DhtStats {
  /** Records held here for the mesh (as a root or replica). */
  records: number;
  /** Bytes of values held. */
  valueBytes: number;
  /** Records this node published (and republishes). */
  published: number;
  /** Operations waiting for answers. */
  pending: number;
  /** putValue calls made here. */
  puts: number;
  /** getValue calls made here. */
  gets: number;
  /** removeValue calls made here. */
  removes: number;
  /** Records stored here as a salted key's root (a put). */
  storedAsRoot: number;
  /** Records stored here as a replica (a copy a root sent). */
  storedAsReplica: number;
  /** Records refused here (put, store or cached copy) because a newer version was held; and removals older than the record held (a replay). */
  refusedOlder: number;
  /** Under `signed`: records refused here (put, store or cached copy) because another publisher owns the key here. */
  refusedNotOwner: number;
  /** Under `signed`: records and removals refused because their signature or credential did not verify (at a root, a replica, a cache, or in a get's answers). */
  forged: number;
  /** Under `signed`: cached copies refused because this node had passed no get for their key to their sender. */
  unsolicitedCopies: number;
  /** Under `signed`: gets passed on whose cached copy may still come back (bounded by dhtMaxAwaitedCopies). */
  awaitedCopies: number;
  /** Copies sent to replica holders (after a put, and when the neighbourhood changed). */
  replicationsSent: number;
  /** Gets answered here, as a root, with a record. */
  getsAnswered: number;
  /** Gets that reached this node as a root that held no record. */
  getsMissed: number;
  /** Messages that failed to decode: counted and dropped. */
  malformed: number;
  /** Records the validator refused (at a root, or in a get's answers). */
  invalid: number;
  /** Cached copies held for gets passing through. */
  cached: number;
  /** Gets answered on their way, from a copy held here, before reaching a root. */
  answeredOnPath: number;
}

/**
 * How records are checked and chosen when the security provider does not (as libp2p's record
 * validators): `validate` refuses a value (throw, or answer false) — at the publisher before a put and
 * at every root before it stores one; `select` picks which of several values a get answers with (the
 * index into `values`; default: the newest version).
 */
export interface DhtValidator {
  /** Refuses `value` under `key` by throwing or answering false. */
  validate(key: Guid, value: Uint8Array): boolean | void;
  /** The index in `values` (newest version first) that a get answers with. */
  select?(key: Guid, values: readonly Uint8Array[]): number;
}

/** What an operation reports as it goes (as kad-dht's onProgress). */
export type DhtProgress =
  | {
      /** The operation went out. */
      readonly type: 'sent';
      /** To this many salted roots. */
      readonly salts: number;
    }
  | {
      /** A root answered. */
      readonly type: 'answer';
      /** Which salted root. */
      readonly salt: number;
      /** The node that answered. */
      readonly from: NodeHandle;
      /** It held a record (get) or stored / removed it (put, remove). */
      readonly found: boolean;
    }
  | {
      /** The operation settled. */
      readonly type: 'done';
      /** Answers it had. */
      readonly answers: number;
      /** Not every root answered in time. */
      readonly timedOut: boolean;
    };

/** The options of getValue(). */
export interface DhtGetOptions {
  /** Ends the get with AbortedError. */
  readonly signal?: AbortSignal;
  /** Called as the get goes (sent, each root's answer, done). */
  readonly onProgress?: (event: DhtProgress) => void;
  /** Answers with a record to wait for before choosing the newest (1 .. salts). Default 1. */
  readonly quorum?: number;
}

/**
 * Values stored under keys at each key's salted roots and the nodes that would root it next. A key is
 * a name (hashed to its GUID) or a Guid.
 */
export interface Dht {
  /** The GUID of a key name. */
  keyGuid(key: string | Guid): Guid;
  /**
   * Stores `value` under `key` as a new version; resolves with how many salted roots stored it.
   * Rejects with MessageTooLargeError, RecordRejectedError ('older', 'full', 'invalid'; under `signed`
   * also 'notOwner': another publisher owns the key at its roots), TimeoutError or AbortedError.
   * Under `signed` the record is signed by this node, and only this node may replace or remove it.
   */
  putValue(key: string | Guid, value: Uint8Array | string, opts?: { readonly signal?: AbortSignal; readonly onProgress?: (event: DhtProgress) => void }): Promise<DhtPutResult>;
  /** The newest version found (NotFoundError when no root holds one; TimeoutError when none answered). */
  getValue(key: string | Guid, opts?: DhtGetOptions): Promise<DhtValue>;
  /**
   * Drops this node's record of `key` at every salted root and replica (RecordRejectedError
   * 'notPublisher' if another node published it). Under `signed` the removal is signed, and a later
   * put outlives a replay of it.
   */
  removeValue(key: string | Guid, opts?: { readonly signal?: AbortSignal; readonly onProgress?: (event: DhtProgress) => void }): Promise<void>;
  /** Advertises that this node provides `key` (IPFS's Provide): its pointers lead finders here. */
  provide(key: string | Guid): Promise<void>;
  /** Stops providing `key`. */
  unprovide(key: string | Guid): Promise<void>;
  /** The providers of `key`, nearest first, up to `count` (default 20); ends when no more are found. */
  findProviders(key: string | Guid, opts?: { readonly count?: number; readonly signal?: AbortSignal }): AsyncIterable<DhtProvider>;
  /** The node holding GUID `peer`, with its address, from routing to it (NotFoundError when none answers). */
  findPeer(peer: string | Guid, opts?: { readonly signal?: AbortSignal }): Promise<NodeHandle>;
  /** Round-trip time (ms) to the node holding `peer`, over the overlay and back. */
  ping(peer: string | Guid, opts?: { readonly signal?: AbortSignal }): Promise<number>;
  /**
   * IPFS routing's Bootstrap: resolves with how many neighbours the node knows (routing table and
   * leaf set) once it knows one — the node joins through createNode's `bootstrap`; this waits for
   * that — and pushes the records this node holds and publishes to where they belong now.
   * TimeoutError after `timeoutMs` (default DEFAULTS.dhtBootstrapTimeoutMs), AbortedError on `signal`.
   */
  bootstrap(opts?: { readonly signal?: AbortSignal; readonly timeoutMs?: number }): Promise<number>;
  /** State sizes and counters. */
  stats(): DhtStats;
  /** Fails waiting operations with ClosedError, stops republishing and unregisters the module. */
  close(): void;
}
