/**
 * `tapestry demo` (what `npm start` runs): a simulated mesh in virtual time and a small mesh on
 * real UDP sockets on loopback route exact and fuzzy messages; what happened is printed.
 */
import { createNode, type LocateResult, type TapestryNode } from '../api/node';
import { introduceAll } from '../api/introduce';
import { createTestnet } from '../testing/testnet';
import { Guid } from '../routing/guid';
import { bruteForceRoot } from '../sim/oracle';
import { SeededRng } from '../sim/random';
import { histogram, summarize } from '../sim/stats';
import { formatIp } from '../transport/address';

export interface DemoOptions {
  readonly simNodes: number;
  readonly udpNodes: number;
  readonly routes: number;
  readonly seed: number;
  readonly print: (line: string) => void;
}

/** Module ids the demo uses: 0 carries the messages, 1 traces the paths they take. */
const APP = 0;

interface Trace {
  path: number[];
  sentAt: number;
}

/** Registers on every node a module that records each hop and each delivery. */
function instrument(nodes: readonly TapestryNode[], now: () => number) {
  const traces = new Map<string, Trace>();
  const delivered: Array<{ id: string; at: number; hops: number; ms: number }> = [];
  nodes.forEach((node, index) =>
    node.register({
      id: APP,
      name: 'demo',
      forward: (m) => void traces.get(Buffer.from(m.payload).toString())?.path.push(index),
      deliver: (d) => {
        const id = Buffer.from(d.payload).toString();
        const t = traces.get(id);
        t?.path.push(index);
        delivered.push({ id, at: index, hops: d.hops, ms: t ? now() - t.sentAt : NaN });
      },
    }),
  );
  const send = (src: number, dest: Guid, id: string, fuzzy: boolean) => {
    traces.set(id, { path: [], sentAt: now() });
    nodes[src].route(dest, id, { fuzzy });
  };
  return { traces, delivered, send };
}

/** The first result of a locate, or undefined when it ends without one. */
async function firstResult(it: AsyncIterable<LocateResult>): Promise<LocateResult | undefined> {
  try {
    for await (const r of it) return r;
  } catch {
    // NotFound or timeout: reported as not located.
  }
  return undefined;
}

function showPath(nodes: readonly TapestryNode[], t: Trace, destHex: string): string {
  const hops = t.path.map((i) => nodes[i].guid.hex.slice(0, 6));
  return `${hops.join(' → ')}   (dest ${destHex.slice(0, 6)}…, ${t.path.length - 1} hops)`;
}

