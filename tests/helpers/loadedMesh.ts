/**
 * A static mesh (as createTestnet builds one) on a simulated network with the load model on
 * (SimNetworkOptions.load), and with every node's maintenance at createNode's defaults: heartbeats,
 * table repair and hop acknowledgements all run, as in a real deployment.
 */
import { createNode, type NodeOptions, type TapestryNode } from '../../api/node';
import { routingTableOf } from '../../api/internals';
import type { Guid } from '../../routing/guid';
import { idSpace } from '../../routing/guid';
import type { NodeHandle } from '../../routing/messages';
import type { SimLoadOptions } from '../../sim/load';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import { Testnet, randomGuids } from '../../testing/testnet';
import { SimNetwork } from '../../transport/simNetwork';

/** `nodes` nodes on a loaded network; `node` overrides createNode's defaults (none by default). */
export async function loadedMesh(nodes: number, seed: number, load: SimLoadOptions, node: Partial<NodeOptions> = {}): Promise<Testnet> {
  const space = idSpace(160, 4);
  const network = new SimNetwork({ seed, load });
  const guids = randomGuids(nodes, space, new SeededRng(seed).fork('guids'));
  const transports = guids.map(() => network.createTransport());
  const handles: NodeHandle[] = guids.map((guid, i) => ({ guid, address: transports[i].local }));
  const tables = buildStaticMesh(handles, (i, j) => network.latency(i, j), space);
  const out: TapestryNode[] = [];
  for (let i = 0; i < nodes; i++) {
    out.push(await createNode({ ...node, guid: guids[i], transport: transports[i], clock: network.clock, table: tables[i] }));
  }
  return new Testnet(network, out, space, new Map(guids.map((g, i) => [g.hex, i])));
}

/** False and true failure detections so far, summed over the nodes. */
export function failuresDetected(nodes: readonly TapestryNode[]): number {
  return nodes.reduce((s, n) => s + n.stats.membership.failuresDetected, 0);
}

/**
 * Exact routes sent one at a time between live nodes, each checked to arrive once at the node that
 * holds its destination GUID. Registers module `module` on every node when made.
 */
export class RouteProbe {
  private expected = '';
  private at: number[] = [];
  private sent = 0;

  constructor(private readonly net: Testnet, private readonly module = 9) {
    net.nodes.forEach((n, i) =>
      n.register({ id: module, name: 'routeProbe', deliver: (d) => void (Buffer.from(d.payload).toString() === this.expected && this.at.push(i)) }),
    );
  }

  /**
   * Sends `count` routes between random members of `live` (drawn from `rng`), each given up to
   * `waitMs` of virtual time; returns how many arrived at the right node.
   */
  run(live: readonly number[], rng: SeededRng, count: number, waitMs = 5_000): number {
    let arrived = 0;
    for (let k = 0; k < count; k++) {
      const src = live[rng.int(live.length)];
      const dst = live[rng.int(live.length)];
      this.expected = `route ${this.sent++}`;
      this.at = [];
      this.net.nodes[src].route(this.net.nodes[dst].guid, this.expected, { module: this.module });
      const until = this.net.now + waitMs;
      while (this.at.length === 0 && this.net.now < until) this.net.run(20);
      if (this.at.length === 1 && this.at[0] === dst) arrived++;
    }
    return arrived;
  }
}

/** Whether live node `i`'s routing table still lists `guid`. */
export function lists(net: Testnet, i: number, guid: Guid): boolean {
  return routingTableOf(net.nodes[i]).has(guid);
}
