/**
 * The node facade: what an application holds after createNode (api/node.ts). Every method checks its
 * arguments (api/nodeOptions.ts) and hands the work to the node's actors.
 */
import { type Actor, type AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { ClosedError, InvalidArgumentError, MessageTooLargeError } from '../errors';
import { Guid, type IdSpace } from '../routing/guid';
import { RoutingTable } from '../routing/routingTable';
import type { Address, Transport, TransportStats } from '../transport/types';
import type { ModuleWithApi, UpcallModule } from '../upcalls/contract';
import { registerModule } from './registerModule';
import type { NodeHandle } from '../routing/messages';
import { MembershipRuntime, type MembershipStats } from '../actors/membershipRuntime';
import { nodeMachine, statusOf, type NodeCores, type NodeStatus } from '../actors/nodeMachine';
import type { BootstrapProvider } from '../bootstrap/provider';
import type { LeafChange } from '../membership/leafSet';
import { LocatorRuntime, type LocateResult, type LocatorStats, type PublishResult, type UnpublishResult } from '../actors/locatorRuntime';
import { RouterRuntime, type PingDone, type RouterStats } from '../actors/routerRuntime';
import type { DatagramPath } from '../actors/datagramPath';
import type { Pointer } from '../location/pointerStore';
import { NoGatewayError, ResolveOnlyError } from '../errors';
import { grantPublish, publishObject, sendToObject, startLocate, unpublishObject, type ObjectCallsNode } from './objectCalls';
import { whenStatus } from './statusWait';
import { nodeStatsOf } from './statsSnapshot';
import type { Gateways } from '../actors/gateways';
import { printableAddress } from '../transport/addressText';
import type { NodeStats } from './nodeStats';
import { readOnlyTable } from './tableView';
import { recordRoutingTable } from './internals';
import type { RoutingTableView } from '../upcalls/contract';
import { toGuid, type LocateOptions, type PublishOptions, type RouteOptions, type SendToObjectOptions } from './nodeOptions';
import { locateOptionsSchema } from './options/locateOptions';
import type { OwnerGrant } from '../actors/ownerClaims';
import { isEmpty, ROUTE_DEFAULTS, routeOptionsSchema } from './options/routeOptions';
import { parseOptions } from './options/schema';
import { sendRequest, type RequestOptions, type RequestReply } from './request';

export type { NodeStatus, PublishResult, UnpublishResult };
export type { NodeStats, SecurityStats } from './nodeStats';

/** A leaf-set change: the nodes that entered and left this node's leaf set. */
export type LeafSetListener = (change: LeafChange) => void;

/**
 * One overlay node, as createNode() returns it: route, request, publish and locate, watch its status
 * and leaf set, register upcall modules, leave or close. Misuse throws a named error; after close()
 * every call throws ClosedError.
 */
export class TapestryNode {
  /** This node's GUID (its identifier in the ID space). */
  readonly guid: Guid;
  /** This node as its peers know it: GUID and address. */
  readonly handle: NodeHandle;
  /** The routing table, read-only and live: lookups only (RoutingTableView). */
  readonly table: RoutingTableView;
  private readonly ownTable: RoutingTable;
  /** The ID space: ID width (160 or 256 bits) and digit width. */
  readonly space: IdSpace;
  private readonly router: AnyActorRef;
  private readonly locatorActor: AnyActorRef;
  private readonly locator: LocatorRuntime;
  private closing?: Promise<void>;

  /** @internal Use createNode(). */
  constructor(
    private readonly actor: Actor<typeof nodeMachine>,
    cores: NodeCores,
    private readonly transport: Transport,
    table: RoutingTable,
    space: IdSpace,
    leafListeners: Set<LeafSetListener>,
    private readonly provider?: BootstrapProvider,
  ) {
    this.ownTable = table;
    this.table = readOnlyTable(table);
    recordRoutingTable(this, table);
    this.handle = table.self;
    this.guid = table.self.guid;
    this.space = space;
    this.router = actor.system.get('router') as AnyActorRef;
    this.locatorActor = actor.system.get('objectLocator') as AnyActorRef;
    this.membershipActor = actor.system.get('membership') as AnyActorRef | undefined;
    this.core = cores.router;
    this.path = cores.path;
    this.locator = cores.locator;
    this.fanout = cores.locateFanout;
    this.membership = cores.membership;
    this.gatewaySet = cores.gateways;
    this.leafListeners = leafListeners;
    // Record peers each time the node becomes ACTIVE as well.
    if (provider?.record) {
      this.onStatus((st) => {
        if (st === 'ACTIVE') void provider.record!(this.peerAddresses());
      });
    }
  }

  private readonly core: RouterRuntime;
  /** The plain-call path into the router core (actors/datagramPath.ts). */
  private readonly path: DatagramPath;
  private readonly fanout: number;
  /** The security provider's name (stats). */
  private get securityName(): string {
    return this.locator.gate.provider.name;
  }
  private readonly membership: MembershipRuntime;
  /** A resolve-only node's gateways; absent on a full node. */
  private readonly gatewaySet?: Gateways;

  /**
   * This node is resolve-only (createNode's `resolveOnly`): it routes through a gateway, is never a
   * hop, a root or a leaf-set member, and cannot publish. node.stats.resolveOnly has its gateways.
   */
  get resolveOnly(): boolean {
    return this.gatewaySet !== undefined;
  }

  /** The gateways a resolve-only node routes through, the one in use first; empty on a full node. */
  get gateways(): readonly NodeHandle[] {
    return this.gatewaySet?.list() ?? [];
  }

  /** A resolve-only node with no answering gateway sends nothing: NoGatewayError rather than a silent drop. */
  private assertGateway(): void {
    if (this.gatewaySet && this.gatewaySet.size === 0) {
      throw new NoGatewayError('this resolve-only node has no answering gateway (it retries its bootstrap list every joinRetryMs)');
    }
  }
  /** @internal Leaf-set listeners; fed by the membership core through createNode's host. */
  readonly leafListeners: Set<LeafSetListener>;

  /** The Membership actor (absent when the node never ran); its presence is part of the status. */
  private readonly membershipActor?: AnyActorRef;

  /** Where the node is now: STARTING, JOINING, ACTIVE, ALONE, NO_NETWORK, FAULTED or CLOSED. */
  get status(): NodeStatus {
    const snap = this.actor.getSnapshot();
    return this.closing ? 'CLOSED' : statusOf(snap.value, snap.status === 'done', this.membershipActor?.getSnapshot().value);
  }

  /** Calls `listener` with every status change; returns a function that stops it. */
  onStatus(listener: (status: NodeStatus) => void): () => void {
    let last = this.status;
    const check = (): void => {
      const now = this.status;
      if (now !== last) {
        last = now;
        listener(now);
      }
    };
    // The lifecycle is the node actor's, the place in the mesh the Membership actor's: either may change it.
    const subs = [this.actor.subscribe(check), this.membershipActor?.subscribe({ next: check, error: () => {} })];
    return () => subs.forEach((s) => s?.unsubscribe());
  }

  /** Resolves when the node reaches `status` (at once if it is there). */
  whenStatus(status: NodeStatus): Promise<void> {
    return whenStatus(this.status, (l) => this.onStatus(l), status);
  }

  /** Calls `listener` whenever the leaf set changes; returns a function that stops it. */
  onLeafSet(listener: LeafSetListener): () => void {
    this.leafListeners.add(listener);
    return () => this.leafListeners.delete(listener);
  }

  /** The leaf set: the numerically nearest smaller and larger GUIDs this node knows, nearest first. */
  get leafSet(): {
    /** The nearest smaller GUIDs (wrapping around the ID space), nearest first. */
    readonly smaller: NodeHandle[];
    /** The nearest larger GUIDs, nearest first. */
    readonly larger: NodeHandle[];
  } {
    return { smaller: this.membership.leafSet.smaller(), larger: this.membership.leafSet.larger() };
  }

  /**
   * Leaves the mesh on purpose: nodes that list this one get a replacement, the pointers it roots
   * move to their new roots, then the node closes.
   */
  async leave(): Promise<void> {
    this.assertOpen();
    const membership = this.membershipActor;
    if (membership && membership.getSnapshot().status === 'active') {
      // Notices first, then the hand-over once nodes leaving at the same moment are known (membershipMachine.ts).
      const left = new Promise<void>((resolve) => {
        const sub = membership.subscribe({ complete: () => resolve(), error: () => resolve() });
        this.leaveWaits.push(() => {
          sub.unsubscribe();
          resolve();
        });
      });
      membership.send({ type: 'leave' });
      await left;
      this.leftMesh = true;
    }
    await this.close();
  }

  /** Where peers reach this node; prints as "127.0.0.1:4000" / "[::1]:4000" (formatAddress). */
  get address(): Address {
    return (this.printedAddress ??= printableAddress(this.handle.address));
  }
  private printedAddress?: Address;

  /** Counters of everything the node did and refused, by room (a fresh snapshot per read). */
  get stats(): NodeStats {
    return nodeStatsOf({
      router: this.core, transport: this.transport, membership: this.membership, locator: this.locator,
      gateways: this.gatewaySet, table: this.ownTable, securityName: this.securityName,
    });
  }

  /**
   * Sends `payload` toward `dest`. Exact routes reach only the node holding `dest` (else they are
   * dropped at the root and counted); fuzzy routes reach the surrogate root. Payloads larger than
   * the MTU are fragmented and reassembled at the destination.
   */
  route(dest: Guid | string, payload: Uint8Array | string, opts?: RouteOptions): void {
    this.assertOpen();
    this.assertGateway();
    const destGuid = toGuid(dest, this.space);
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    if (bytes.length > DEFAULTS.maxMessageBytes) {
      throw new MessageTooLargeError(`payload of ${bytes.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
    }
    // The hot path: no options (or an empty object) skips the schema for the defaults it would give.
    const { fuzzy, ttl, module: moduleId, confirm, redundancy } = opts === undefined || isEmpty(opts) ? ROUTE_DEFAULTS : parseOptions(routeOptionsSchema, opts, 'route');
    const request = { dest: destGuid, payload: bytes, fuzzy, ttl, moduleId, ...(confirm ? { confirm, redundancy } : {}) };
    // From one of the router's events (an upcall) it waits for that event to end, as an event of its
    // own; from outside any event the idle actor would run it at once: a plain call does (DESIGN rule 3).
    if (this.core.inEvent) this.router.send({ type: 'route', request });
    else this.path.call(() => this.core.route(request));
  }

  /**
   * Sends `payload` to `dest` (exact, or its surrogate root when `fuzzy`) as route() does, and resolves
   * with the reply the destination module's deliver returned, sent straight back (see RequestReply).
   * Rejects with TimeoutError, AbortedError, ClosedError, NoSuchNodeError (exact, no node holds `dest`),
   * NoReplyError (no module, no reply, or a failing one there) or LimitExceededError (too many waiting).
   */
  request(dest: Guid | string, payload: Uint8Array | string, opts?: RequestOptions): Promise<RequestReply> {
    return sendRequest({ core: this.core, path: this.path, space: this.space, assertOpen: () => (this.assertOpen(), this.assertGateway()) }, dest, payload, opts);
  }

  /**
   * Registers an upcall module. A module with `attach` is handed its ModuleContext first thing
   * (api/moduleContext.ts); when attach returns an object (the module's API, as bayeux(), anycast()
   * and mobile() do) register returns it, otherwise a function that unregisters the module.
   */
  register<A extends object>(module: ModuleWithApi<A>): A;
  register(module: UpcallModule): () => void;
  register(module: UpcallModule): unknown {
    this.assertOpen();
    return registerModule(module, {
      node: this, router: this.core, routerActor: this.router, leafSet: this.membership.leafSet, clock: this.actor.clock,
      security: this.locator.gate.provider, moduleActors: this.moduleActors,
    });
  }


  /** Each registered module's own actors (ModuleContext.startActor), stopped when the node closes. */
  private readonly moduleActors = new Set<Set<AnyActorRef>>();

  /** Measures the round-trip time to an address (ms, on the node's clock). */
  ping(to: Address, opts: { timeoutMs?: number } = {}): Promise<number> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? DEFAULTS.pingTimeoutMs;
    return new Promise((resolve, reject) => {
      const done: PingDone = (reply, err) => (reply ? resolve(reply.rtt) : reject(err));
      this.router.send({ type: 'ping', to, timeoutMs, done });
    });
  }

  /**
   * Advertises that this node serves `object` (soft state: republished until unpublished). Resolves
   * once every salted root acknowledged storing its pointer (PublishResult), so a locate issued then
   * finds it; rejects with TimeoutError after DEFAULTS.publishAckTimeoutMs (the object stays
   * published and is republished as ever), LimitExceededError when DEFAULTS.maxPendingPublishAcks
   * publishes already wait, ClosedError when the node closes first. Ignoring the promise is safe: a
   * rejection no one awaits is never an unhandled one. Bad arguments throw at once.
   */
  publish(object: Guid | string, opts: PublishOptions = {}): Promise<PublishResult> {
    return publishObject(this.objectCalls, object, opts);
  }

  /**
   * The self-certifying GUID of this node's object `name`: the hash of this node's public key and the
   * name, so only this node (and the servers it grants) can ever publish it. Publish it with
   * `publish(guid, { name })`. Needs `security: 'signed'`.
   */
  ownedObject(name: string): Guid {
    return this.locator.claims.ownedObject(name);
  }

  /**
   * This node's permission, as the owner of `object`, for `server` to publish it for `expiresInMs`
   * (whole seconds, by the network's wall clock); the server passes it as `publish(object, { owner: grant })`.
   * `name` when the object is this node's self-certifying object of that name. Needs `security: 'signed'`.
   */
  grantPublish(object: Guid | string, server: Guid | string, opts: { expiresInMs: number; name?: string }): OwnerGrant {
    return grantPublish(this.objectCalls, object, server, opts);
  }

  /**
   * Withdraws this node's replica of `object`: the pointers on its paths are removed. Resolves once
   * every salted root acknowledged that the unpublish reached it, so no pointer on the way to it is
   * left (UnpublishResult); at once with `tried` 0 when this node does not publish `object`. A
   * publish of it still waiting ends with AbortedError. Rejects as publish() does (TimeoutError after
   * DEFAULTS.publishAckTimeoutMs: pointers it missed expire; LimitExceededError; ClosedError), and
   * ignoring the promise is as safe. A bad GUID or a closed node throws at once.
   */
  unpublish(object: Guid | string): Promise<UnpublishResult> {
    return unpublishObject(this.objectCalls, object);
  }

  /**
   * Finds replicas of `object`, nearest first: yields up to `replicas` results, then ends. Fails
   * with NotFoundError once every salted root answered without a match, TimeoutError when none
   * answered, AbortedError when `signal` aborts.
   */
  locate(object: Guid | string, opts: LocateOptions = {}): AsyncIterableIterator<LocateResult> {
    return startLocate(this.objectCalls, object, parseOptions(locateOptionsSchema, opts, 'locate'), 0, new Uint8Array(0));
  }

  /**
   * Delivers `payload` to the nearest replica of `object` (or the `replicas` nearest), seen there
   * by module `module` as a delivery. Resolves with the replicas reached.
   */
  async sendToObject(object: Guid | string, payload: Uint8Array | string, opts: SendToObjectOptions = {}): Promise<LocateResult[]> {
    return sendToObject(this.objectCalls, object, payload, opts);
  }

  /** The pointers this node holds for `object` (Common API localLookup), nearest server first. */
  localLookup(object: Guid | string): Pointer[] {
    return this.locator.store.get(toGuid(object, this.space), this.core.now());
  }

  /** The publish/locate half of the facade's work (api/objectCalls.ts), seeing this node's state. */
  private get objectCalls(): ObjectCallsNode {
    const node = this;
    return (this.calls ??= {
      space: this.space, locator: this.locator, locatorActor: this.locatorActor, fanout: this.fanout,
      assertOpen: () => this.assertOpen(), assertGateway: () => this.assertGateway(),
      get resolveOnly() {
        return node.resolveOnly;
      },
    });
  }
  private calls?: ObjectCallsNode;

  /** Adds a known peer to the routing table with a measured latency (static meshes, tools). */
  addPeer(peer: NodeHandle, latencyMs: number): boolean {
    this.assertOpen();
    if (this.gatewaySet) throw new ResolveOnlyError('a resolve-only node keeps no routing table: its gateways come from `bootstrap`');
    if (!(latencyMs >= 0)) throw new InvalidArgumentError(`latency must be ≥ 0, got ${latencyMs}`);
    const added = this.ownTable.add(peer, latencyMs);
    // A first neighbour takes an ALONE node to ACTIVE.
    if (added) this.membershipActor?.send({ type: 'peers' });
    return added;
  }

  /** The addresses of the routing table's neighbours, nearest first (what a bootstrap provider records); a resolve-only node's gateways. */
  peerAddresses(): Address[] {
    // A resolve-only node's peers are its gateways: what a persisted bootstrap list should keep.
    if (this.gatewaySet) return this.gatewaySet.list().map((g) => g.address);
    const all = [...this.table.neighbours()].map((n) => ({ n, l: this.table.get(n.guid)?.latency ?? Infinity }));
    return all.sort((a, b) => a.l - b.l).map((x) => x.n.address);
  }

  /** @internal Set once leave() handed over and said goodbye (the lifecycle log says "left"). */
  leftMesh = false;

  /** Leaves waiting for the Membership actor to finish; a close ends them. */
  private readonly leaveWaits: Array<() => void> = [];

  /** Stops the node: its actors, timers and socket. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Remember who we knew, so a restart can rejoin without its original bootstrap address.
      const peers = this.peerAddresses();
      if (this.provider?.record && peers.length > 0) await this.provider.record(peers);
      for (const wake of this.leaveWaits.splice(0)) wake();
      for (const actors of this.moduleActors) for (const a of actors) a.stop();
      this.actor.send({ type: 'close' });
      this.actor.stop();
      this.core.shutdown(new ClosedError('node closed'));
      this.locator.shutdown(new ClosedError('node closed'));
      await this.transport.close();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new ClosedError('node is closed');
  }
}
