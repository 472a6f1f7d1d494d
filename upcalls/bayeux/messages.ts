/**
 * The Bayeux module's messages (the payload of a route or direct message carrying
 * MODULE_IDS.bayeux; wire/bayeuxCodec.ts maps them to BayeuxMsg in messages.proto).
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** What a message does. */
export type BayeuxKind =
  /** Routed fuzzy to the salted session GUID: the node it reaches becomes root replica `replica`. */
  | 'create'
  /** A member asks to join: to the replica (Bayeux), or toward it until an on-tree node (Scribe). */
  | 'join'
  /** The replica's answer, routed to the member: every hop records the member's forwarding entry. */
  | 'tree'
  /** One multicast, down the tree (or routed up to the replicas from a source that is none). */
  | 'data'
  /** Removes `node`'s entries along the stored tree (Bayeux leave). */
  | 'prune'
  /** A Scribe child leaves its parent. */
  | 'leave'
  /** Ends the session: every node frees it and passes the teardown to its children. */
  | 'teardown';

export interface BayeuxMsg {
  readonly kind: BayeuxKind;
  /** The session GUID (salt 0). */
  readonly session: Guid;
  /** The root replica this concerns (0 .. bayeuxMaxReplicas - 1). */
  readonly replica: number;
  /** create: the creator; join / tree / prune / leave: the member or child; data / teardown: the source. */
  readonly node: NodeHandle;
  /** data: with `node`, the multicast's id (≥ 1); 0 otherwise. */
  readonly seq: number;
  /** data: the application's payload; empty otherwise. */
  readonly payload: Uint8Array;
  /** create: how many root replicas the session has (1 .. bayeuxMaxReplicas); 0 otherwise. */
  readonly replicas: number;
  /** data: a root replica passed it on to the other replicas (they do not pass it on again); false otherwise. */
  readonly relayed: boolean;
}