export async function runDemo(opts: DemoOptions): Promise<{ ok: boolean }> {
  const { print } = opts;
  let ok = true;

  // --- Simulated mesh, virtual time ---
  const t0 = performance.now();
  const net = await createTestnet({ nodes: opts.simNodes, frozen: true, seed: opts.seed });
  const sim = instrument(net.nodes, () => net.now);
  const rng = new SeededRng(opts.seed).fork('demo');
  const N = net.nodes.length;
  const exact: Array<{ id: string; dst: number }> = [];
  for (let i = 0; i < opts.routes; i++) {
    const dst = rng.int(N);
    const id = `exact-${i}`;
    exact.push({ id, dst });
    sim.send(rng.int(N), net.nodes[dst].guid, id, false);
  }
  const fuzzy: Array<{ id: string; root: number; dest: Guid }> = [];
  const guids = net.nodes.map((n) => n.guid);
  for (let i = 0; i < Math.ceil(opts.routes / 4); i++) {
    const dest = Guid.random(() => rng.int(256));
    const id = `fuzzy-${i}`;
    fuzzy.push({ id, root: bruteForceRoot(guids, dest, net.space), dest });
    sim.send(rng.int(N), dest, id, true);
  }
  const absent = Guid.random(() => rng.int(256));
  sim.send(0, absent, 'exact-to-absent', false);
  net.run(60_000);

  const byId = new Map(sim.delivered.map((d) => [d.id, d]));
  const exactOk = exact.filter((e) => byId.get(e.id)?.at === e.dst).length;
  const fuzzyOk = fuzzy.filter((f) => byId.get(f.id)?.at === f.root).length;
  const hops = sim.delivered.map((d) => d.hops);
  const dropped = net.nodes.reduce((s, n) => s + n.stats.router.droppedNoExactMatch, 0);
  print(`Simulated mesh: ${N} nodes, static tables (3 per slot), seed ${opts.seed}, built and run in ${(performance.now() - t0).toFixed(0)} ms`);
  print(`  exact routes: ${exact.length} sent, ${exactOk} delivered at the exact node`);
  print(`  fuzzy routes to random GUIDs: ${fuzzy.length} sent, ${fuzzyOk} delivered at the brute-force surrogate root`);
  print(`  exact route to an absent GUID: ${byId.has('exact-to-absent') ? 'DELIVERED (wrong)' : 'dropped at its root'} (drops counted: ${dropped})`);
  print(`  hops: ${JSON.stringify(summarize(hops))}  log16 N = ${(Math.log(N) / Math.log(16)).toFixed(2)}`);
  print(`  hop histogram: ${JSON.stringify(histogram(hops))}`);
  print(`  one-way latency (virtual ms): ${JSON.stringify(summarize(sim.delivered.map((d) => d.ms), 1))}`);
  print('  example paths:');
  for (const e of exact.slice(0, 3)) print(`    exact  ${showPath(net.nodes, sim.traces.get(e.id)!, net.nodes[e.dst].guid.hex)}`);
  for (const f of fuzzy.slice(0, 2)) print(`    fuzzy  ${showPath(net.nodes, sim.traces.get(f.id)!, f.dest.hex)}`);
  ok &&= exactOk === exact.length && fuzzyOk === fuzzy.length && !byId.has('exact-to-absent');

  // Object location: publish replicas, locate each object from a random node.
  const objects = Array.from({ length: 200 }, (_, i) => {
    const servers = new Set<number>();
    const k = 1 + rng.int(3);
    while (servers.size < k) servers.add(rng.int(N));
    return { guid: Guid.fromName(`demo object ${i}`), servers: [...servers] };
  });
  for (const o of objects) for (const srv of o.servers) net.nodes[srv].publish(o.guid, { tag: 'demo' });
  net.run(5_000);
  const locates = objects.map((o) => {
    let client = rng.int(N);
    while (o.servers.includes(client)) client = rng.int(N);
    return { o, client, done: firstResult(net.nodes[client].locate(o.guid, { query: 'demo' })) };
  });
  net.run(20_000);
  let located = 0;
  let nearest = 0;
  const rdp: number[] = [];
  const locHops: number[] = [];
  for (const l of locates) {
    const r = await l.done;
    const at = r && net.indexOf(r.server.guid);
    if (at === undefined || !l.o.servers.includes(at)) continue;
    located++;
    const best = Math.min(...l.o.servers.map((srv) => net.latency(l.client, srv)));
    if (net.latency(l.client, at) <= best + 1e-9) nearest++;
    rdp.push((r!.elapsedMs - net.latency(at, l.client)) / best);
    locHops.push(r!.hops);
  }
  const pointers = net.nodes.reduce((sum, n) => sum + n.stats.location.pointers, 0);
  print(`Object location: ${objects.length} objects, ${objects.reduce((a, o) => a + o.servers.length, 0)} replicas published (${pointers} pointers on their paths to 3 salted roots)`);
  print(`  located: ${located}/${locates.length}; nearest replica returned in ${((100 * nearest) / Math.max(1, located)).toFixed(1)}%`);
  print(`  locate hops: ${JSON.stringify(summarize(locHops))}`);
  print(`  relative delay penalty (path latency / direct latency to nearest replica): ${JSON.stringify(summarize(rdp))}`);
  ok &&= located === locates.length;
  await net.close();

  // --- Real UDP sockets on loopback ---
  const udp: TapestryNode[] = [];
  try {
    for (let i = 0; i < opts.udpNodes; i++) udp.push(await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 } }));
    await introduceAll(udp);
    const real = instrument(udp, () => performance.now());
    const udpGuids = udp.map((n) => n.guid);
    const udpExact: Array<{ id: string; dst: number }> = [];
    const udpFuzzy: Array<{ id: string; root: number }> = [];
    for (let i = 0; i < 200; i++) {
      const dst = rng.int(udp.length);
      udpExact.push({ id: `udp-exact-${i}`, dst });
      real.send(rng.int(udp.length), udpGuids[dst], `udp-exact-${i}`, false);
      const dest = Guid.random(() => rng.int(256));
      udpFuzzy.push({ id: `udp-fuzzy-${i}`, root: bruteForceRoot(udpGuids, dest, udp[0].space) });
      real.send(rng.int(udp.length), dest, `udp-fuzzy-${i}`, true);
    }
    const deadline = performance.now() + 5_000;
    while (real.delivered.length < 400 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const got = new Map(real.delivered.map((d) => [d.id, d]));
    const e = udpExact.filter((x) => got.get(x.id)?.at === x.dst).length;
    const f = udpFuzzy.filter((x) => got.get(x.id)?.at === x.root).length;
    print(`UDP mesh: ${udp.length} nodes on ${udp.map((n) => `${formatIp(n.address)}:${n.address.port}`).slice(0, 3).join(', ')}, …`);
    print(`  exact routes: ${udpExact.length} sent, ${e} delivered at the exact node`);
    print(`  fuzzy routes: ${udpFuzzy.length} sent, ${f} delivered at the surrogate root`);
    print(`  hops: ${JSON.stringify(summarize(real.delivered.map((d) => d.hops)))}`);
    print(`  one-way latency (ms): ${JSON.stringify(summarize(real.delivered.map((d) => d.ms), 3))}`);
    print(`  example path: ${showPath(udp, real.traces.get(udpExact[0].id)!, udpGuids[udpExact[0].dst].hex)}`);
    ok &&= e === udpExact.length && f === udpFuzzy.length;

    const udpObjects = Array.from({ length: 20 }, (_, i) => ({ guid: Guid.fromName(`udp demo object ${i}`), server: rng.int(udp.length) }));
    for (const o of udpObjects) udp[o.server].publish(o.guid);
    await new Promise((r) => setTimeout(r, 100));
    let udpLocated = 0;
    for (const o of udpObjects) {
      const r = await firstResult(udp[rng.int(udp.length)].locate(o.guid));
      if (r?.server.guid.equals(udp[o.server].guid)) udpLocated++;
    }
    print(`  objects: ${udpObjects.length} published, ${udpLocated} located at their server`);
    ok &&= udpLocated === udpObjects.length;
  } finally {
    await Promise.all(udp.map((n) => n.close()));
  }
  print(ok ? 'Everything routed as expected.' : 'SOME ROUTES WENT WRONG (see above).');
  return { ok };
}
