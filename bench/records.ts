/**
 * What a put (publish to every salted root) costs under `signed` against `none`, with republish on
 * at its default period, so the soft-state traffic of the objects already published runs beside
 * the puts as it would in use. Objects are published one at a time from random nodes.
 *
 * - sim: a static simulated mesh; each put is given one virtual second, and the CPU time that
 *   second costs (the put plus whatever republishes fall in it) is the put's cost. Virtual latency
 *   is the same for both providers (a signature check takes no virtual time), so CPU is the figure.
 * - udp: nodes on 127.0.0.1 in this process, static tables, default options but heartbeats and
 *   repair (nothing but location traffic); a put's latency is the wall time until the last pointer
 *   of it is stored (pointers stop appearing for `settleMs`), and its CPU is process CPU over the run.
 */
import { createNode, type TapestryNode } from '../api/node';
import { DEFAULTS } from '../defaults';
import { Guid, idSpace } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { SeededRng } from '../sim/random';
import { buildStaticMesh } from '../sim/staticMesh';
import { quantile } from '../sim/stats';
import { createTestnet, seededIdentities, seededRandom } from '../testing/testnet';
import { PlaneLatency } from '../transport/latency';
import { openUdpTransport, type UdpTransport } from '../transport/udp';

type Security = 'none' | 'signed';

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const r3 = (x: number) => Number(x.toFixed(3));
const stored = (nodes: readonly TapestryNode[]) => nodes.reduce((s, x) => s + x.stats.location.pointersStored, 0);

/** Per-put CPU (ms) on a simulated mesh of `n` nodes. */
async function simPuts(n: number, puts: number, security: Security, seed: number): Promise<Record<string, number>> {
  const net = await createTestnet({ nodes: n, seed, security, frozen: true, node: { republishMs: DEFAULTS.republishMs } });
  const rng = new SeededRng(seed).fork('records-sim');
  const cpu: number[] = [];
  const start = cpuMs();
  for (let i = 0; i < puts; i++) {
    const c0 = cpuMs();
    net.nodes[rng.int(n)].publish(Guid.fromName(`records bench ${i}`));
    net.run(1_000);
    cpu.push(cpuMs() - c0);
  }
  const total = cpuMs() - start;
  const pointers = stored(net.nodes);
  await net.close();
  return { cpuMsPerPut: r3(total / puts), cpuMsMedian: r3(quantile(cpu, 0.5)), cpuMsP99: r3(quantile(cpu, 0.99)), cpuMsMax: r3(Math.max(...cpu)), pointers };
}

/** Put latency and CPU on `n` UDP nodes on loopback in this process. */
async function udpPuts(n: number, puts: number, security: Security, seed: number, settleMs = 30): Promise<Record<string, number>> {
  const space = idSpace();
  const rng = new SeededRng(seed).fork('records-udp');
  const transports: UdpTransport[] = [];
  for (let i = 0; i < n; i++) transports.push(await openUdpTransport({ family: 4, host: '127.0.0.1', port: 0 }));
  const identities = seededIdentities(n, space, new SeededRng(seed).fork('identities'));
  const handles: NodeHandle[] = identities.map((id, i) => ({ guid: id.guid(space.bits as 160 | 256), address: transports[i].local }));
  const plane = new PlaneLatency({ seed });
  const tables = buildStaticMesh(handles, (i, j) => plane.latency(i, j), space);
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < n; i++) {
    const who = security === 'signed'
      ? { security, identity: identities[i], random: seededRandom(new SeededRng(seed).fork(`nonces-${i}`)) }
      : { guid: handles[i].guid };
    nodes.push(await createNode({ transport: transports[i], table: tables[i], heartbeatMs: 0, repairMs: 0, ...who }));
  }
  try {
    const latencies: number[] = [];
    const c0 = cpuMs();
    const w0 = performance.now();
    for (let i = 0; i < puts; i++) {
      const t0 = performance.now();
      const object = Guid.fromName(`records udp ${i}`);
      // Nodes holding a pointer for the object: cheap to count (node.stats builds objects; this does not).
      const holding = () => nodes.reduce((s, x) => s + (x.localLookup(object).length > 0 ? 1 : 0), 0);
      let count = 0;
      let last = t0;
      nodes[rng.int(n)].publish(object);
      while (performance.now() - last < settleMs) {
        // A timer, not setImmediate: polling must leave the CPU to the nodes (and out of the CPU figure).
        await new Promise((r) => setTimeout(r, 0));
        const now = holding();
        if (now !== count) {
          count = now;
          last = performance.now();
        }
      }
      latencies.push(last - t0);
    }
    const wall = performance.now() - w0;
    const cpu = cpuMs() - c0;
    // The settle wait is idle time, not the put's: CPU per put is over the whole run.
    return {
      latencyMsMedian: r3(quantile(latencies, 0.5)), latencyMsP99: r3(quantile(latencies, 0.99)),
      cpuMsPerPut: r3(cpu / puts), wallSeconds: r3(wall / 1000), pointers: stored(nodes),
    };
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}

function ratios(none: Record<string, number>, signed: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(none)) if (k !== 'pointers' && k !== 'wallSeconds' && none[k] > 0) out[`${k}Ratio`] = r3(signed[k] / none[k]);
  return out;
}

export async function benchRecordsSim(n = 300, puts = 200, seed = 7): Promise<Record<string, unknown>> {
  await simPuts(50, 20, 'signed', seed + 1); // warm-up: JIT and module loading count against neither side
  const none = await simPuts(n, puts, 'none', seed);
  const signed = await simPuts(n, puts, 'signed', seed);
  return { mode: 'sim', n, puts, republishMs: DEFAULTS.republishMs, none, signed, ...ratios(none, signed) };
}

export async function benchRecordsUdp(n = 200, puts = 200, seed = 7): Promise<Record<string, unknown>> {
  await udpPuts(30, 20, 'signed', seed + 1);
  const none = await udpPuts(n, puts, 'none', seed);
  const signed = await udpPuts(n, puts, 'signed', seed);
  return { mode: 'udp', n, puts, republishMs: DEFAULTS.republishMs, none, signed, ...ratios(none, signed) };
}
