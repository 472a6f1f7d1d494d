/**
 * The upcall contract (Common API, IPTPS 2003): a module sees each of its messages at every hop
 * (`forward`, may change the payload or drop it), at the destination (`deliver`), and hears of
 * neighbours joining and leaving (`update`). When it is registered it is handed a ModuleContext: the
 * only way a module acts on the overlay (DESIGN rule 5).
 *
 * Registration shape: an optional `attach(ctx)` on the module, called once by the host when the
 * module is registered (before any upcall reaches it), rather than a factory `register(id, ctx =>
 * module)`. A module stays a plain object with an id and upcalls, so the modules written against the
 * Common API's shape (and the built-in location and membership modules, which are wired to the
 * router directly) register unchanged; a module that acts on its own keeps the context it was handed.
 * The context's timers end when the module is unregistered or the node closes.
 */
import type bunyan from 'bunyan';
import type { Actor, AnyActorLogic, InputFrom } from 'xstate';
import type { Guid, IdSpace } from '../routing/guid';
import type { RoutingTable } from '../routing/routingTable';
import type { LeafSet } from '../membership/leafSet';
import type { LocateResult } from '../location/locateTracker';
import type { PublishResult, UnpublishResult } from '../location/publishAcks';
import type { FragmentInfo, NodeHandle } from '../routing/messages';
import type { Address } from '../routing/handle';

/** A message passing through this node on its way to `nextHop`. */
export interface ForwardContext {
  /** The GUID the message is routed to. */
  readonly dest: Guid;
  /** The node that sent it. */
  readonly source: NodeHandle;
  /** Hops taken before reaching this node. */
  readonly hops: number;
  /** Routed to the surrogate root (true) or only to the exact GUID (false). */
  readonly fuzzy: boolean;
  /** The node the router chose; the message goes there unless the module drops it. */
  readonly nextHop: NodeHandle;
  /** Set when this is one fragment of a larger message: the module sees each fragment. */
  readonly fragment?: FragmentInfo;
  /** The node that handed it over (the previous hop); absent at the source. */
  readonly from?: NodeHandle;
  /** The payload; a module may replace it. */
  payload: Uint8Array;
}

/** A message that ended at this node. */
export interface Delivery {
  /** The GUID the message was routed to (this node's, or one it roots when fuzzy). */
  readonly dest: Guid;
  /** The node that sent it. */
  readonly source: NodeHandle;
  /** Hops the message took (the last fragment's, for a reassembled message). */
  readonly hops: number;
  /** Routed to the surrogate root (true) or only to the exact GUID (false). */
  readonly fuzzy: boolean;
  /** true when the TTL ran out here before the destination was reached. */
  readonly ttlExpired: boolean;
  /** The module id the message carries (this module's). */
  readonly moduleId: number;
  /** The whole payload, reassembled if it was fragmented. */
  readonly payload: Uint8Array;
  /** The node that handed it over (the previous hop), when it came over the network. */
  readonly from?: NodeHandle;
  /**
   * The address the datagram came from, for a message sent straight to this node (a DirectMsg):
   * answers to an unauthenticated request go here, never to an address the request names.
   */
  readonly fromAddress?: Address;
  /**
   * true when the sender is waiting for an answer (node.request): what deliver returns (or its
   * Promise resolves to) goes straight back to it as the reply. Absent for a plain route.
   */
  readonly request?: boolean;
}

/**
 * What deliver may answer. For a request: a Uint8Array or a string (UTF-8) is the reply; nothing
 * (undefined) tells the requester at once that there is none (NoReplyError 'noReply'). For a plain
 * route the value is ignored (a rejected Promise is counted as an upcall error).
 */
export type DeliverResult = Uint8Array | string | void | undefined | Promise<Uint8Array | string | void | undefined>;

/**
 * What forward() may answer: nothing or true to go on, false to drop the message, 'taken' when the
 * module has handled it itself (a locate diverted to a server): not forwarded, and not a drop.
 */
