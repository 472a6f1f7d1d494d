/**
 * One routing step at a node and the hop that follows it: the pure next-hop choice (routing/nextHop.ts),
 * the message's module's forward upcall, and the send — acknowledged, retransmitted and failed over
 * (routing/reliableHops.ts) when the node has a timer. A resolve-only node routes nothing but its own
 * messages, which go to its gateway. The router runtime (routerRuntime.ts) owns what this uses and
 * delivers what ends here.
 */
import { nextHopAvoiding, nextHopForCopy, nextHopPassing, type NextHop } from '../routing/nextHop';
import type { RoutingTable } from '../routing/routingTable';
import type { Body, NodeHandle, RouteMsg } from '../routing/messages';
import type { ReliableHops } from '../routing/reliableHops';
import type { PeerHealth } from '../routing/peerHealth';
import type { Address } from '../transport/types';
import type { ForwardContext } from '../upcalls/contract';
import type { UpcallHost } from '../upcalls/host';
import type { RequestRuntime } from './requestRuntime';
import type { Relay } from './resolveOnlyGate';
import type { RouterStats } from './routerTypes';

/** What a step needs of the router runtime. */
export interface ForwarderDeps {
  /** This node. */
  readonly self: NodeHandle;
  /** The node's routing table, read for next hops and neighbours' latencies. */
  readonly table: RoutingTable;
  /** Peers' health: a suspected neighbour is passed over. */
  readonly health: PeerHealth;
  /** The node's upcall modules: a forwarded message passes its module's forward upcall. */
  readonly upcalls: UpcallHost;
  /** Requests: one that cannot reach its destination is refused to its requester. */
  readonly requests: RequestRuntime;
  /** Acknowledged hops. */
  readonly hops: ReliableHops;
  /** Whether hops are acknowledged (a timer is available and hop acknowledgements are on). */
  readonly hopAcks: boolean;
  /** A resolve-only node's gateways (absent on a full node). */
  readonly relay?: Relay;
  /** The message ends here (`ttlExpired`: it ran out of hops). */
  arrive(msg: RouteMsg, ttlExpired: boolean, from: NodeHandle | undefined): void;
  /** Encodes and sends a frame that wants no HopAck. */
  sendFrame(to: Address, body: Body): void;
  /** Encodes a frame with datagram id `frameId`. */
  encode(frameId: number, body: Body): Uint8Array;
}

/** Routing steps at one node; counts into the router's stats. */
export class Forwarder {
  constructor(
    private readonly deps: ForwarderDeps,
    private readonly stats: RouterStats,
  ) {}

  /** One routing step at this node: deliver here, drop, or forward one hop. */
  step(msg: RouteMsg, from?: NodeHandle, avoid?: Set<string>, retry = false): void {
    if (this.deps.relay) return this.toGateway(msg, avoid, retry);
    const hop = avoid ? nextHopAvoiding(this.deps.table, msg.dest, msg.level, avoid)
      : msg.confirm ? nextHopForCopy(this.deps.table, msg.dest, msg.level, msg.confirm) : nextHopPassing(this.deps.table, msg.dest, msg.level, this.deps.health.suspected);
    if (hop.kind === 'root') {
      if (!msg.fuzzy && !msg.dest.equals(this.deps.self.guid)) {
        // Exact routing ends at the root of a GUID no node holds: dropped, as the spec says (a request is answered so).
        this.stats.droppedNoExactMatch++;
        if (msg.requestId && !msg.fragment?.index) this.deps.requests.refuse(msg, 'noSuchNode');
        return;
      }
      this.deps.arrive(msg, false, from);
      return;
    }
    if (msg.hops >= msg.ttl) {
      this.stats.ttlExpired++;
      if (!msg.requestId) this.deps.arrive(msg, true, from);
      else if (!msg.fragment?.index) this.deps.requests.refuse(msg, 'ttlExpired');
      return;
    }
    this.via(msg, hop, from, avoid, retry);
  }

  /**
   * A resolve-only node's own message (it routes nothing else): to its gateway, which resumes at
   * level 0 as if the message had started there; a failover (`avoid`) goes to the next gateway.
   */
  private toGateway(msg: RouteMsg, avoid: Set<string> | undefined, retry: boolean): void {
    const gateway = this.deps.relay!.current(avoid);
    if (!gateway) {
      this.stats.relayNoGateway++;
      return;
    }
    this.stats.relayed++;
    this.via(msg, { kind: 'forward', to: gateway, level: -1 }, undefined, avoid, retry);
  }

  /** Forwards `msg` to `hop.to` (which resumes at `hop.level + 1`), past its module's forward upcall unless `retry`. */
  via(msg: RouteMsg, hop: NextHop & { kind: 'forward' }, from: NodeHandle | undefined, avoid: Set<string> | undefined, retry: boolean): void {
    let payload = msg.payload;
    // A retry after a silent hop already passed this node's module once.
    const module = retry ? undefined : this.deps.upcalls.forwarder(msg.moduleId);
    if (module) {
      const ctx: ForwardContext = {
        dest: msg.dest, source: msg.source, hops: msg.hops, fuzzy: msg.fuzzy, nextHop: hop.to,
        fragment: msg.fragment, payload, from,
      };
      if (!this.deps.upcalls.forward(module, ctx)) return;
      payload = ctx.payload;
    }
    this.stats.forwarded++;
    this.forwardTo(hop.to, { ...msg, payload, hops: msg.hops + 1, level: hop.level + 1 }, avoid);
  }

  /**
   * Sends a routed frame one hop. With a timer available the hop is acknowledged (reliableHops.ts):
   * retransmitted without a HopAck, then failed over to another neighbour.
   */
  private forwardTo(to: NodeHandle, route: RouteMsg, avoid: Set<string> | undefined): void {
    if (!this.deps.hopAcks) {
      this.deps.sendFrame(to.address, { kind: 'route', route });
      return;
    }
    const frameId = this.deps.hops.claimFrameId();
    if (frameId === 0) {
      this.deps.sendFrame(to.address, { kind: 'route', route: { ...route, ackWanted: false } });
      return;
    }
    const bytes = this.deps.encode(frameId, { kind: 'route', route: { ...route, ackWanted: true } });
    this.deps.hops.send(frameId, route, to, bytes, avoid, this.latencyOf(to));
  }

  /** A neighbour's measured latency; undefined for a node outside the routing table. */
  latencyOf(node: NodeHandle): number | undefined {
    return this.deps.table.get(node.guid)?.latency;
  }
}
