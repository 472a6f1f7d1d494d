/**
 * The living simulated mesh the dht-sim bench works on: a testnet with createNode's default
 * maintenance (heartbeats, repair, hop acknowledgements, republish), the DHT module on every node,
 * and nodes that crash (no leave notice) or arrive by the join protocol. Node i sits on endpoint i.
 */
import { createNode, type TapestryNode } from '../api/node';
import { Guid } from '../routing/guid';
import { SeededRng } from '../sim/random';
import { createTestnet, type Testnet } from '../testing/testnet';
import { dht, type Dht } from '../upcalls/dht';

export class DhtSimMesh {
  /** Nodes by endpoint index, the testnet's first. */
  readonly nodes: TapestryNode[];
  /** The DHT module of node i. */
  readonly kv: Dht[];
  /** Endpoints whose node crashed. */
  readonly down = new Set<number>();
  /** Virtual time each node became ACTIVE (testnet nodes: the start). */
  readonly activeSince = new Map<number, number>();
  private readonly guidRng: SeededRng;

  private constructor(readonly net: Testnet, seed: number) {
    this.nodes = [...net.nodes];
    this.kv = this.nodes.map((n) => n.register(dht()));
    this.nodes.forEach((_, i) => this.activeSince.set(i, 0));
    this.guidRng = new SeededRng(seed).fork('dht-sim-arrivals');
  }

  /** A static mesh of `n` nodes (tables as a converged mesh's), maintenance on, security `none`. */
  static async create(n: number, seed: number): Promise<DhtSimMesh> {
    return new DhtSimMesh(await createTestnet({ nodes: n, seed }), seed);
  }

  get now(): number {
    return this.net.now;
  }

  /** Datagrams sent on the simulated network so far. */
  get datagrams(): number {
    return this.net.network.stats.sent;
  }

  /** Whether node i is up and ACTIVE. */
  isUp(i: number): boolean {
    return !this.down.has(i) && this.nodes[i].status === 'ACTIVE';
  }

  /** The indices of the nodes that are up and ACTIVE. */
  upNodes(): number[] {
    const up: number[] = [];
    for (let i = 0; i < this.nodes.length; i++) if (this.isUp(i)) up.push(i);
    return up;
  }

  /** Crashes node i: its endpoint goes down without a leave notice, and the node is closed. */
  async crash(i: number): Promise<void> {
    if (this.down.has(i)) return;
    this.down.add(i);
    this.net.network.setDown(i, true);
    await this.nodes[i].close();
  }

  /** A new node on a new endpoint that joins through node `via`, with the DHT module registered from the start. */
  async arrive(via: number): Promise<number> {
    const transport = this.net.network.createTransport();
    const index = transport.index;
    const node = await createNode({ transport, clock: this.net.network.clock, guid: Guid.random(() => this.guidRng.int(256)), bootstrap: [this.nodes[via].address] });
    if (index !== this.nodes.length) throw new Error(`node ${this.nodes.length} landed on endpoint ${index}`);
    this.nodes.push(node);
    this.kv.push(node.register(dht()));
    node.onStatus((s) => {
      if (s === 'ACTIVE' && !this.activeSince.has(index)) this.activeSince.set(index, this.now);
    });
    return index;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n, i) => (this.down.has(i) ? undefined : n.close())));
  }
}
