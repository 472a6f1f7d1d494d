/**
 * What createNode builds differently for a resolve-only node (`resolveOnly: true`; routing/resolveOnly.ts):
 * its gateways (actors/gateways.ts) in place of the join protocol, and the membership driver that
 * runs them — "joining" is finding an answering gateway, ACTIVE is having one, the maintenance tick
 * checks them; there is nothing to repair, announce or hand over. Also its stats.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { MembershipDriver } from '../actors/membershipMachine';
import { Gateways, type GatewayStats } from '../actors/gateways';
import type { RouterRuntime } from '../actors/routerRuntime';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';
import type { LeafSet } from '../membership/leafSet';
import type { LocatorRuntime } from '../actors/locatorRuntime';
import type { MembershipRuntime } from '../actors/membershipRuntime';
import type { ParsedNodeOptions } from './options/nodeOptions';
import { formatAddress } from '../transport/addressText';

/** Refuses the options a resolve-only node cannot run with (InvalidArgumentError, before any socket opens). */
export function checkResolveOnly(options: ParsedNodeOptions): void {
  if (!options.resolveOnly) return;
  if (options.bootstrap === undefined) {
    throw new InvalidArgumentError('a resolve-only node needs `bootstrap`: the full nodes it hands its messages to (it never starts a mesh)');
  }
  if (options.table !== undefined) throw new InvalidArgumentError('a resolve-only node has no routing table to give it (`table`)');
}

/** The gateways of a resolve-only node, on its router. */
export function makeGateways(self: NodeHandle, router: () => RouterRuntime | undefined, parts: {
  ping: RouterRuntime['ping'];
  authenticates: boolean;
  changed: () => void;
  heartbeatMs: number;
}): Gateways {
  return new Gateways(
    {
      self,
      authenticates: parts.authenticates,
      now: () => router()?.now() ?? 0,
      ping: parts.ping,
      lastHeard: (peer) => router()?.health.lastHeard(peer.guid.hex),
      changed: parts.changed,
    },
    DEFAULTS.joinRequestTimeoutMs,
    parts.heartbeatMs,
  );
}

/** The membership driver of a resolve-only node: gateways instead of the join protocol. */
export function resolveOnlyDriver(gateways: Gateways, inRouterEvent: (work: () => void) => void, spread: MembershipDriver['spread']): MembershipDriver {
  const nothing = (): void => {};
  return {
    hasPeers: () => gateways.size > 0,
    join: (bootstrap, done) => gateways.connect(bootstrap, done),
    repairOnce: nothing,
    nextRepairMs: () => DEFAULTS.repairMaxMs,
    tick: () => gateways.tick(),
    nextTickMs: () => DEFAULTS.maintenanceTickMs,
    // Nobody lists it and it holds nothing for others: a leave has no one to tell and nothing to hand over.
    sendLeaveNotices: nothing,
    handOver: nothing,
    inRouterEvent,
    spread,
  };
}

/** What node.stats.resolveOnly reports. */
export interface ResolveOnlyStats extends Partial<GatewayStats> {
  /** This node is resolve-only. */
  readonly enabled: boolean;
  /** Resolve-only: the gateways answering now, the one in use first ("127.0.0.1:4000"). */
  readonly gateways?: readonly string[];
  /** Resolve-only: its own messages handed to a gateway. */
  readonly relayed?: number;
  /** Resolve-only: messages dropped with no gateway answering. */
  readonly relayNoGateway?: number;
  /** Resolve-only: routed frames and membership messages refused (it is never a hop or a member). */
  readonly refusedAsHop?: number;
  /**
   * Full node: resolve-only nodes kept out, by where — routing-table entries and backpointers, leaf
   * set, membership (flagged handles offered, pings answered by one, membership messages one sent,
   * counted by the membership runtime and the router), pointers naming one as server.
   */
  readonly refused?: {
    /** Routing-table entries and backpointers refused. */
    readonly table: number;
    /** Leaf-set offers refused. */
    readonly leafSet: number;
    /** Admissions, membership pings and membership messages refused. */
    readonly membership: number;
    /** Publishes whose server is a resolve-only node, refused. */
    readonly pointers: number;
  };
}

/** node.stats.resolveOnly: a resolve-only node's gateways and relaying, or a full node's refusals. */
export function resolveOnlyStats(parts: {
  gateways?: Gateways;
  router: RouterRuntime;
  table: RoutingTable;
  leafSet: LeafSet;
  membership: MembershipRuntime;
  locator: LocatorRuntime;
}): ResolveOnlyStats {
  const r = parts.router.stats;
  if (parts.gateways) {
    return {
      enabled: true, ...parts.gateways.stats, gateways: parts.gateways.list().map((g) => formatAddress(g.address)),
      relayed: r.relayed, relayNoGateway: r.relayNoGateway, refusedAsHop: r.refusedAsHop,
    };
  }
  return {
    enabled: false,
    refused: {
      table: parts.table.stats.resolveOnlyRefused,
      leafSet: parts.leafSet.resolveOnlyRefused,
      membership: parts.membership.stats.resolveOnlyRefused + r.resolveOnlyRefused,
      pointers: parts.locator.intake.resolveOnlyRefused,
    },
  };
}
