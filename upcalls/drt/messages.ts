/**
 * The DRT module's messages (the payload of a direct message carrying MODULE_IDS.drt; wire/drtCodec.ts
 * maps them to DrtMsg in messages.proto). Every request walks hop by hop to the ring successor of its
 * `cursor` (placement.ts); a search then walks on along the leaf set (walk.ts).
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

export type DrtKind =
  /** To the key's successor: store a registration (the same publisher again: refresh it). */
  | 'register'
  /** To the key's successor: change the publisher's registration. */
  | 'update'
  /** To the key's successor: drop the publisher's registration. */
  | 'unregister'
  /** The successor's answer to register / update / unregister, straight to the requester. */
  | 'ack'
  /** A search step: to the cursor's successor, then along the walk. */
  | 'search'
  /** One node's part of a search answer, straight to the requester (iterative: with where to go next). */
  | 'found'
  /** Registrations a node no longer handles, sent toward their new successor. */
  | 'handoff';

/** What a successor did with a register / update / unregister. */
export type DrtStatus = 'ok' | 'full' | 'taken' | 'unknown' | 'tooLarge';

/**
 * How a search step collects keys: 'exact' the cursor key only; 'up' the keys from the cursor up to
 * `end` (ascending, wrapping); 'down' the keys from the cursor down to `end` (descending, wrapping).
 */
export type DrtWalkMode = 'exact' | 'up' | 'down';

/** A registration as it travels: in a search answer, or handed to its new successor. */
export interface DrtEntry {
  readonly key: Guid;
  readonly appData: Uint8Array;
  readonly publisher: NodeHandle;
  /** Lifetime left when sent (ms). */
  readonly ttlMs: number;
}

export interface DrtMsg {
  readonly kind: DrtKind;
  /** The key whose ring successor handles the message. */
  readonly cursor: Guid;
  /** 0 for a handoff. */
  readonly requestId: number;
  readonly requester?: NodeHandle;
  /** register / update. */
  readonly appData?: Uint8Array;
  /** register / update: the registration's lifetime (ms). */
  readonly ttlMs?: number;
  /** ack only. */
  readonly status?: DrtStatus;
  /** search / found. */
  readonly mode?: DrtWalkMode;
  /** search / found in mode up or down: the last key the walk covers. */
  readonly end?: Guid;
  /** search / found: matches still wanted. */
  readonly remaining?: number;
  /** search: answer each step to the requester (it drives the walk). */
  readonly iterative?: boolean;
  /** Past the table routing: on the leaf-set walk toward the cursor's successor (placement.ts). */
  readonly walking?: boolean;
  /** search / found: how many nodes collected matches before this one (the searcher orders the parts by it). */
  readonly part?: number;
  /** Steps taken so far. */
  readonly hops: number;
  /** found: this node's matches; handoff: the registrations moved. */
  readonly entries?: readonly DrtEntry[];
  /** found (iterative): where the next step goes; absent when the walk is done. */
  readonly next?: NodeHandle;
  /** found: the walk ended here. */
  readonly done?: boolean;
  /** handoff: the sender is leaving the mesh; the receiver, its ring successor, takes its arc. */
  readonly leaving?: boolean;
  /** ack / found: the node answering. */
  readonly responder?: NodeHandle;
}
