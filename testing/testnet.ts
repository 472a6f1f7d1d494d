/**
 * `createTestnet`: a simulated mesh whose routing tables are filled as a converged Tapestry would
 * fill them (sim/staticMesh.ts), running in virtual time on one seeded event queue.
 */
import type { z } from 'zod';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError, TimeoutError } from '../errors';
import { Guid, idSpace, type IdSpace } from '../routing/guid';
import { SeededRng } from '../sim/random';
import { buildStaticMesh } from '../sim/staticMesh';
import { LinkStressCounter, type MessageClassifier } from '../sim/linkStress';
import { TransitStub } from '../sim/transitStub';
import type { TransitStubOptions } from '../sim/transitStubOptions';
import { moduleClassifier } from './moduleClassifier';
import type { LatencyModel } from '../transport/latency';
import { SimNetwork } from '../transport/simNetwork';
import type { NodeHandle } from '../routing/messages';
import { Identity, type RandomBytes } from '../security/identity';
import { createNode, type NodeOptions, type TapestryNode } from '../api/node';
import { testnetOptionsSchema } from '../api/options/testnetOptions';
import { parseOptions, type Assert, type SameShape } from '../api/options/schema';

/** The options of createTestnet(); checked at run time (api/options/testnetOptions.ts). */
export interface TestnetOptions {
  /** Number of nodes (≥ 1). */
  readonly nodes: number;
  /** Seed of every random choice: GUIDs, placement, jitter, loss. Same seed, same run. Default 1. */
  readonly seed?: number;
  /** Latency model over node indices. Default: nodes on a 2-D plane, latency = distance + jitter. */
  readonly latency?: LatencyModel;
  /**
   * The physical topology under the nodes. `'plane'` (the default): nodes on a 2-D plane as with no
   * option. `'transit-stub'`: a GT-ITM-style router graph, the ~5,000-router default preset
   * (sim/transitStub.ts), each node on a stub router; the testnet then exposes it as `topology` and
   * can count link stress (`countLinkStress`). A TransitStubOptions object picks another graph (its
   * seed defaults to the testnet's seed). Not with `latency` (InvalidArgumentError).
   */
  readonly topology?: 'plane' | 'transit-stub' | TransitStubOptions;
  /** Share of datagrams lost (0..1). Default 0. */
  readonly lossRate?: number;
  /** ID width in bits. Default 160. */
  readonly idBits?: 160 | 256;
  /** Bits per routing digit. Default 4 (hexadecimal digits). */
  readonly digitBits?: 1 | 2 | 4 | 8;
  /** Datagram size limit of the simulated links. Default DEFAULTS.mtu. */
  readonly mtu?: number;
  /** Node GUIDs to use instead of random ones (length = nodes); not with `security: 'signed'`. */
  readonly guids?: readonly Guid[];
  /**
   * The nodes' security provider. Default `none`. With `signed` every node gets a key pair drawn from
   * the seed (so runs still repeat exactly) and its GUID is that key's hash.
   */
  readonly security?: 'none' | 'signed';
  /**
   * Keeps the mesh as built: no table repair, no heartbeats, no hop acknowledgements (unless `node`
   * turns one back on), so only the traffic a caller starts flows and routing figures repeat exactly
   * (pure routing experiments, benchmarks). Default false: every node runs with createNode's defaults,
   * so leaves and failures are repaired and acknowledged hops fail over, as in a real mesh.
   */
  readonly frozen?: boolean;
  /** Options every node gets (object location settings and the like); they override `frozen`'s. */
  readonly node?: Pick<NodeOptions, 'salts' | 'locateFanout' | 'repairMs' | 'heartbeatMs' | 'hopAcks' | 'republishMs' | 'pointerLifetimeMs' | 'locateAttemptTimeoutMs' | 'extraPointers' | 'debug'>;
}

/** The schema (api/options/testnetOptions.ts) takes exactly these options. */
export type _TestnetOptionsMatch = Assert<SameShape<z.input<typeof testnetOptionsSchema>, TestnetOptions>>;

