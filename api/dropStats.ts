/**
 * Every drop counter of a node in one place (`node.stats.drops`): what the network sent that the
 * node refused, lost or threw away, by reason. Read-only copies; the full per-part counters stay in
 * the other `node.stats` fields.
 */
import type { RouterStats } from '../actors/routerRuntime';
import type { PointerStoreStats } from '../location/pointerStore';
import type { ReassemblyStats } from '../routing/reassembler';
import type { TransportStats } from '../transport/types';

/**
 * Every drop counter of a node in one place (`node.stats.drops`): what the network sent that the
 * node refused, lost or threw away, by reason. Counts since the node started.
 */
export interface DropStats {
  /** Datagrams that did not decode, by DecodeError reason. */
  readonly decodeErrors: Readonly<Record<string, number>>;
  /** Datagrams dropped unread: their sender exceeded its per-peer rate. */
  readonly rateLimited: number;
  /** Decoded frames whose handling threw, dropped. */
  readonly frameErrors: number;
  /** Fragments or whole reassemblies thrown away, by reason (bounds, timeout, bad headers, repeats). */
  readonly reassembly: {
    /** Pieces that had already arrived. */
    readonly duplicates: number;
    /** Reassemblies evicted: their source had DEFAULTS.maxReassembliesPerSource in progress. */
    readonly evictedPerSource: number;
    /** Reassemblies evicted: DEFAULTS.maxReassemblies were in progress. */
    readonly evictedTotal: number;
    /** Reassemblies evicted to keep the bytes held within DEFAULTS.maxReassemblyBytes. */
    readonly evictedBytes: number;
    /** Reassemblies evicted to keep one source's bytes within DEFAULTS.maxReassemblyBytesPerSource. */
    readonly evictedSourceBytes: number;
    /** Reassemblies dropped for taking longer than DEFAULTS.reassemblyTimeoutMs. */
    readonly expired: number;
    /** Pieces whose piece count disagreed with the first piece of the same message. */
    readonly mismatched: number;
    /** Reassemblies dropped because the message outgrew DEFAULTS.maxMessageBytes. */
    readonly tooLarge: number;
    /** Pieces with an impossible header (index ≥ count, a count out of range) or no bytes. */
    readonly invalid: number;
  };
  /** Pointers refused or pushed out of the store, by bound. */
  readonly pointerStore: {
    /** Pointers refused: the object had DEFAULTS.maxPointersPerObject nearer ones. */
    readonly fullPerObject: number;
    /** Pointers refused: their server had DEFAULTS.maxPointersPerPublisher here already. */
    readonly fullPerPublisher: number;
    /** Pointers refused: the store held DEFAULTS.maxPointers. */
    readonly fullTotal: number;
    /** Farthest pointers dropped to make room for a closer one for the same object. */
    readonly evicted: number;
    /** Pointers refused as replays (an older sequence than the one held). */
    readonly replays: number;
  };
  /** Reliable hops: silent waits, sends again, moves to a backup, messages given up, untracked sends. */
  readonly hops: {
    /** Forwarded hops that got no acknowledgement in time. */
    readonly timeouts: number;
    /** Hop frames sent again to the same neighbour after a silent wait. */
    readonly retransmits: number;
    /** Messages sent again through another neighbour after one stayed silent. */
    readonly failovers: number;
    /** Messages dropped after DEFAULTS.maxHopAttempts neighbours stayed silent for one hop. */
    readonly givenUp: number;
    /** Hops sent without waiting for an acknowledgement because too many were pending. */
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
