/** What node.stats reports: every counter of the node's parts, read when asked. */
import type { MembershipStats } from '../actors/membershipRuntime';
import type { LocatorStats } from '../actors/locatorRuntime';
import type { RouterStats } from '../actors/routerRuntime';
import type { TransportStats } from '../transport/types';
import type { DropStats } from './dropStats';

export interface NodeStats {
  readonly router: RouterStats;
  readonly reassembly: Readonly<Record<string, number>>;
  readonly transport: TransportStats;
  readonly location: LocatorStats & { readonly pointers: number; readonly objects: number };
  readonly membership: MembershipStats;
  /** What reassembly buffers hold right now. */
  readonly reassemblyHeld: { readonly bytes: number; readonly pending: number };
  readonly security: SecurityStats;
  /** Every drop counter, by reason: decode errors, rate limit, reassembly, pointer store, hops, duplicates. */
  readonly drops: DropStats;
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
