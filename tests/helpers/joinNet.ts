import { createNode, type NodeOptions, type TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { SimNetwork } from '../../transport/simNetwork';

/** A simulated network whose nodes join by the protocol, one at a time or in batches. */
export class JoinNet {
  readonly network: SimNetwork;
  readonly nodes: TapestryNode[] = [];
  private readonly rng: SeededRng;

  constructor(seed: number, private readonly nodeOptions: Partial<NodeOptions> = {}) {
    this.network = new SimNetwork({ seed });
    this.rng = new SeededRng(seed).fork('join-guids');
  }

  get now(): number {
    return this.network.clock.now();
  }

  run(ms: number): void {
    this.network.run(this.now + ms);
  }

  /** Starts a node that joins through `via` (or starts the mesh when there is none yet). */
  async add(via?: TapestryNode): Promise<TapestryNode> {
    const guid = Guid.random(() => this.rng.int(256));
    const node = await createNode({
      ...this.nodeOptions,
      transport: this.network.createTransport(),
      clock: this.network.clock,
      guid,
      bootstrap: via ? [via.address] : undefined,
    });
    this.nodes.push(node);
    return node;
  }

  /**
   * Adds `count` nodes one after another, each joining through a random earlier node: the next one
   * starts once this one is ACTIVE (or after 30 virtual seconds), plus `settleMs`.
   */
  async joinOneByOne(count: number, settleMs = 3_000): Promise<void> {
    for (let i = 0; i < count; i++) {
      const via = this.nodes.length ? this.nodes[this.rng.int(this.nodes.length)] : undefined;
      const node = await this.add(via);
      for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) this.run(100);
      this.run(settleMs);
    }
  }

  /** Adds `count` nodes at once, each through a random node of the existing mesh, then runs. */
  async joinTogether(count: number, settleMs: number): Promise<void> {
    const existing = this.nodes.length;
    for (let i = 0; i < count; i++) await this.add(this.nodes[this.rng.int(existing)]);
    this.run(settleMs);
  }

  indexOf(guid: Guid): number {
    return this.nodes.findIndex((n) => n.guid.equals(guid));
  }

  latency(i: number, j: number): number {
    return this.network.latency(i, j);
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}
