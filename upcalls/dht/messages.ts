/** The DHT module's messages (the payload of a route or direct message carrying MODULE_IDS.dht; wire/dhtCodec.ts maps them to DhtMsg). */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** A value as stored: who published it, its version and how long it lives. */
export interface DhtRecord {
  readonly value: Uint8Array;
  /** The publisher's version: a record with a higher seq replaces one with a lower seq. */
  readonly seq: number;
  readonly publisher: Guid;
  /** Lifetime left when sent (ms); not signed, as it shrinks in transit. */
  readonly ttlMs: number;
  /** Under an authenticating provider: the publisher's credential (it must stand for `publisher`). */
  readonly credential?: Uint8Array;
  /** With `credential`: the publisher's signature of {key, value, seq, publisher} (recordSignature.ts). */
  readonly signature?: Uint8Array;
}

/** A remove's proof under an authenticating provider: the publisher signed that it drops its record up to `seq`. */
export interface DhtRemoval {
  /** The publisher's records up to this version go; a newer put outlives a replay of this removal. */
  readonly seq: number;
  /** The publisher's credential. */
  readonly credential: Uint8Array;
  /** Its signature of {key, seq, publisher} (recordSignature.ts). */
  readonly signature: Uint8Array;
}

export type DhtKind =
  /** Routed fuzzy to a salted key: its root stores the record, replicates it and answers with an ack. */
  | 'put'
  /** Straight to a replica holder: keep this copy (no answer). */
  | 'store'
  /** Routed fuzzy to a salted key: its root answers with a value. */
  | 'get'
  /** The answer to a get: the record found, or none. */
  | 'value'
  /** Routed to a salted key (with a request id) or straight to a replica holder (without): drop the publisher's record. */
  | 'remove'
  /** The answer to a put or remove. */
  | 'ack'
  /** Routed exact to a node's GUID (findPeer, ping): it answers straight back. */
  | 'ping'
  /** The answer to a ping: `requester` is the node answering (its addresses). */
  | 'pong'
  /** Straight to the previous hop of a get that was answered: keep a copy for gets passing by, for half the time the sender would. */
  | 'cache';

/** What a root did with a put or remove. */
export type AckStatus = 'stored' | 'older' | 'full' | 'removed' | 'notPublisher' | 'invalid' | 'notOwner' | 'forged';

export interface DhtMsg {
  readonly kind: DhtKind;
  readonly key: Guid;
  readonly salt: number;
  /** 0 for replication messages. */
  readonly requestId: number;
  readonly requester?: NodeHandle;
  readonly record?: DhtRecord;
  /** ack only. */
  readonly status?: AckStatus;
  /** remove only, under an authenticating provider: the publisher's signed removal. */
  readonly removal?: DhtRemoval;
}
