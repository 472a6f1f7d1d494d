/**
 * The public face of one overlay node: `createNode(options)` and the TapestryNode it returns.
 * Validation lives here, so misuse throws a named error before anything reaches the actors.
 */
import { randomBytes } from 'node:crypto';
import type bunyan from 'bunyan';
import { createActor, waitFor, type Actor, type AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../errors';
import { nodeLogger } from '../log';
import { Guid, idSpace, type IdSpace } from '../routing/guid';
import { RoutingTable } from '../routing/routingTable';
import type { Address, Clock, Transport, TransportStats } from '../transport/types';
import { openUdpTransport } from '../transport/udp';
import type { UpcallModule } from '../upcalls/contract';
import { checkModuleId as checkModule } from '../upcalls/host';
import { createModuleContext } from './moduleContext';
import type { NodeHandle } from '../routing/messages';
import { MembershipRuntime, type MembershipStats } from '../actors/membershipRuntime';
import type { MembershipDriver } from '../actors/membershipMachine';
import { nodeMachine, statusOf, type NodeCores, type NodeStatus } from '../actors/nodeMachine';
import type { BootstrapProvider } from '../bootstrap/provider';
import { StaticBootstrap } from '../bootstrap/staticList';
import type { LeafChange } from '../membership/leafSet';
import { LocatorRuntime, type LocateResult, type LocatorStats } from '../actors/locatorRuntime';
import { RouterRuntime, type PingDone, type RouterStats } from '../actors/routerRuntime';
import type { Pointer } from '../location/pointerStore';
import { AbortedError } from '../errors';
import { Identity, secureRandom, type RandomBytes } from '../security/identity';
import { loadOrCreateIdentity } from '../security/identityFile';
import { createSecurityProvider, type SecurityProviderChoice } from '../security/choose';
import type { SecurityProvider } from '../security/provider';
import { SignedSecurityProvider } from '../security/signedProvider';
import { Channel } from './channel';
import { dropStats, type DropStats } from './dropStats';
import { realClock } from './clock';

/** Where a node opens its UDP socket when no transport is given. */
export interface UdpOptions {
  readonly family?: 4 | 6;
  readonly host?: string;
  readonly port?: number;
}

export interface NodeOptions {
  /** A ready transport (e.g. from SimNetwork.createTransport()) or UDP socket options. Default: UDP on 127.0.0.1, any port. */
  readonly transport?: Transport | UdpOptions;
  /** Time source for every timer of the node. Default: the wall clock. */
  readonly clock?: Clock;
  /**
   * This node's GUID. Default: the hash of its identity's public key when it has one, else random.
   * With `security: 'signed'` a GUID is never chosen: it is the key's hash, so an explicit `guid`
   * is an InvalidArgumentError unless it is exactly that (pass `identity` to keep a GUID across restarts).
   */
  readonly guid?: Guid | string;
  /**
   * The node's ed25519 key pair, or the path of a file holding it (created, mode 0600, when missing),
   * so a restarted node keeps its GUID. Default with `signed`: a new key pair from `random`.
   */
  readonly identity?: Identity | string;
  /**
   * How the node authenticates peers and records: `none` trusts everyone (simulations, closed
   * networks), `signed` admits a peer to a table only after it signed a nonce with the key behind its
   * GUID and stores only pointers whose publish is signed by their server, or the application's own
   * provider. Default: `signed` on UDP, `none` when a transport or clock is injected (the simulator).
   */
  readonly security?: SecurityProviderChoice;
  /**
   * Random source for the node's new key pair and its challenge nonces. Default: the OS CSPRNG; a
   * simulation passes a seeded one so `signed` runs repeat exactly.
   */
  readonly random?: RandomBytes;
  /** ID width (160 or 256) and digit width (1, 2, 4, 8). */
  readonly idBits?: 160 | 256;
  readonly digitBits?: 1 | 2 | 4 | 8;
  /** A routing table already filled (the static-mesh builder's); its owner must be this node. */
  readonly table?: RoutingTable;
  /** Largest datagram sent; default the transport's MTU. */
  readonly mtu?: number;
  readonly log?: bunyan;
  /** Debug logging for this node. */
  readonly debug?: boolean;
  /** Object location: salted roots per object (default DEFAULTS.salts). */
  readonly salts?: number;
  /** Soft state: republish period (ms; 0 = never). Default DEFAULTS.republishMs. */
  readonly republishMs?: number;
  /** How long pointers this node publishes live without republish (ms). Default DEFAULTS.pointerLifetimeMs. */
  readonly pointerLifetimeMs?: number;
  /** How long a locate waits on one salted root before trying the next (ms). */
  readonly locateAttemptTimeoutMs?: number;
  /** Salted roots a locate tries at once (1 .. salts). Default DEFAULTS.locateFanout, capped at salts. */
  readonly locateFanout?: number;
  /**
   * Where to join from: a provider, or addresses ("127.0.0.1:4000", "[::1]:4000", or Address
   * objects). Absent: the node starts a mesh of its own (ALONE until a peer joins through it).
   */
  readonly bootstrap?: BootstrapProvider | ReadonlyArray<Address | string>;
  /** How long an ALONE node waits before trying its bootstrap again (ms). Default DEFAULTS.joinRetryMs. */
  readonly joinRetryMs?: number;
  /** Table repair period (ms; 0 = off). Default DEFAULTS.repairMs. */
  readonly repairMs?: number;
  /** Heartbeat period to primary neighbours (ms; 0 = off). Default DEFAULTS.heartbeatMs. */
  readonly heartbeatMs?: number;
  /** Acknowledge every forwarded hop and fail over to a backup without one. Default DEFAULTS.hopAcks. */
  readonly hopAcks?: boolean;
  /**
   * Datagrams a second (and at once) one sender address may send this node before the rest are
   * dropped unread. Default DEFAULTS.peerRatePerSec / peerRateBurst; false turns the limit off.
   */
  readonly peerRateLimit?: { readonly perSec: number; readonly burst: number } | false;
  /** JSAC pointer caching on publish: k backups of the next hop, l nearest neighbours, first m hops. Off by default. */
  readonly extraPointers?: { readonly backups: number; readonly neighbours: number; readonly hops: number };
}

export interface LocateOptions {
  /** Only replicas published with this tag; empty or absent matches any. */
  readonly query?: string;
  /** How many distinct replicas to find (1 .. DEFAULTS.maxReplicas). Default 1. */
  readonly replicas?: number;
  readonly signal?: AbortSignal;
}

export interface SendToObjectOptions extends LocateOptions {
  /** Module that receives the message at each replica. Default 0. */
  readonly module?: number;
}

export type { LocateResult };

export interface RouteOptions {
  /** Deliver at the GUID's surrogate root when no node holds it exactly. Default false. */
  readonly fuzzy?: boolean;
  /** Most hops (1 .. DEFAULTS.maxTtl). Default DEFAULTS.defaultTtl. */
  readonly ttl?: number;
  /** Upcall module id that handles the message (0 .. 65535). Default 0. */
  readonly module?: number;
}

export type { NodeStatus };

/** A leaf-set change: the nodes that entered and left this node's leaf set. */
export type LeafSetListener = (change: LeafChange) => void;

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

export class TapestryNode {
  readonly guid: Guid;
  readonly handle: NodeHandle;
  readonly table: RoutingTable;
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
    this.table = table;
    this.handle = table.self;
    this.guid = table.self.guid;
    this.space = space;
    this.router = actor.system.get('router') as AnyActorRef;
    this.locatorActor = actor.system.get('objectLocator') as AnyActorRef;
    this.membershipActor = actor.system.get('membership') as AnyActorRef | undefined;
    this.core = cores.router;
    this.locator = cores.locator;
    this.fanout = cores.locateFanout;
    this.membership = cores.membership;
    this.leafListeners = leafListeners;
    // Record peers each time the node becomes ACTIVE as well.
    if (provider?.record) {
      this.onStatus((st) => {
        if (st === 'ACTIVE') void provider.record!(this.peerAddresses());
      });
    }
  }

  private readonly core: RouterRuntime;
  private readonly fanout: number;
  /** The security provider's name (stats). */
  private get securityName(): string {
    return this.locator.gate.provider.name;
  }
  private readonly membership: MembershipRuntime;
  /** @internal Leaf-set listeners; fed by the membership core through createNode's host. */
  readonly leafListeners: Set<LeafSetListener>;

  /** The Membership actor (absent when the node never ran); its presence is part of the status. */
  private readonly membershipActor?: AnyActorRef;

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
    if (this.status === status) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.onStatus((s) => {
        if (s === status) {
          stop();
          resolve();
        }
      });
    });
  }

  /** Calls `listener` whenever the leaf set changes; returns a function that stops it. */
  onLeafSet(listener: LeafSetListener): () => void {
    this.leafListeners.add(listener);
    return () => this.leafListeners.delete(listener);
  }

  /** The leaf set: the numerically nearest smaller and larger GUIDs this node knows, nearest first. */
  get leafSet(): { readonly smaller: NodeHandle[]; readonly larger: NodeHandle[] } {
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
    }
    await this.close();
  }

  get address(): Address {
    return this.handle.address;
  }

  get stats(): NodeStats {
    const r = this.core.reassembler;
    return {
      router: this.core.stats,
      reassembly: r.stats as unknown as Record<string, number>,
      transport: this.transport.stats,
      membership: this.membership.stats,
      location: { ...this.locator.stats, pointers: this.locator.store.size, objects: this.locator.store.objects },
      reassemblyHeld: { bytes: r.bytesHeld, pending: r.pending },
      drops: dropStats(this.core.stats, r.stats, this.locator.store.stats, this.transport.stats),
      security: {
        provider: this.securityName,
        forgedCredentials: this.membership.stats.forgedCredentials,
        peersProven: this.membership.stats.peersProven,
        ...this.locator.gate.stats,
      },
    };
  }

  /**
   * Sends `payload` toward `dest`. Exact routes reach only the node holding `dest` (else they are
   * dropped at the root and counted); fuzzy routes reach the surrogate root. Payloads larger than
   * the MTU are fragmented and reassembled at the destination.
   */
  route(dest: Guid | string, payload: Uint8Array | string, opts: RouteOptions = {}): void {
    this.assertOpen();
    const destGuid = toGuid(dest, this.space);
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    if (bytes.length > DEFAULTS.maxMessageBytes) {
      throw new MessageTooLargeError(`payload of ${bytes.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
    }
    const ttl = opts.ttl ?? DEFAULTS.defaultTtl;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > DEFAULTS.maxTtl) {
      throw new InvalidArgumentError(`ttl must be an integer in 1..${DEFAULTS.maxTtl}, got ${ttl}`);
    }
    const moduleId = checkModule(opts.module ?? 0);
    this.router.send({ type: 'route', request: { dest: destGuid, payload: bytes, fuzzy: !!opts.fuzzy, ttl, moduleId } });
  }

  /**
   * Registers an upcall module; returns a function that unregisters it. A module with `attach` is
   * handed its ModuleContext first thing (api/moduleContext.ts).
   */
  register(module: UpcallModule): () => void {
    this.assertOpen();
    const host = this.core.upcalls;
    return host.register(module, (m) =>
      createModuleContext(m, { node: this, router: this.core, routerActor: this.router, host, leafSet: this.membership.leafSet }),
    );
  }

  /** Measures the round-trip time to an address (ms, on the node's clock). */
  ping(to: Address, opts: { timeoutMs?: number } = {}): Promise<number> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? DEFAULTS.pingTimeoutMs;
    return new Promise((resolve, reject) => {
      const done: PingDone = (reply, err) => (reply ? resolve(reply.rtt) : reject(err));
      this.router.send({ type: 'ping', to, timeoutMs, done });
    });
  }

  /** Advertises that this node serves `object` (soft state: republished until unpublished). */
  publish(object: Guid | string, opts: { tag?: string } = {}): void {
    this.assertOpen();
    const guid = toGuid(object, this.space);
    const tag = checkTag(opts.tag ?? '', 'tag');
    this.locatorActor.send({ type: 'publish', object: guid, tag });
  }

  /** Withdraws this node's replica of `object`: the pointers on its paths are removed. */
  unpublish(object: Guid | string): void {
    this.assertOpen();
    this.locatorActor.send({ type: 'unpublish', object: toGuid(object, this.space) });
  }

  /**
   * Finds replicas of `object`, nearest first: yields up to `replicas` results, then ends. Fails
   * with NotFoundError once every salted root answered without a match, TimeoutError when none
   * answered, AbortedError when `signal` aborts.
   */
  locate(object: Guid | string, opts: LocateOptions = {}): AsyncIterableIterator<LocateResult> {
    return this.startLocate(object, opts, 0, new Uint8Array(0));
  }

  /**
   * Delivers `payload` to the nearest replica of `object` (or the `replicas` nearest), seen there
   * by module `module` as a delivery. Resolves with the replicas reached.
   */
  async sendToObject(object: Guid | string, payload: Uint8Array | string, opts: SendToObjectOptions = {}): Promise<LocateResult[]> {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidArgumentError('payload must be a non-empty Uint8Array or string');
    if (bytes.length > DEFAULTS.maxInlineObjectPayload) {
      throw new MessageTooLargeError(`sendToObject carries at most ${DEFAULTS.maxInlineObjectPayload} bytes, got ${bytes.length}`);
    }
    const results: LocateResult[] = [];
    for await (const r of this.startLocate(object, opts, checkModule(opts.module ?? 0), bytes)) results.push(r);
    return results;
  }

  /** The pointers this node holds for `object` (Common API localLookup), nearest server first. */
  localLookup(object: Guid | string): Pointer[] {
    return this.locator.store.get(toGuid(object, this.space), this.core.now());
  }

  private startLocate(object: Guid | string, opts: LocateOptions, moduleId: number, payload: Uint8Array): Channel<LocateResult> {
    this.assertOpen();
    const guid = toGuid(object, this.space);
    const query = checkTag(opts.query ?? '', 'query');
    const replicas = opts.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > DEFAULTS.maxReplicas) {
      throw new InvalidArgumentError(`replicas must be an integer in 1..${DEFAULTS.maxReplicas}, got ${replicas}`);
    }
    if (this.locator.inFlight >= DEFAULTS.maxLocatesInFlight) {
      throw new LimitExceededError(`at most ${DEFAULTS.maxLocatesInFlight} locates in flight`);
    }
    const sink = new Channel<LocateResult>();
    const signal = opts.signal;
    if (signal?.aborted) {
      sink.fail(new AbortedError('locate aborted before it started'));
      return sink;
    }
    let id = 0;
    this.locatorActor.send({
      type: 'locate',
      // sendToObject goes one salted root at a time: parallel paths could each hand the message to a different replica.
      request: { object: guid, query, replicas, moduleId, payload, sink, fanout: payload.length > 0 ? 1 : this.fanout },
      reply: (assigned: number) => (id = assigned),
    });
    signal?.addEventListener(
      'abort',
      () => this.locatorActor.send({ type: 'abort', id, reason: new AbortedError('locate aborted') }),
      { once: true },
    );
    return sink;
  }

  /** Adds a known peer to the routing table with a measured latency (static meshes, tools). */
  addPeer(peer: NodeHandle, latencyMs: number): boolean {
    this.assertOpen();
    if (!(latencyMs >= 0)) throw new InvalidArgumentError(`latency must be ≥ 0, got ${latencyMs}`);
    const added = this.table.add(peer, latencyMs);
    // A first neighbour takes an ALONE node to ACTIVE.
    if (added) this.membershipActor?.send({ type: 'peers' });
    return added;
  }

  /** The addresses of the routing table's neighbours, nearest first (what a bootstrap provider records). */
  peerAddresses(): Address[] {
    const all = [...this.table.neighbours()].map((n) => ({ n, l: this.table.get(n.guid)?.latency ?? Infinity }));
    return all.sort((a, b) => a.l - b.l).map((x) => x.n.address);
  }

  /** Leaves waiting for the Membership actor to finish; a close ends them. */
  private readonly leaveWaits: Array<() => void> = [];

  /** Stops the node: its actors, timers and socket. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Remember who we knew, so a restart can rejoin without its original bootstrap address.
      if (this.provider?.record && this.table.size > 0) await this.provider.record(this.peerAddresses());
      for (const wake of this.leaveWaits.splice(0)) wake();
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

/** Starts a node on its transport and resolves once it is active. */
export async function createNode(options: NodeOptions = {}): Promise<TapestryNode> {
  const space = options.table?.space ?? idSpace(options.idBits, options.digitBits);
  const { security, identity } = await resolveSecurity(options);
  const guid = chooseGuid(options, space, security, identity);
  if (options.table && !options.table.self.guid.equals(guid)) {
    throw new InvalidArgumentError('the routing table belongs to another node');
  }
  if (options.mtu !== undefined && (!Number.isInteger(options.mtu) || options.mtu < DEFAULTS.minMtu)) {
    throw new InvalidArgumentError(`mtu must be an integer ≥ ${DEFAULTS.minMtu}, got ${options.mtu}`);
  }
  const clock = options.clock ?? realClock;
  const given = options.transport;
  const openTransport = (): Promise<Transport> =>
    isTransport(given) ? Promise.resolve(given) : openUdpTransport({ ...given, mtu: options.mtu });
  const log = nodeLogger(guid.hex, options.debug, options.log);
  const salts = options.salts ?? DEFAULTS.salts;
  if (!Number.isInteger(salts) || salts < 1 || salts > DEFAULTS.maxSalts) {
    throw new InvalidArgumentError(`salts must be an integer in 1..${DEFAULTS.maxSalts}, got ${salts}`);
  }
  const rate = options.peerRateLimit;
  if (rate && !(rate.perSec > 0 && rate.burst >= 1)) {
    throw new InvalidArgumentError(`peerRateLimit needs perSec > 0 and burst ≥ 1, got ${rate.perSec} and ${rate.burst}`);
  }
  const fanout = options.locateFanout ?? DEFAULTS.locateFanout;
  if (!Number.isInteger(fanout) || fanout < 1) throw new InvalidArgumentError(`locateFanout must be a positive integer, got ${fanout}`);
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
  let built: { cores: NodeCores; table: RoutingTable; transport: Transport } | undefined;
  const makeCores = (transport: Transport): NodeCores => {
    const self: NodeHandle = { guid, address: transport.local };
    const table = options.table ?? new RoutingTable(self, space);
    let membership: MembershipRuntime | undefined;
    const router = new RouterRuntime({
      self: table.self, table, space, transport, now: () => clock.now(), log, mtu: options.mtu,
      timerSink: (ms, fire) => router$().send({ type: 'timer', ms, fire }),
      hopAcks: options.hopAcks ?? DEFAULTS.hopAcks,
      rateLimit: options.peerRateLimit,
      onSuspect: (n) => membership?.suspect(n),
      security,
    });
    const locator = new LocatorRuntime(
      {
        self: table.self, table, space, log,
        now: () => clock.now(),
        route: (req) => router.route(req),
        sendDirect: (to, moduleId, payload, hops, acked) => router.sendDirect(to, moduleId, payload, hops, acked),
        deliverLocal: (d) => router.deliverLocal(d),
        armTimeout: (id, attempt, ms) => child('objectLocator').send({ type: 'arm', id, attempt, ms }),
        pointersHeld: () => child('objectLocator').send({ type: 'pointersHeld' }),
        security,
      },
      {
        salts,
        pointerLifetimeMs: options.pointerLifetimeMs ?? DEFAULTS.pointerLifetimeMs,
        attemptTimeoutMs: options.locateAttemptTimeoutMs ?? DEFAULTS.locateAttemptTimeoutMs,
        extra: options.extraPointers ?? { backups: DEFAULTS.extraPointerBackups, neighbours: DEFAULTS.extraPointerNeighbours, hops: DEFAULTS.extraPointerHops },
      },
    );
    router.upcalls.registerBuiltIn(locator);
    membership = new MembershipRuntime(
      {
        self: table.self, table, space, log, locator, security,
        now: () => clock.now(),
        route: (req) => router.route(req),
        // Unacknowledged: every membership request has its own timeout and retry (and joins stay cheap).
        sendDirect: (to, moduleId, payload, hops) => router.sendDirect(to, moduleId, payload, hops, false),
        ping: (to, timeoutMs, done, opts) => {
          if (!router.inEvent) {
            router$().send({ type: 'ping', to, timeoutMs, done, opts });
            return;
          }
          // Asked during one of the router's events (the usual case): sent at once, and the timeout
          // is one of the timers that event arms, so a ping costs no actor event of its own.
          const nonce = router.ping(to, done, opts);
          router.after(timeoutMs, () => router.pingTimedOut(nonce));
        },
        after: (ms, fire) => router.after(ms, fire),
        peersChanged: () => child('membership').send({ type: 'peers' }),
        neighbourUpdate: (node, joined, change) => {
          router.upcalls.update(node, joined);
          if (change) for (const l of leafListeners) l(change);
        },
      },
      { k: DEFAULTS.joinNeighbours, requestTimeoutMs: DEFAULTS.joinRequestTimeoutMs, joinTimeoutMs: DEFAULTS.joinTimeoutMs },
    );
    router.upcalls.registerBuiltIn(membership);
    const running = membership;
    const heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    const membershipDriver: MembershipDriver = {
      hasPeers: () => table.size > 0,
      join: (bootstrap, done) => running.join(bootstrap, done),
      repairOnce: () => running.repairOnce(),
      heartbeat: (round) => running.heartbeatRound(round, heartbeatMs, DEFAULTS.heartbeatMisses),
      sendLeaveNotices: () => running.sendLeaveNotices(),
      handOver: () => running.handOverOnLeave(),
      // One router event per round, as when these loops were the router's timers: its pings and timeouts arm together.
      inRouterEvent: (work) => router$().send({ type: 'fire', fire: work }),
      spread: { repair: guid.bytes[0], heartbeat: guid.bytes[1] },
    };
    const cores: NodeCores = {
      router, locator, membership, membershipDriver, locateFanout: Math.min(fanout, salts),
      republishMs: options.republishMs ?? DEFAULTS.republishMs, pointerSweepMs: DEFAULTS.pointerSweepMs,
      repairMs: options.repairMs ?? DEFAULTS.repairMs, heartbeatMs, leaveGraceMs: DEFAULTS.leaveGraceMs,
    };
    built = { cores, table, transport };
    return cores;
  };
  const actor = createActor(nodeMachine, {
    clock,
    input: {
      openTransport, makeCores, clock,
      bootstrap: provider && (provider instanceof StaticBootstrap ? () => provider.list() : () => provider.resolve()),
      retryMs: options.joinRetryMs ?? DEFAULTS.joinRetryMs,
    },
  });
  nodeRef = actor;
  actor.start();
  const snap = await waitFor(actor, (s) => s.status === 'done' || s.value !== 'starting');
  if (snap.value === 'starting' || snap.value === 'closed' || !built) {
    actor.stop();
    throw snap.context.error instanceof Error ? snap.context.error : new ClosedError('node failed to start');
  }
  return new TapestryNode(actor, built.cores, built.transport, built.table, space, leafListeners, provider);
}

/**
 * The node's provider and identity. `signed` needs a key pair: the one given, the one in the file
 * given, or a new one from `random`. `none` uses an identity only when one is given (for its GUID).
 */
async function resolveSecurity(options: NodeOptions): Promise<{ security: SecurityProvider; identity?: Identity }> {
  const injected = options.clock !== undefined || isTransport(options.transport);
  const choice: SecurityProviderChoice = options.security ?? (injected ? 'none' : 'signed');
  const random = options.random ?? secureRandom;
  let identity: Identity | undefined;
  if (typeof options.identity === 'string') identity = await loadOrCreateIdentity(options.identity, { random });
  else if (options.identity instanceof Identity) identity = options.identity;
  else if (options.identity !== undefined) throw new InvalidArgumentError('identity must be an Identity or the path of an identity file');
  if (choice === 'signed') identity ??= Identity.generate(random);
  const security = createSecurityProvider(choice, identity ?? NO_IDENTITY, { random });
  return { security, identity };
}

/** Stands in for an identity the chosen provider never reads (`none`, an application's provider). */
const NO_IDENTITY = undefined as unknown as Identity;

/**
 * The node's GUID. With an identity it is the key's hash (an explicit `guid` must equal it); with the
 * `signed` provider there is always an identity. Otherwise the `guid` option, the table's owner, or random.
 */
function chooseGuid(options: NodeOptions, space: IdSpace, security: SecurityProvider, identity: Identity | undefined): Guid {
  const given = options.guid !== undefined ? toGuid(options.guid, space) : undefined;
  if (identity) {
    const own = identity.guid(space.bits as 160 | 256);
    if (given && !given.equals(own)) {
      const why = security instanceof SignedSecurityProvider ? "with security 'signed' the GUID is the hash of the node's public key" : "the GUID of a node with an identity is the hash of its public key";
      throw new InvalidArgumentError(`guid ${given.hex} is not this node's: ${why}; pass identity (or security: 'none') instead`);
    }
    return own;
  }
  return given ?? options.table?.self.guid ?? Guid.fromBytes(randomBytes(space.bytes));
}