/** A simulated mesh in virtual time: its nodes, its network, and the clock that only moves when run. */
export class Testnet {
  /** @internal Use createTestnet(). */
  constructor(
    /** The simulated network: its clock, latency model, loss and counters. */
    readonly network: SimNetwork,
    /** The nodes, in creation order (index i is the latency model's node i). */
    readonly nodes: readonly TapestryNode[],
    /** The ID space every node uses. */
    readonly space: IdSpace,
    private readonly byGuid: ReadonlyMap<string, number>,
    /** The transit-stub topology the nodes sit on (also the network's latency model), or undefined on the plane. */
    readonly topology?: TransitStub,
  ) {}

  private readonly linkCounters = new Map<LinkStressCounter, () => void>();

  /** The resolve-only nodes added with addResolveOnly, in order (never in `nodes`: they are no part of the mesh). */
  readonly resolveOnlyNodes: TapestryNode[] = [];

  /**
   * Adds a resolve-only node (createNode's `resolveOnly`) beside the mesh, on the next endpoint of
   * the network: it never joins, and hands what it sends to its gateways, the nodes at the indices
   * `gateways` lists, in order (default: DEFAULTS.resolveOnlyGateways + 1 distinct nodes drawn from
   * the endpoint's seeded source). `node` adds createNode options (its GUID, hopAcks...). Resolves
   * once it has a gateway (ACTIVE); InvalidArgumentError for a bad index, TimeoutError when no
   * gateway answered within 10 virtual seconds.
   */
  async addResolveOnly(opts: { readonly gateways?: readonly number[]; readonly node?: Omit<NodeOptions, 'transport' | 'clock' | 'resolveOnly' | 'bootstrap'> } = {}): Promise<TapestryNode> {
    const transport = this.network.createTransport();
    const picked = opts.gateways ?? drawIndices(transport.random, this.nodes.length, Math.min(this.nodes.length, DEFAULTS.resolveOnlyGateways + 1));
    for (const i of picked) {
      if (!Number.isInteger(i) || i < 0 || i >= this.nodes.length) throw new InvalidArgumentError(`gateway index ${i} is not a node of this testnet (0..${this.nodes.length - 1})`);
    }
    const node = await createNode({
      ...opts.node, transport, clock: this.network.clock, resolveOnly: true, bootstrap: picked.map((i) => this.nodes[i].handle.address),
    });
    this.resolveOnlyNodes.push(node);
    const ready = node.whenStatus('ACTIVE');
    // Virtual time moves only when run: run it until the node found a gateway (a few round trips).
    let active = false;
    void ready.then(() => (active = true), () => {});
    for (let i = 0; i < 200 && !active; i++) {
      this.run(50);
      await Promise.resolve();
    }
    if (!active) throw new TimeoutError('the resolve-only node found no answering gateway in 10 virtual seconds');
    return node;
  }

  /**
   * Starts counting, per message class, the copies of datagrams crossing each physical link of the
   * topology, from now on. `classify` names a datagram's class (default: moduleClassifier(), the
   * module id of its route or direct message). InvalidArgumentError without a transit-stub topology.
   */
  countLinkStress(classify: MessageClassifier = moduleClassifier()): LinkStressCounter {
    if (!this.topology) throw new InvalidArgumentError("link stress needs a testnet created with topology 'transit-stub' (or its options)");
    const counter = new LinkStressCounter(this.topology, classify);
    this.linkCounters.set(counter, this.network.countLinks(counter));
    return counter;
  }

  /** Stops a counter of countLinkStress (its counts stay readable). */
  stopLinkStress(counter: LinkStressCounter): void {
    this.linkCounters.get(counter)?.();
    this.linkCounters.delete(counter);
  }

  /** Virtual time, ms. */
  get now(): number {
    return this.network.clock.now();
  }

  /** Runs the network for `ms` of virtual time; returns the events processed. */
  run(ms: number): number {
    return this.network.run(this.now + ms);
  }

  /** Runs until nothing is queued (periodic timers keep a queue busy: prefer run(ms)). */
  runUntilIdle(maxEvents?: number): number {
    return this.network.runUntilIdle(maxEvents);
  }

  /** Index of the node holding this GUID. */
  indexOf(guid: Guid): number | undefined {
    return this.byGuid.get(guid.hex);
  }

  /** One-way latency between nodes i and j in the model (ms). */
  latency(i: number, j: number): number {
    return this.network.latency(i, j);
  }

  /** Closes every node (their timers and endpoints). */
  async close(): Promise<void> {
    await Promise.all([...this.nodes, ...this.resolveOnlyNodes].map((n) => n.close()));
  }
}

