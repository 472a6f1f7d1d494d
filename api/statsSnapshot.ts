/**
 * node.stats: one fresh snapshot of every room's counters (api/nodeStats.ts says what each holds),
 * read from the node's runtimes.
 */
import type { LocatorRuntime } from '../actors/locatorRuntime';
import type { MembershipRuntime } from '../actors/membershipRuntime';
import type { RouterRuntime } from '../actors/routerRuntime';
import type { Gateways } from '../actors/gateways';
import type { RoutingTable } from '../routing/routingTable';
import type { Transport } from '../transport/types';
import { dropStats } from './dropStats';
import type { NodeStats } from './nodeStats';
import { resolveOnlyStats } from './resolveOnly';

/** The runtimes a snapshot reads. */
export interface StatsSources {
  readonly router: RouterRuntime;
  readonly transport: Transport;
  readonly membership: MembershipRuntime;
  readonly locator: LocatorRuntime;
  /** A resolve-only node's gateways; absent on a full node. */
  readonly gateways?: Gateways;
  readonly table: RoutingTable;
  /** The security provider's name. */
  readonly securityName: string;
}

/** Counters of everything the node did and refused, by room. */
export function nodeStatsOf(n: StatsSources): NodeStats {
  const r = n.router.reassembler;
  return {
    router: n.router.stats,
    reassembly: r.stats as unknown as Record<string, number>,
    transport: n.transport.stats,
    membership: n.membership.stats,
    location: { ...n.locator.stats, pointers: n.locator.store.size, objects: n.locator.store.objects },
    reassemblyHeld: { bytes: r.bytesHeld, pending: r.pending },
    drops: dropStats(n.router.stats, r.stats, n.locator.store.stats, n.transport.stats),
    security: {
      provider: n.securityName,
      forgedCredentials: n.membership.stats.forgedCredentials,
      peersProven: n.membership.stats.peersProven,
      ...n.locator.gate.stats,
    },
    resolveOnly: resolveOnlyStats({ gateways: n.gateways, router: n.router, table: n.table, leafSet: n.membership.leafSet, membership: n.membership, locator: n.locator }),
  };
}