function toProvider(b: NodeOptions['bootstrap']): BootstrapProvider | undefined {
  if (b === undefined) return undefined;
  if (Array.isArray(b)) return new StaticBootstrap(b as Array<Address | string>);
  return b as BootstrapProvider;
}

function checkTag(tag: string, what: string): string {
  if (typeof tag !== 'string') throw new InvalidArgumentError(`${what} must be a string`);
  const bytes = Buffer.byteLength(tag, 'utf8');
  if (bytes > DEFAULTS.maxTagBytes) throw new InvalidArgumentError(`${what} is ${bytes} bytes; at most ${DEFAULTS.maxTagBytes}`);
  return tag;
}

function isTransport(t: unknown): t is Transport {
  return typeof t === 'object' && t !== null && typeof (t as Transport).send === 'function' && typeof (t as Transport).onReceive === 'function';
}

function toGuid(g: Guid | string, space: IdSpace): Guid {
  const guid = typeof g === 'string' ? Guid.fromHex(g) : g;
  if (!(guid instanceof Guid)) throw new InvalidArgumentError('a GUID must be a Guid or a hex string');
  if (guid.bytes.length !== space.bytes) {
    throw new InvalidArgumentError(`GUID has ${guid.bytes.length * 8} bits; this node uses ${space.bits}`);
  }
  return guid;
}
