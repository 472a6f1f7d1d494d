/** What node.stats reports: every counter of the node's parts, read when asked. */
import type { MembershipStats } from '../actors/membershipRuntime';
import type { LocatorStats } from '../actors/locatorRuntime';
import type { RouterStats } from '../actors/routerRuntime';
import type { TransportStats } from '../transport/types';
import type { DropStats } from './dropStats';
import type { ResolveOnlyStats } from './resolveOnly';

/** What node.stats returns: every counter of the node, by room. */
export interface NodeStats {
  /** Routing: datagrams in and out, hops, acknowledgements, pings, duplicates, upcalls, requests. */
  readonly router: RouterStats;
  /** Fragment reassembly: messages reassembled and pieces dropped, by reason. */
  readonly reassembly: Readonly<Record<string, number>>;
  /** The socket (or simulated endpoint): datagrams and bytes sent and received, drops. */
  readonly transport: TransportStats;
  /** Object location: publishes, locates and their outcomes, plus what the pointer store holds. */
  readonly location: LocatorStats & {
    /** Pointers held now. */
    readonly pointers: number;
    /** Distinct objects those pointers are for. */
    readonly objects: number;
  };
  /** Membership: joins, repairs, heartbeats, failures detected, leaves. */
  readonly membership: MembershipStats;
  /** What reassembly buffers hold right now. */
  readonly reassemblyHeld: {
    /** Bytes held in partial messages. */
    readonly bytes: number;
    /** Partial messages waiting for pieces. */
    readonly pending: number;
  };
  /** What the security provider refused, by reason. */
  readonly security: SecurityStats;
  /** Every drop counter, by reason: decode errors, rate limit, reassembly, pointer store, hops, duplicates. */
  readonly drops: DropStats;
  /** Resolve-only nodes: a resolve-only node's gateways and relaying, or what a full node refused them. */
  readonly resolveOnly: ResolveOnlyStats;
}

/** What the security provider refused, by reason (all 0 with `none`, which refuses nothing). */
export interface SecurityStats {
  /** The provider's name: 'none', 'signed', or the application's. */
  readonly provider: string;
  /** Peers that answered a challenge without proving their GUID: never admitted to a table. */
  readonly forgedCredentials: number;
  /** Peers that proved their GUID to this node. */
  readonly peersProven: number;
  /** Publish/unpublish records refused for carrying no signature. */
  readonly unsignedRecords: number;
  /** Records refused for a key that is not the server's or a bad signature. */
  readonly forgedRecords: number;
  /** Records refused as replays of older ones. */
  readonly replayedRecords: number;
}