export type ForwardVerdict = boolean | 'taken' | void;

/**
 * An upcall module: what a node calls as messages pass through it (forward), end at it (deliver),
 * and as its neighbourhood changes (update). Registered with node.register(); its id is carried on
 * the wire, so the same module sees its messages at every hop.
 */
export interface UpcallModule {
  /** Module id carried on the wire (0 = the application's default module; 0 .. MAX_MODULE_ID). */
  readonly id: number;
  /** A name for logs and errors. */
  readonly name: string;
  /**
   * Called once when the module is registered, with the context it acts through. What it returns,
   * when that is an object, is the module's API and node.register() hands it back (as bayeux(),
   * anycast() and mobile() do); otherwise register() returns the function that unregisters it.
   */
  attach?(ctx: ModuleContext): unknown;
  /** A message of this module passes through this node: may rewrite `msg.payload`, drop it (false) or take it ('taken'). */
  forward?(msg: ForwardContext): ForwardVerdict;
  /**
   * The message ended here. For a request (`msg.request`) the value returned is the reply (see
   * DeliverResult); typed `unknown` so that a deliver written for plain routes, whatever it happens
   * to return, keeps compiling. A request answered with anything but DeliverResult's values fails
   * (NoReplyError 'failed' at the requester).
   */
  deliver?(msg: Delivery): unknown;
  /** A node joined (true) or left (false) this node's neighbourhood: its routing table or leaf set. */
  update?(node: NodeHandle, joined: boolean): void;
  /**
   * This node is leaving on purpose, and the nodes leaving with it are known (their notices came):
   * hand over what it holds for others now (location: the pointers it roots). It stays reachable a
   * little longer, so hand-overs from nodes that did not know it leaves still reach it.
   */
  leaving?(): void;
}

/** A module whose attach returns its API object `A`: node.register() returns that object. */
export interface ModuleWithApi<A extends object = object> extends UpcallModule {
  attach(ctx: ModuleContext): A;
}

/** Largest module id an application may use; 0xff00 and above are reserved for built-in modules. */
export const MAX_MODULE_ID = 0xfeff;

/** A replica found by a locate: location's LocateResult, as modules see it. */
export type LocatedReplica = LocateResult;

/**
 * The routing table as a module or application may see it: lookups only, nothing that changes it.
 * node.table and ModuleContext.table are objects with exactly these members (api/tableView.ts), so
 * plain-JS callers cannot reach add/remove either.
 */
export type RoutingTableView = Pick<
  RoutingTable,
  | 'self' | 'space' | 'levels' | 'base' | 'slotSize' | 'size' | 'has' | 'get' | 'slot' | 'primary' | 'neighbours' | 'backpointers'
  | 'slotOf' | 'levelSize' | 'selfDigit' | 'hasBackpointer' | 'backpointersAt' | 'backpointerCount'
>;

/** The leaf set as a module may see it. */
export type LeafSetView = Pick<LeafSet, 'capacity' | 'size' | 'has' | 'smaller' | 'larger' | 'members'>;

/**
 * The node's security provider as a module may use it (security/provider.ts): its credential, and
 * signatures made and checked with it — never its private key.
 *
 * Signatures are the module's own: `sign` signs the module's domain (its id, after a domain tag of
 * its own) followed by `data`, and `verify` checks against the same, so nothing a module signs can be
 * taken for one of the node's own statements (challenge answers, location records, grants), nor for
 * another module's. Under `none` (`authenticates` false) credentials and signatures are empty and
 * every check passes.
 */