/**
 * Builds a simulated mesh of `nodes` nodes whose tables are filled as a converged Tapestry's would be,
 * on one seeded event queue: the same options and seed give the same run. Nothing moves until
 * `run(ms)` advances virtual time.
 */
export async function createTestnet(given: TestnetOptions): Promise<Testnet> {
  const opts = parseOptions(testnetOptionsSchema, given, 'createTestnet');
  const count = opts.nodes;
  if (opts.guids && opts.guids.length !== count) throw new InvalidArgumentError('guids must hold one GUID per node');
  const seed = opts.seed;
  const space = idSpace(opts.idBits, opts.digitBits);
  if (opts.latency && opts.topology !== undefined) throw new InvalidArgumentError('give either latency or topology, not both');
  const topology = transitStubOf(opts.topology, seed);
  const network = new SimNetwork({ seed, latency: opts.latency ?? topology, lossRate: opts.lossRate, mtu: opts.mtu });
  const signed = opts.security === 'signed';
  if (signed && opts.guids) throw new InvalidArgumentError("with security 'signed' a node's GUID is the hash of its key: guids cannot be chosen");
  const identities = signed ? seededIdentities(count, space, new SeededRng(seed).fork('identities')) : undefined;
  const guids = identities?.map((id) => id.guid(space.bits as 160 | 256)) ?? opts.guids ?? randomGuids(count, space, new SeededRng(seed).fork('guids'));
  const transports = guids.map(() => network.createTransport());
  const handles: NodeHandle[] = guids.map((guid, i) => ({ guid, address: transports[i].local }));
  const tables = buildStaticMesh(handles, (i, j) => network.latency(i, j), space);
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < count; i++) {
    const security: Partial<NodeOptions> = identities
      ? { security: 'signed', identity: identities[i], random: seededRandom(new SeededRng(seed).fork(`nonces-${i}`)) }
      : { guid: guids[i] };
    // The caller's own node options (createNode checks and defaults them), not the parsed ones with defaults filled in.
    nodes.push(await createNode({ ...(opts.frozen ? FROZEN : {}), ...given.node, transport: transports[i], clock: network.clock, table: tables[i], ...security }));
  }
  return new Testnet(network, nodes, space, new Map(guids.map((g, i) => [g.hex, i])), topology);
}

/** The transit-stub graph a `topology` option asks for (undefined for the plane). */
function transitStubOf(topology: TestnetOptions['topology'], seed: number): TransitStub | undefined {
  if (topology === undefined || topology === 'plane') return undefined;
  return new TransitStub(topology === 'transit-stub' ? { seed } : { ...topology, seed: topology.seed ?? seed });
}

/** What `frozen` turns off: the maintenance traffic a converged, lossless static mesh can do without. */
const FROZEN: Partial<NodeOptions> = { repairMs: 0, heartbeatMs: 0, hopAcks: false };

/** A random-bytes source drawn from a seeded generator: keys and nonces that repeat with the seed. */
export function seededRandom(rng: SeededRng): RandomBytes {
  return (n) => Uint8Array.from({ length: n }, () => rng.int(256));
}

/** Key pairs from the seeded generator whose GUIDs are distinct. */
export function seededIdentities(count: number, space: IdSpace, rng: SeededRng): Identity[] {
  const random = seededRandom(rng);
  const seen = new Set<string>();
  const out: Identity[] = [];
  while (out.length < count) {
    const id = Identity.generate(random);
    const hex = id.guid(space.bits as 160 | 256).hex;
    if (seen.has(hex)) continue;
    seen.add(hex);
    out.push(id);
  }
  return out;
}

/** `count` distinct indices below `n`, drawn from a seeded byte source. */
function drawIndices(random: RandomBytes, n: number, count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const b = random(4);
    const i = (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) % n;
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** Distinct random GUIDs from the seeded generator. */
export function randomGuids(count: number, space: IdSpace, rng: SeededRng): Guid[] {
  const seen = new Set<string>();
  const out: Guid[] = [];
  while (out.length < count) {
    const g = Guid.random(() => rng.int(256), space.bits);
    if (seen.has(g.hex)) continue;
    seen.add(g.hex);
    out.push(g);
  }
  return out;
}
