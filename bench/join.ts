/**
 * Cost of one join by the protocol: messages (datagrams) and bytes sent by all nodes while a node
 * joins a mesh of N nodes that was itself built by joins. Heartbeats and table repair are off so
 * that only the join's own traffic is counted (pings included: the nearest-neighbour search
 * measures every candidate).
 */
import { createNode, type TapestryNode } from '../api/node';
import { Guid } from '../routing/guid';
import { SeededRng } from '../sim/random';
import { mean, quantile } from '../sim/stats';
import { SimNetwork } from '../transport/simNetwork';

export async function benchJoinCost(n: number, samples: number, seed = 1): Promise<Record<string, unknown>> {
  const network = new SimNetwork({ seed });
  const rng = new SeededRng(seed).fork('join-bench');
  const nodes: TapestryNode[] = [];
  const quiet = { repairMs: 0, heartbeatMs: 0, republishMs: 0 };
  const add = async () => {
    const via = nodes.length ? nodes[rng.int(nodes.length)] : undefined;
    const node = await createNode({
      ...quiet, transport: network.createTransport(), clock: network.clock, guid: Guid.random(() => rng.int(256)),
      bootstrap: via ? [via.address] : undefined,
    });
    nodes.push(node);
    // One at a time: the next join starts when this one is done.
    for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) network.run(network.clock.now() + 100);
    network.run(network.clock.now() + 500);
  };
  const t0 = performance.now();
  while (nodes.length < n) await add();
  const buildMs = performance.now() - t0;
  const totals = () => nodes.reduce((acc, x) => ({ d: acc.d + x.stats.transport.sent, b: acc.b + x.stats.transport.bytesSent }), { d: 0, b: 0 });
  const datagrams: number[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = totals();
    await add();
    network.run(network.clock.now() + 8_000);
    const after = totals();
    datagrams.push(after.d - before.d);
    bytes.push(after.b - before.b);
  }
  await Promise.all(nodes.map((x) => x.close()));
  return {
    n, samples,
    datagramsPerJoin: Math.round(mean(datagrams)),
    kbPerJoin: Number((mean(bytes) / 1024).toFixed(1)),
    kbPerJoinP90: Number((quantile(bytes, 0.9) / 1024).toFixed(1)),
    buildByJoinMs: Math.round(buildMs),
  };
}
