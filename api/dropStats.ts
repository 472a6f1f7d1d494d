/**
 * Every drop counter of a node in one place (`node.stats.drops`): what the network sent that the
 * node refused, lost or threw away, by reason. Read-only copies; the full per-part counters stay in
 * the other `node.stats` fields.
 */
import type { RouterStats } from '../actors/routerRuntime';
import type { PointerStoreStats } from '../location/pointerStore';
import type { ReassemblyStats } from '../routing/reassembler';
import type { TransportStats } from '../transport/types';

export interface DropStats {
  /** Datagrams that did not decode, by DecodeError reason. */
  readonly decodeErrors: Readonly<Record<string, number>>;
  /** Datagrams dropped unread: their sender exceeded its per-peer rate. */
  readonly rateLimited: number;
  /** Decoded frames whose handling threw, dropped. */
  readonly frameErrors: number;
  /** Fragments or whole reassemblies thrown away, by reason (bounds, timeout, bad headers, repeats). */
  readonly reassembly: {
    readonly duplicates: number;
    readonly evictedPerSource: number;
    readonly evictedTotal: number;
    readonly evictedBytes: number;
    readonly evictedSourceBytes: number;
    readonly expired: number;
    readonly mismatched: number;
    readonly tooLarge: number;
    readonly invalid: number;
  };
  /** Pointers refused or pushed out of the store, by bound. */
  readonly pointerStore: {
    readonly fullPerObject: number;
    readonly fullPerPublisher: number;
    readonly fullTotal: number;
    readonly evicted: number;
    readonly replays: number;
  };
  /** Reliable hops: silent waits, sends again, moves to a backup, messages given up, untracked sends. */
  readonly hops: {
    readonly timeouts: number;
    readonly retransmits: number;
    readonly failovers: number;
    readonly givenUp: number;
    readonly untracked: number;
  };
  /** Second copies of a message dropped at its destination. */
  readonly duplicates: number;
  /** Exact routes that reached the root of a GUID no node holds. */
  readonly noExactMatch: number;
  /** Messages for a module this node does not have. */
  readonly noModule: number;
  /** Datagrams the transport dropped (send queue full, oversize, closed, …), by reason. */
  readonly transport: Readonly<Record<string, number>>;
}

export function dropStats(router: RouterStats, reassembly: ReassemblyStats, store: PointerStoreStats, transport: TransportStats): DropStats {
  return {
    decodeErrors: { ...router.decodeErrors },
    rateLimited: router.rateLimited,
    frameErrors: router.frameErrors,
    reassembly: {
      duplicates: reassembly.duplicates,
      evictedPerSource: reassembly.evictedPerSource,
      evictedTotal: reassembly.evictedTotal,
      evictedBytes: reassembly.evictedBytes,
      evictedSourceBytes: reassembly.evictedSourceBytes,
      expired: reassembly.expired,
      mismatched: reassembly.mismatched,
      tooLarge: reassembly.tooLarge,
      invalid: reassembly.invalid,
    },
    pointerStore: {
      fullPerObject: store.fullPerObject,
      fullPerPublisher: store.fullPerPublisher,
      fullTotal: store.fullTotal,
      evicted: store.evicted,
      replays: store.replays,
    },
    hops: {
      timeouts: router.hopTimeouts,
      retransmits: router.hopRetransmits,
      failovers: router.hopFailovers,
      givenUp: router.hopsGivenUp,
      untracked: router.hopsUntracked,
    },
    duplicates: router.duplicates,
    noExactMatch: router.droppedNoExactMatch,
    noModule: router.droppedNoModule,
    transport: { ...transport.dropped },
  };
}
