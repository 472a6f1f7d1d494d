/**
 * The upcall contract (Common API, IPTPS 2003): a module sees each of its messages at every hop
 * (`forward`, may change the payload or drop it) and at the destination (`deliver`).
 */
import type { Guid } from '../routing/guid';
import type { FragmentInfo, NodeHandle } from '../routing/messages';

/** A message passing through this node on its way to `nextHop`. */
export interface ForwardContext {
  readonly dest: Guid;
  readonly source: NodeHandle;
  /** Hops taken before reaching this node. */
  readonly hops: number;
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
  readonly dest: Guid;
  readonly source: NodeHandle;
  /** Hops the message took (the last fragment's, for a reassembled message). */
  readonly hops: number;
  readonly fuzzy: boolean;
  /** true when the TTL ran out here before the destination was reached. */
  readonly ttlExpired: boolean;
  readonly moduleId: number;
  /** The whole payload, reassembled if it was fragmented. */
  readonly payload: Uint8Array;
  /** The node that handed it over (the previous hop), when it came over the network. */
  readonly from?: NodeHandle;
}

/**
 * What forward() may answer: nothing or true to go on, false to drop the message, 'taken' when the
 * module has handled it itself (a locate diverted to a server): not forwarded, and not a drop.
 */
export type ForwardVerdict = boolean | 'taken' | void;

export interface UpcallModule {
  /** Module id carried on the wire (0 = the application's default module; 0 .. MAX_MODULE_ID). */
  readonly id: number;
  /** A name for logs and errors. */
  readonly name: string;
  forward?(msg: ForwardContext): ForwardVerdict;
  deliver?(msg: Delivery): void;
  /** A node joined (true) or left (false) this node's neighbourhood: its routing table or leaf set. */
  update?(node: NodeHandle, joined: boolean): void;
}

/** Largest module id an application may use; 0xff00 and above are reserved for built-in modules. */
export const MAX_MODULE_ID = 0xfeff;
