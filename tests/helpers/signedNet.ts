import { createNode, type NodeOptions, type TapestryNode } from '../../api/node';
import { seededIdentities, seededRandom } from '../../testing/testnet';
import { idSpace, type Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { SimNetwork } from '../../transport/simNetwork';

/**
 * A simulated network whose nodes join by the protocol with a security provider: with `signed` each
 * node's key pair and nonces come from the seed, so a run repeats exactly.
 */
export class SecureJoinNet {
  readonly network: SimNetwork;
  readonly nodes: TapestryNode[] = [];
  private readonly rng: SeededRng;
  private readonly identityRng: SeededRng;

  constructor(
    private readonly seed: number,
    private readonly security: 'none' | 'signed',
    private readonly nodeOptions: Partial<NodeOptions> = {},
  ) {
    this.network = new SimNetwork({ seed });
    this.rng = new SeededRng(seed).fork('join-order');
    this.identityRng = new SeededRng(seed).fork('identities');
  }

  get now(): number {
    return this.network.clock.now();
  }

  run(ms: number): void {
    this.network.run(this.now + ms);
  }

  /** Starts a node that joins through `via` (or starts the mesh). */
  async add(via?: TapestryNode): Promise<TapestryNode> {
    const i = this.nodes.length;
    const [identity] = seededIdentities(1, idSpace(), this.identityRng);
    const node = await createNode({
      ...this.nodeOptions,
      transport: this.network.createTransport(),
      clock: this.network.clock,
      security: this.security,
      identity,
      random: seededRandom(new SeededRng(this.seed).fork(`nonces-${i}`)),
      bootstrap: via ? [via.address] : undefined,
    });
    this.nodes.push(node);
    return node;
  }

  /** Adds `count` nodes one after another, each through a random earlier node, waiting until it is ACTIVE. */
  async joinOneByOne(count: number, settleMs = 500): Promise<void> {
    for (let i = 0; i < count; i++) {
      const via = this.nodes.length ? this.nodes[this.rng.int(this.nodes.length)] : undefined;
      const node = await this.add(via);
      for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) this.run(100);
      this.run(settleMs);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}

/** Where any of `nodes` lists `guid` ("index:table", "index:leafSet", "index:backpointer"); [] when nowhere. */
export function listedBy(nodes: readonly TapestryNode[], guid: Guid): string[] {
  const where: string[] = [];
  nodes.forEach((n, i) => {
    if (n.table.has(guid)) where.push(`${i}:table`);
    if ([...n.leafSet.smaller, ...n.leafSet.larger].some((h) => h.guid.equals(guid))) where.push(`${i}:leafSet`);
    if ([...n.table.backpointers()].some((h) => h.guid.equals(guid))) where.push(`${i}:backpointer`);
  });
  return where;
}
