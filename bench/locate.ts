/**
 * Object location figures: relative delay penalty (RDP) in the simulator, with and without the
 * JSAC pointer-caching options, and locate latency and datagrams per locate over UDP loopback.
 *
 * RDP of one locate = latency of the path it took to the replica found / direct latency from the
 * client to the nearest replica. The path latency is what the client measured (request out, answer
 * back) less the answer's own direct trip, both on the virtual clock.
 */
import { createNode, type TapestryNode } from '../api/node';
import { createTestnet } from '../testing/testnet';
import { Guid, idSpace } from '../routing/guid';
import { SeededRng } from '../sim/random';
import { buildStaticMesh } from '../sim/staticMesh';
import { quantile, summarize } from '../sim/stats';
import { PlaneLatency } from '../transport/latency';
import { openUdpTransport } from '../transport/udp';

type Extra = { backups: number; neighbours: number; hops: number };

export async function benchLocateRdp(n: number, objects: number, locates: number, fanout: number, extra?: Extra, seed = 1): Promise<Record<string, unknown>> {
  // No republish and long-lived pointers: the window measures locates alone.
  const node = { locateFanout: fanout, republishMs: 0, pointerLifetimeMs: 600_000, ...(extra ? { extraPointers: extra } : {}) };
  const net = await createTestnet({ nodes: n, frozen: true, seed, node });
  const rng = new SeededRng(seed).fork('locate-bench');
  const placed = Array.from({ length: objects }, (_, i) => {
    const servers = new Set<number>();
    const k = 1 + rng.int(3);
    while (servers.size < k) servers.add(rng.int(n));
    return { guid: Guid.fromName(`bench object ${i}`), servers: [...servers] };
  });
  for (const o of placed) for (const s of o.servers) net.nodes[s].publish(o.guid);
  net.run(10_000);
  const pointers = net.nodes.reduce((s, node) => s + node.stats.location.pointers, 0);

  const runs: Array<{ client: number; o: (typeof placed)[number]; result?: { server: Guid; elapsedMs: number; hops: number } }> = [];
  for (let i = 0; i < locates; i++) {
    const o = placed[rng.int(objects)];
    let client = rng.int(n);
    while (o.servers.includes(client)) client = rng.int(n);
    const run: (typeof runs)[number] = { client, o };
    runs.push(run);
    void (async () => {
      for await (const r of net.nodes[client].locate(o.guid)) run.result = { server: r.server.guid, elapsedMs: r.elapsedMs, hops: r.hops };
    })().catch(() => {});
  }
  const sentBefore = net.network.stats.sent;
  net.run(30_000);
  const datagrams = net.network.stats.sent - sentBefore;
  await new Promise((r) => setImmediate(r));
  const rdp: number[] = [];
  const hops: number[] = [];
  let failed = 0;
  let nearest = 0;
  for (const run of runs) {
    if (!run.result) {
      failed++;
      continue;
    }
    const server = net.indexOf(run.result.server)!;
    const direct = Math.min(...run.o.servers.map((s) => net.latency(run.client, s)));
    const path = run.result.elapsedMs - net.latency(server, run.client);
    rdp.push(path / direct);
    hops.push(run.result.hops);
    if (net.latency(run.client, server) <= direct + 1e-9) nearest++;
  }
  await net.close();
  return {
    n, objects, locates, fanout, extraPointers: extra ?? null, pointersPerObject: Number((pointers / objects).toFixed(1)),
    datagramsPerLocate: Number((datagrams / locates).toFixed(2)),
    failed, nearestShare: Number((nearest / rdp.length).toFixed(3)),
    rdpMedian: Number(quantile(rdp, 0.5).toFixed(2)), rdpP90: Number(quantile(rdp, 0.9).toFixed(2)),
    hops: summarize(hops),
  };
}

/** N nodes on real UDP sockets in this process, tables from the static-mesh rule over a plane model. */
export async function benchLocateUdp(n: number, objects: number, locates: number, seed = 1): Promise<Record<string, unknown>> {
  const space = idSpace();
  const rng = new SeededRng(seed).fork('udp-locate');
  const transports = [];
  for (let i = 0; i < n; i++) transports.push(await openUdpTransport({ family: 4, host: '127.0.0.1', port: 0 }));
  const handles = transports.map((t) => ({ guid: Guid.random(() => rng.int(256)), address: t.local }));
  const plane = new PlaneLatency({ seed });
  const tables = buildStaticMesh(handles, (i, j) => plane.latency(i, j), space);
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < n; i++) {
    // Static tables: no heartbeats or repair in the measured window; hops are acknowledged as usual.
    nodes.push(await createNode({ transport: transports[i], guid: handles[i].guid, table: tables[i], republishMs: 0, pointerLifetimeMs: 600_000, heartbeatMs: 0, repairMs: 0 }));
  }
  try {
    const placed = Array.from({ length: objects }, (_, i) => ({ guid: Guid.fromName(`udp bench ${i}`), server: rng.int(n) }));
    for (const o of placed) nodes[o.server].publish(o.guid);
    await new Promise((r) => setTimeout(r, 1_000));
    const sentBefore = nodes.reduce((s, node) => s + node.stats.transport.sent, 0);
    const latencies: number[] = [];
    let failed = 0;
    // 50 locates in flight at a time: a steady load that the one event loop can serve.
    for (let i = 0; i < locates; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, locates - i) }, async () => {
          const o = placed[rng.int(objects)];
          const t0 = performance.now();
          try {
            for await (const _ of nodes[rng.int(n)].locate(o.guid)) latencies.push(performance.now() - t0);
          } catch {
            failed++;
          }
        }),
      );
    }
    const sent = nodes.reduce((s, node) => s + node.stats.transport.sent, 0) - sentBefore;
    return {
      n, objects, locates, failed,
      latencyMsMedian: Number(quantile(latencies, 0.5).toFixed(3)),
      latencyMsP99: Number(quantile(latencies, 0.99).toFixed(3)),
      datagramsPerLocate: Number((sent / locates).toFixed(2)),
    };
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
  }
}
