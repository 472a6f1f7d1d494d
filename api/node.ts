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
import { MAX_MODULE_ID, type UpcallModule } from '../upcalls/types';
import type { NodeHandle } from '../wire/types';
import { nodeMachine } from '../actors/nodeMachine';
import { RouterCore, type RouterStats } from '../actors/routerCore';
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
  /** This node's GUID. Default: random. */
  readonly guid?: Guid | string;
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
}

export interface RouteOptions {
  /** Deliver at the GUID's surrogate root when no node holds it exactly. Default false. */
  readonly fuzzy?: boolean;
  /** Most hops (1 .. DEFAULTS.maxTtl). Default DEFAULTS.defaultTtl. */
  readonly ttl?: number;
  /** Upcall module id that handles the message (0 .. 65535). Default 0. */
  readonly module?: number;
}

export type NodeStatus = 'starting' | 'active' | 'closed';

export interface NodeStats {
  readonly router: RouterStats;
  readonly reassembly: Readonly<Record<string, number>>;
  readonly transport: TransportStats;
  /** What reassembly buffers hold right now. */
  readonly reassemblyHeld: { readonly bytes: number; readonly pending: number };
}

export class TapestryNode {
  readonly guid: Guid;
  readonly handle: NodeHandle;
  readonly table: RoutingTable;
  readonly space: IdSpace;
  private readonly router: AnyActorRef;
  private closing?: Promise<void>;

  /** @internal Use createNode(). */
  constructor(
    private readonly actor: Actor<typeof nodeMachine>,
    private readonly core: RouterCore,
    private readonly transport: Transport,
    table: RoutingTable,
    space: IdSpace,
  ) {
    this.table = table;
    this.handle = table.self;
    this.guid = table.self.guid;
    this.space = space;
    this.router = actor.system.get('router') as AnyActorRef;
  }

  get status(): NodeStatus {
    const snap = this.actor.getSnapshot();
    return snap.status === 'done' || this.closing ? 'closed' : (snap.value as NodeStatus);
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
      reassemblyHeld: { bytes: r.bytesHeld, pending: r.pending },
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
    const moduleId = opts.module ?? 0;
    if (!Number.isInteger(moduleId) || moduleId < 0 || moduleId > MAX_MODULE_ID) {
      throw new InvalidArgumentError(`module must be an integer in 0..${MAX_MODULE_ID}, got ${moduleId}`);
    }
    this.router.send({ type: 'route', request: { dest: destGuid, payload: bytes, fuzzy: !!opts.fuzzy, ttl, moduleId } });
  }

  /** Registers an upcall module; returns a function that unregisters it. */
  register(module: UpcallModule): () => void {
    this.assertOpen();
    if (!Number.isInteger(module.id) || module.id < 0 || module.id > MAX_MODULE_ID) {
      throw new InvalidArgumentError(`module id must be an integer in 0..${MAX_MODULE_ID}, got ${module.id}`);
    }
    const modules = this.core.modules;
    if (modules.has(module.id)) throw new InvalidArgumentError(`module id ${module.id} is already registered`);
    if (modules.size >= DEFAULTS.maxModules) throw new LimitExceededError(`at most ${DEFAULTS.maxModules} modules`);
    modules.set(module.id, module);
    return () => {
      if (modules.get(module.id) === module) modules.delete(module.id);
    };
  }

  /** Measures the round-trip time to an address (ms, on the node's clock). */
  ping(to: Address, opts: { timeoutMs?: number } = {}): Promise<number> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? DEFAULTS.pingTimeoutMs;
    return new Promise((resolve, reject) => {
      this.router.send({ type: 'ping', to, timeoutMs, reply: (rtt: Promise<number>) => rtt.then(resolve, reject) });
    });
  }

  /** Adds a known peer to the routing table with a measured latency (static meshes, tools). */
  addPeer(peer: NodeHandle, latencyMs: number): boolean {
    this.assertOpen();
    if (!(latencyMs >= 0)) throw new InvalidArgumentError(`latency must be ≥ 0, got ${latencyMs}`);
    return this.table.add(peer, latencyMs);
  }

  /** Stops the node: its actors, timers and socket. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.actor.send({ type: 'close' });
      this.actor.stop();
      this.core.shutdown(new ClosedError('node closed'));
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
  const guid = options.guid !== undefined ? toGuid(options.guid, space) : options.table?.self.guid ?? Guid.fromBytes(randomBytes(space.bytes));
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
  let built: { core: RouterCore; table: RoutingTable; transport: Transport } | undefined;
  const makeCore = (transport: Transport): RouterCore => {
    const self: NodeHandle = { guid, address: transport.local };
    const table = options.table ?? new RoutingTable(self, space);
    const core = new RouterCore({ self: table.self, table, space, transport, now: () => clock.now(), log, mtu: options.mtu });
    built = { core, table, transport };
    return core;
  };
  const actor = createActor(nodeMachine, { clock, input: { openTransport, makeCore } });
  actor.start();
  const snap = await waitFor(actor, (s) => s.status === 'done' || s.value === 'active');
  if (snap.value !== 'active' || !built) {
    actor.stop();
    throw snap.context.error instanceof Error ? snap.context.error : new ClosedError('node failed to start');
  }
  return new TapestryNode(actor, built.core, built.transport, built.table, space);
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
