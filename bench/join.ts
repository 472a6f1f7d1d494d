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

const QUIET = { repairMs: 0, heartbeatMs: 0, republishMs: 0 };

/** Starts one node that joins through a random node of `nodes` and runs the network until it is ACTIVE. */
async function joinOne(network: SimNetwork, nodes: TapestryNode[], rng: SeededRng): Promise<void> {
  const via = nodes.length ? nodes[rng.int(nodes.length)] : undefined;
  const node = await createNode({
    ...QUIET, transport: network.createTransport(), clock: network.clock, guid: Guid.random(() => rng.int(256)),
    bootstrap: via ? [via.address] : undefined,
  });
  nodes.push(node);
  // One at a time: the next join starts when this one is done.
  for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) network.run(network.clock.now() + 100);
}

export async function benchJoinCost(n: number, samples: number, seed = 1): Promise<Record<string, unknown>> {
  const network = new SimNetwork({ seed });
  const rng = new SeededRng(seed).fork('join-bench');
  const nodes: TapestryNode[] = [];
  const add = async () => {
    await joinOne(network, nodes, rng);
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

/** Time and peak memory to build an N-node mesh by sequential joins in the simulator. */
export async function benchJoinBuild(n: number, seed = 1): Promise<Record<string, unknown>> {
  const network = new SimNetwork({ seed });
  const rng = new SeededRng(seed).fork('join-build');
  const nodes: TapestryNode[] = [];
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  while (nodes.length < n) {
    await joinOne(network, nodes, rng);
    if (nodes.length % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    // A long run says how it is going (on stderr, so the JSON lines on stdout stay the figures).
    if (nodes.length % 10_000 === 0 && n > 10_000) {
      const m = process.memoryUsage();
      console.error(JSON.stringify({ progress: 'join-build', nodes: nodes.length, s: Math.round((performance.now() - t0) / 1000), rssMb: Math.round(m.rss / 2 ** 20), heapMb: Math.round(m.heapUsed / 2 ** 20) }));
    }
  }
  const ms = performance.now() - t0;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const active = nodes.filter((x) => x.status === 'ACTIVE').length;
  await Promise.all(nodes.map((x) => x.close()));
  return { n, active, buildMs: Math.round(ms), virtualSeconds: Math.round(network.clock.now() / 1000), peakRssMb: Math.round(peakRss / 2 ** 20) };
}

/** Wall time for N nodes on real UDP sockets in this process to join one after another. */
export async function benchUdpJoin(n: number): Promise<Record<string, unknown>> {
  const nodes: TapestryNode[] = [await createNode({ ...QUIET, transport: { family: 4, host: '127.0.0.1', port: 0 } })];
  const perJoin: number[] = [];
  const rng = new SeededRng(1).fork('udp-join');
  const t0 = performance.now();
  try {
    while (nodes.length < n) {
      const t = performance.now();
      const via = nodes[rng.int(nodes.length)];
      const node = await createNode({ ...QUIET, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: [via.address] });
      nodes.push(node);
      await Promise.race([node.whenStatus('ACTIVE'), new Promise((r) => setTimeout(r, 15_000))]);
      perJoin.push(performance.now() - t);
    }
    const totalMs = performance.now() - t0;
    return {
      n, active: nodes.filter((x) => x.status === 'ACTIVE').length, totalMs: Math.round(totalMs),
      joinMsMedian: Number(quantile(perJoin, 0.5).toFixed(1)), joinMsP99: Number(quantile(perJoin, 0.99).toFixed(1)),
    };
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}
