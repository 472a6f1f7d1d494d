/**
 * The mesh a run works on, however it was built: the simulated network, its nodes by endpoint index
 * (node i sits on endpoint i, which is what the latency model and `network.latency(i, j)` see), the
 * nodes that are down, and how to add one more node by the join protocol (joins build, churn).
 */
import { createNode, type NodeOptions, type TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { TransitStub } from '../../sim/transitStub';
import { Identity } from '../../security/identity';
import { createTestnet, seededRandom } from '../../testing/testnet';
import { SimNetwork } from '../../transport/simNetwork';
import type { SimArgs } from './args';

/**
 * Node settings per scenario. With no scenario nothing but the run's own operations should move, so
 * that every figure is the operations' own: no table repair, no heartbeats, no republish (pointers
 * live long enough for the whole run). Failure and churn need a living mesh: createNode's defaults.
 */
export function nodeSettings(args: SimArgs): Partial<NodeOptions> {
  return args.scenario === 'none' ? { repairMs: 0, heartbeatMs: 0, republishMs: 0, pointerLifetimeMs: 3_600_000 } : {};
}

export class SimMesh {
  /** Endpoints whose node crashed (failure, churn): never picked for an operation again. */
  readonly down = new Set<number>();
  /** Called with every node as it is made (the probe module registers itself here). */
  private readonly hooks: Array<(node: TapestryNode, index: number) => void> = [];
  private readonly guidRng: SeededRng;

  constructor(
    readonly network: SimNetwork,
    /** Nodes by endpoint index. */
    readonly nodes: TapestryNode[],
    private readonly args: SimArgs,
    private readonly settings: Partial<NodeOptions>,
  ) {
    this.guidRng = new SeededRng(args.seed).fork('sim-node-guids');
  }

  get now(): number {
    return this.network.clock.now();
  }

  /** Runs `fn` on every node there is and on every node made later. */
  eachNode(fn: (node: TapestryNode, index: number) => void): void {
    this.hooks.push(fn);
    this.nodes.forEach((n, i) => fn(n, i));
  }

  /** Whether node i is up (not crashed) and ACTIVE in the mesh. */
  isUp(i: number): boolean {
    return !this.down.has(i) && this.nodes[i].status === 'ACTIVE';
  }

  /** One-way latency between nodes i and j (ms), from the network's model. */
  latency(i: number, j: number): number {
    return this.network.latency(i, j);
  }

  /**
   * Starts one node on a new endpoint that joins through `via` (or starts the mesh alone). Its GUID,
   * or key pair under `signed`, comes from the seeded generator, so a run repeats.
   */
  async addNode(via?: TapestryNode): Promise<TapestryNode> {
    const transport = this.network.createTransport();
    const index = transport.index;
    const identity: Partial<NodeOptions> =
      this.args.security === 'signed'
        ? { security: 'signed', identity: Identity.generate(seededRandom(this.guidRng.fork(`key-${index}`))), random: seededRandom(this.guidRng.fork(`nonces-${index}`)) }
        : { guid: Guid.random(() => this.guidRng.int(256)) };
    const node = await createNode({ ...this.settings, ...identity, transport, clock: this.network.clock, bootstrap: via ? [via.address] : undefined });
    if (this.nodes.length !== index) throw new Error(`node ${this.nodes.length} landed on endpoint ${index}`);
    this.nodes.push(node);
    for (const fn of this.hooks) fn(node, index);
    return node;
  }

  /** Crashes node i: its endpoint goes down (no leave notice) and the node is closed. */
  async crash(i: number): Promise<void> {
    if (this.down.has(i)) return;
    this.down.add(i);
    this.network.setDown(i, true);
    await this.nodes[i].close();
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n, i) => (this.down.has(i) ? undefined : n.close())));
  }
}

/** The simulated network for a mesh built by joins: the topology asked for under the seed. */
export function joinNetwork(args: SimArgs): SimNetwork {
  const latency = args.topology === 'transit-stub' ? new TransitStub({ seed: args.seed }) : undefined;
  return new SimNetwork({ seed: args.seed, latency });
}

/** createTestnet's build: tables filled as a converged Tapestry's would be, in one step. */
export async function staticMesh(args: SimArgs): Promise<SimMesh> {
  const settings = nodeSettings(args);
  const net = await createTestnet({
    nodes: args.nodes,
    seed: args.seed,
    topology: args.topology,
    security: args.security,
    // Frozen (no hop acknowledgements either) only when nothing fails: the figures are then the operations' alone.
    frozen: args.scenario === 'none',
    node: settings,
  });
  // Nodes that arrive later (churn) get the same settings the testnet gave its own.
  const later = args.scenario === 'none' ? { ...settings, hopAcks: false } : settings;
  return new SimMesh(net.network, [...net.nodes], args, later);
}

/** An empty mesh on which the join build adds nodes one at a time. */
export function emptyMesh(args: SimArgs): SimMesh {
  return new SimMesh(joinNetwork(args), [], args, nodeSettings(args));
}
