/**
 * Hop counts in the simulator for a mesh of N nodes, and simulator speed: overlay hops per second
 * on one core, beside a bare-simulator baseline (the same event queue forwarding raw datagrams
 * with no node logic) measured in the same run.
 */
import { createTestnet } from '../testing/testnet';
import { SeededRng } from '../sim/random';
import { summarize } from '../sim/stats';
import { SimNetwork } from '../transport/simNetwork';

export async function benchHops(n: number, routes: number, seed = 1): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const net = await createTestnet({ nodes: n, frozen: true, seed });
  const buildMs = performance.now() - t0;
  const hops: number[] = [];
  net.nodes.forEach((node) => node.register({ id: 0, name: 'bench', deliver: (d) => void hops.push(d.hops) }));
  const rng = new SeededRng(seed).fork('routes');
  for (let i = 0; i < routes; i++) net.nodes[rng.int(n)].route(net.nodes[rng.int(n)].guid, 'x');
  const t1 = performance.now();
  const events = net.run(60_000);
  const runMs = performance.now() - t1;
  await net.close();
  const totalHops = hops.reduce((a, b) => a + b, 0);
  return {
    n,
    routes,
    delivered: hops.length,
    hops: summarize(hops),
    log16N: Number((Math.log(n) / Math.log(16)).toFixed(2)),
    // Routes longer than ceil(log16 N) + 1: they go to nodes that share an unusually long prefix
    // with another node, so more digits are needed to single them out.
    overCeilLog16NPlus1: hops.filter((h) => h > Math.ceil(Math.log(n) / Math.log(16)) + 1).length,
    buildMs: Math.round(buildMs),
    events,
    overlayHopsPerSecond: Math.round(totalHops / (runMs / 1000)),
  };
}

/** The bare simulator: datagrams bounced between random endpoints, no decoding, no routing. */
export function benchBareSimulator(endpoints: number, datagrams: number, seed = 1): Record<string, number> {
  const net = new SimNetwork({ seed });
  const rng = new SeededRng(seed).fork('bare');
  const ts = Array.from({ length: endpoints }, () => net.createTransport());
  let left = datagrams;
  const bytes = new Uint8Array(120);
  for (const t of ts) t.onReceive(() => {
    if (left-- > 0) t.send(ts[rng.int(endpoints)].local, bytes);
  });
  for (let i = 0; i < 1000; i++) ts[rng.int(endpoints)].send(ts[rng.int(endpoints)].local, bytes);
  const t0 = performance.now();
  const events = net.runUntilIdle();
  const ms = performance.now() - t0;
  return { endpoints, events, datagramsPerSecond: Math.round(events / (ms / 1000)) };
}
