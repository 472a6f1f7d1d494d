/**
 * The public face of one overlay node: `createNode(options)`, the composition root that builds a
 * node's runtimes and actors, and the TapestryNode it returns (api/tapestryNode.ts).
 */
import { createActor, waitFor, type AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { ClosedError, InvalidArgumentError } from '../errors';
import { nodeLogger } from '../log';
import { idSpace } from '../routing/guid';
import { RoutingTable } from '../routing/routingTable';
import type { Transport } from '../transport/types';
import { openUdpTransport } from '../transport/udp';
import type { NodeHandle } from '../routing/messages';
import { MembershipRuntime } from '../actors/membershipRuntime';
import type { MembershipDriver } from '../actors/membershipMachine';
import { nodeMachine, type NodeCores } from '../actors/nodeMachine';
import { StaticBootstrap } from '../bootstrap/staticList';
import { LocatorRuntime } from '../actors/locatorRuntime';
import { RouterRuntime } from '../actors/routerRuntime';
import { createDatagramPath } from '../actors/datagramPath';
import { realClock } from './clock';
import { logLifecycle } from './lifecycleLog';
import { checkStaticBootstrap, reachableBootstrap } from './bootstrapReach';
import { TapestryNode, type LeafSetListener } from './tapestryNode';
import { chooseGuid, isTransport, resolveSecurity, toProvider, type NodeOptions } from './nodeOptions';
import { nodeOptionsSchema } from './options/nodeOptions';
import { parseOptions } from './options/schema';
import { checkResolveOnly, makeGateways, resolveOnlyDriver } from './resolveOnly';
import type { Gateways } from '../actors/gateways';

export { TapestryNode } from './tapestryNode';
export type { LeafSetListener, NodeStats, SecurityStats, NodeStatus, PublishResult, UnpublishResult } from './tapestryNode';
export type { LocateOptions, LocateResult, NodeOptions, PublishOptions, RouteOptions, SendToObjectOptions, UdpOptions } from './nodeOptions';
export type { RequestOptions, RequestReply } from './request';

/** Starts a node on its transport and resolves once it is active. */
export async function createNode(given: NodeOptions = {}): Promise<TapestryNode> {
  // Every key checked (and defaulted) by the one schema before anything opens (api/options/).
  const options = parseOptions(nodeOptionsSchema, given, 'createNode');
  checkResolveOnly(options);
  const space = options.table?.space ?? idSpace(options.idBits, options.digitBits);
  const { security, identity, random } = await resolveSecurity(options);
  const guid = chooseGuid(options, space, security, identity);
  if (options.table && !options.table.self.guid.equals(guid)) {
    throw new InvalidArgumentError('the routing table belongs to another node');
  }
  const clock = options.clock ?? realClock;
  const transportGiven = options.transport;
  const log = nodeLogger(guid.hex, options.debug, options.log);
  const salts = options.salts;
  const fanout = options.locateFanout;
  let nodeRef: AnyActorRef | undefined;
  // The router and locator exist from the moment the node runs, which may be inside the very
  // transition that starts a join: the cores look them up in the actor system when they need them.
  const refs = new Map<string, AnyActorRef>();
  const child = (id: 'router' | 'objectLocator' | 'membership'): AnyActorRef => {
    let ref = refs.get(id);
    if (!ref) refs.set(id, (ref = nodeRef!.system.get(id) as AnyActorRef));
    return ref;
  };
  const router$ = () => child('router');
  const leafListeners = new Set<LeafSetListener>();
  const provider = toProvider(options.bootstrap);
  const openTransport = async (): Promise<Transport> => {
    const t = isTransport(transportGiven) ? transportGiven : await openUdpTransport({ ...transportGiven, mtu: options.mtu });
    try {
      checkStaticBootstrap(t, provider);
    } catch (e) {
      if (t !== transportGiven) await t.close(); // the socket createNode opened, never the caller's transport
      throw e;
    }
    return t;
  };
  let built: { cores: NodeCores; table: RoutingTable; transport: Transport } | undefined;
  const makeCores = (transport: Transport): NodeCores => {
    // A resolve-only node says so on its own handle, so every frame and message it sends carries it (routing/resolveOnly.ts).
    const self: NodeHandle = options.resolveOnly ? { guid, address: transport.local, resolveOnly: true } : { guid, address: transport.local };
    const table = options.table ?? new RoutingTable(self, space);
    let membership: MembershipRuntime | undefined;
    let routerCore: RouterRuntime | undefined;
    // Pings sent from one of the router's events arm their timeout with it; others go through the actor.
    const pingNow: RouterRuntime['ping'] = (to, timeoutMs, done, opts) => {
      if (!routerCore!.inEvent) router$().send({ type: 'ping', to, timeoutMs, done, opts });
      else routerCore!.ping(to, timeoutMs, done, opts);
    };
    const gateways: Gateways | undefined = options.resolveOnly
      ? makeGateways(self, () => routerCore, { ping: pingNow, authenticates: security.authenticates === true, changed: () => child('membership').send({ type: 'peers' }), heartbeatMs: options.heartbeatMs })
      : undefined;
    const router = new RouterRuntime({
      self: table.self, table, space, transport, now: () => clock.now(), log, mtu: options.mtu,
      clock,
      hopAcks: options.hopAcks,
      rateLimit: options.peerRateLimit,
      // A resolve-only node's only peers are its gateways: one that missed a hop is dropped, the next takes over.
      onSuspect: (n) => (gateways ? gateways.failed(n) : membership?.suspect(n)),
      relay: gateways,
      onProofDemanded: (n) => membership?.proofDemanded(n),
      // A neighbour that failed too many confirmed routes leaves the table as a failed one would; modules hear of it.
      onDistrusted: (n) => membership?.forget(n.guid),
      security,
    });
    routerCore = router;
    const locator = new LocatorRuntime(
      {
        self: table.self, table, space, log,
        now: () => clock.now(),
        route: (req) => router.route(req),
        sendDirect: (to, moduleId, payload, hops, acked) => router.sendDirect(to, moduleId, payload, hops, acked),
        deliverLocal: (d) => router.deliverLocal(d),
        armTimeout: (id, attempt, ms) => child('objectLocator').send({ type: 'arm', id, attempt, ms }),
        armPublishTimeout: (id, ms) => child('objectLocator').send({ type: 'armPublish', id, ms }),
        pointersHeld: () => child('objectLocator').send({ type: 'pointersHeld' }),
        checkReturn: (to, done) => router.ping(to.address, DEFAULTS.requestTimeoutMs, (r) => done(r !== undefined && r.peer.guid.equals(to.guid)), { challenge: false, stranger: true }),
        security,
        random,
        // Owner grants expire by the network's wall clock: Unix time, or the injected (virtual) clock.
        wallSeconds: options.clock ? () => Math.floor(clock.now() / 1000) : () => Math.floor(Date.now() / 1000),
      },
      {
        salts,
        pointerLifetimeMs: options.pointerLifetimeMs,
        republishMs: options.republishMs,
        attemptTimeoutMs: options.locateAttemptTimeoutMs,
        extra: options.extraPointers,
        ownership: options.objectOwnership,
      },
    );
    router.upcalls.registerBuiltIn(locator);
    membership = new MembershipRuntime(
      {
        self: table.self, table, space, log, security,
        now: () => clock.now(),
        route: (req) => router.route(req),
        // Unacknowledged: every membership request has its own timeout and retry (and joins stay cheap).
        sendDirect: (to, moduleId, payload, hops) => router.sendDirect(to, moduleId, payload, hops, false),
        // Asked during one of the router's events (the usual case) a ping is sent at once, and the timeout
        // is one of the timers that event arms, so a ping costs no actor event of its own.
        ping: pingNow,
        after: (ms, fire) => router.after(ms, fire),
        health: router.health,
        random: options.random ?? (transport as { random?: (bytes: number) => Uint8Array }).random,
        peersChanged: () => child('membership').send({ type: 'peers' }),
        neighbourUpdate: (node, joined, change) => {
          router.upcalls.update(node, joined);
          if (change) for (const l of leafListeners) l(change);
        },
      },
      {
        k: DEFAULTS.joinNeighbours, requestTimeoutMs: DEFAULTS.joinRequestTimeoutMs, joinTimeoutMs: DEFAULTS.joinTimeoutMs,
        heartbeatMs: options.heartbeatMs, repairMs: options.repairMs,
      },
    );
    router.upcalls.registerBuiltIn(membership);
    const running = membership;
    const heartbeatMs = options.heartbeatMs;
    const spread = { repair: guid.bytes[0], heartbeat: guid.bytes[1] };
    const inRouterEvent = (work: () => void): void => router$().send({ type: 'fire', fire: work });
    const membershipDriver: MembershipDriver = gateways ? resolveOnlyDriver(gateways, inRouterEvent, spread) : {
      hasPeers: () => table.size > 0,
      join: (bootstrap, done) => running.join(bootstrap, done),
      repairOnce: () => running.repairOnce(),
      nextRepairMs: () => running.nextRepairMs(),
      tick: () => running.tick(),
      nextTickMs: () => running.nextTickMs(),
      sendLeaveNotices: () => running.sendLeaveNotices(),
      handOver: () => router.upcalls.leaving(),
      // One router event per round, as when these loops were the router's timers: its pings and timeouts arm together.
      inRouterEvent,
      spread,
    };
    const cores: NodeCores = {
      router, locator, membership, membershipDriver, locateFanout: Math.min(fanout, salts),
      // Datagrams, and API calls made outside any event, run as plain calls into the router core.
      path: createDatagramPath(router, router$),
      republishMs: options.republishMs, pointerSweepMs: DEFAULTS.pointerSweepMs,
      // A resolve-only node has no table to repair; its heartbeat ticks check its gateways.
      repairMs: gateways ? 0 : options.repairMs, heartbeatMs, leaveGraceMs: DEFAULTS.leaveGraceMs,
      gateways,
    };
    built = { cores, table, transport };
    return cores;
  };
  const actor = createActor(nodeMachine, {
    clock,
    input: {
      openTransport, makeCores, clock,
      bootstrap: provider && (provider instanceof StaticBootstrap
        ? () => provider.list()
        : reachableBootstrap(provider, () => built?.transport, (n) => (built!.cores.membership.stats.bootstrapUnreachable += n), log)),
      retryMs: options.joinRetryMs,
    },
  });
  nodeRef = actor;
  actor.start();
  const snap = await waitFor(actor, (s) => s.status === 'done' || s.value !== 'starting');
  if (snap.value === 'starting' || snap.value === 'closed' || !built) {
    actor.stop();
    throw snap.context.error instanceof Error ? snap.context.error : new ClosedError('node failed to start');
  }
  const node = new TapestryNode(actor, built.cores, built.transport, built.table, space, leafListeners, provider);
  const retryMs = options.joinRetryMs ?? DEFAULTS.joinRetryMs;
  logLifecycle(node, log, { provider, retryMs, joinProblem: () => built?.cores.membership.joinProblem(), fault: () => actor.getSnapshot().context.error });
  return node;
}