export interface ModuleSecurity {
  /** The provider's name: 'none', 'signed', or an application's own. */
  readonly name: string;
  /** Whether the provider authenticates anything (false under `none`: nothing to sign or check). */
  readonly authenticates: boolean;
  /** This node's credential (under `signed` its raw public key: its GUID is the key's hash). */
  credential(): Uint8Array;
  /** Whether `credential` stands for the node `guid` (under `signed`: the GUID is the key's hash). Never throws. */
  validateCredential(credential: Uint8Array, guid: Guid): boolean;
  /** This node's signature of `data`, in this module's domain. */
  sign(data: Uint8Array): Uint8Array;
  /** Whether `signature` is the holder of `credential`'s signature of `data` in this module's domain. Never throws. */
  verify(credential: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * What a module acts through. Messages it sends carry its own module id, so the same module sees
 * them at every hop and at their destination. Everything runs on the node's clock (virtual in the
 * simulator). Misuse throws as the node's API does (InvalidArgumentError, ClosedError, …).
 */
export interface ModuleContext {
  /** This node. */
  readonly self: NodeHandle;
  /** The node's ID space (ID and digit widths). */
  readonly space: IdSpace;
  /** Routes `payload` to `dest` (exact, or to its surrogate root when `fuzzy`). */
  route(dest: Guid, payload: Uint8Array, opts?: { readonly fuzzy?: boolean; readonly ttl?: number }): void;
  /** Sends `payload` straight to a known node, past routing (acknowledged hop by hop when the node is). */
  send(to: NodeHandle, payload: Uint8Array): void;
  /**
   * Advertises that this node serves `object`. `owner: false` publishes it as an open object that
   * any node may serve too (under `signed` object ownership otherwise keeps only the first server's
   * key): an anycast group's members, a mobile node's successive proxies. Resolves once every salted
   * root acknowledged the pointer, rejects with TimeoutError (it stays published) or ClosedError, as
   * node.publish() does; a module may ignore the promise (no unhandled rejection).
   */
  publish(object: Guid, opts?: { readonly tag?: string; readonly owner?: false }): Promise<PublishResult>;
  /**
   * Withdraws this node's replica of `object`. Resolves once every salted root acknowledged that the
   * unpublish reached it (no pointer on the way left), at once with `tried` 0 when this node does not
   * publish `object`; rejects with TimeoutError or ClosedError, as node.unpublish() does; a module
   * may ignore the promise (no unhandled rejection).
   */
  unpublish(object: Guid): Promise<UnpublishResult>;
  /** Finds replicas of `object`, nearest first. */
  locate(object: Guid, opts?: { readonly query?: string; readonly replicas?: number; readonly signal?: AbortSignal }): AsyncIterableIterator<LocatedReplica>;
  /** Delivers `payload` to this module at the nearest replica(s) of `object`; resolves with the replicas reached. */
  sendToObject(object: Guid, payload: Uint8Array, opts?: { readonly query?: string; readonly replicas?: number; readonly signal?: AbortSignal }): Promise<LocatedReplica[]>;
  /** The node's clock (ms). */
  now(): number;
  /** A one-shot timer on the node's clock; returns a function that cancels it. */
  after(ms: number, fire: () => void): () => void;
  /** Read-only view of the routing table. */
  readonly table: RoutingTableView;
  /** Read-only view of the leaf set. */
  readonly leafSet: LeafSetView;
  /** The node's logger, with the module's name. */
  readonly log: bunyan;
  /** The node's security provider, read-only and in the module's own signing domain (ModuleSecurity). */
  readonly security: ModuleSecurity;
  /**
   * Starts an actor of the module's own (its sessions and timers, DESIGN rule 3), attached to the
   * node: its delays run on the node's clock, and it is stopped when the module is unregistered or
   * the node closes. A few per module (DEFAULTS.maxModuleActors), never one per session: thousands
   * of children of one parent cost O(n²) in xstate 5.
   */
  startActor<L extends AnyActorLogic>(logic: L, input?: InputFrom<L>): Actor<L>;
  /** Unregisters the module: its timers never fire again and its actors stop (a module API's close()). */
  unregister(): void;
}
