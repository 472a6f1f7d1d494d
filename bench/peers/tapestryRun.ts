/**
 * The tapestry half of the peers bench: build, let maintenance run, then route round trips,
 * publishes, locates, and the DHT module's puts and gets (registered on every node) one at a time.
 * Every figure is read through the public API (node.stats, node.table, node.localLookup, the DHT
 * module's stats) or the sockets' own counters.
 */
import type { TapestryNode } from '../../api/node';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { saltedRoots } from '../../location/saltedRoots';
import { SeededRng } from '../../sim/random';
import type { UdpTransport } from '../../transport/udp';
import type { PeersArgs } from './args';
import { kernelUdpRcvbufErrors, rssMb, runOps, sleep, withBackground, type OpFigures } from './measure';
import { buildTapestry, closeMesh } from './tapestryBuild';
import { dhtTotals, registerDht, tapestryDhtOps } from './tapestryDht';
import type { Dht } from '../../upcalls/dht';

type Emit = (fields: Record<string, unknown>) => void;

/** The background rate is measured over at most this much of the end of the settle period. */
const BACKGROUND_WINDOW_MS = 60_000;
/** `p`'s value, or undefined when it rejects or takes longer than `ms` (its timer cleared either way). */
async function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

const sum = (ts: readonly UdpTransport[], f: (t: UdpTransport) => number): number => ts.reduce((s, t) => s + f(t), 0);

/** Machine-wide kernel UDP receive drops when the bench started (other processes' count too). */
let kernelAtStart: number | null = null;

/** What the mesh looks like now: tables, false failure detections, drops, memory. */
function meshState(nodes: readonly TapestryNode[], transports: readonly UdpTransport[]): Record<string, unknown> {
  const kernel = kernelUdpRcvbufErrors();
  const sizes = nodes.map((n) => n.table.size);
  const dropped: Record<string, number> = {};
  for (const t of transports) for (const [k, v] of Object.entries(t.stats.dropped)) dropped[k] = (dropped[k] ?? 0) + v;
  return {
    // No node is killed or leaves, so every failure a node detects is a false one.
    falseFailureDetections: nodes.reduce((s, n) => s + n.stats.membership.failuresDetected, 0),
    tableSizeMean: Number((sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)).toFixed(1)),
    tableSizeMin: Math.min(...sizes),
    emptyTables: sizes.filter((s) => s === 0).length,
    active: nodes.filter((n) => n.status === 'ACTIVE').length,
    transportDropped: dropped,
    kernelUdpRcvbufErrorsSinceStart: kernel === null || kernelAtStart === null ? null : kernel - kernelAtStart,
    rssMb: rssMb(),
  };
}

/** Runs the whole tapestry half and returns its operation figures, by operation name. */
export async function runTapestry(args: PeersArgs, emit: Emit): Promise<Map<string, OpFigures>> {
  kernelAtStart = kernelUdpRcvbufErrors();
  const mesh = await buildTapestry(args);
  const { nodes, transports } = mesh;
  const base = { system: 'tapestry', n: nodes.length, build: args.build, security: args.security };
  try {
    emit({ ...base, phase: 'build', buildMs: Math.round(mesh.buildMs), joinsFailed: mesh.joinsFailed, ...meshState(nodes, transports) });
    // Every node answers requests on the default module: the route round trip's other half.
    for (const node of nodes) node.register({ id: 0, name: 'peers-bench', deliver: (msg) => (msg.request ? 'pong' : undefined) });
    // Every node stores and serves values, as every node of a peer DHT does.
    const kv = registerDht(nodes);

    const settleMs = args.settleMinutes * 60_000;
    const windowMs = Math.min(BACKGROUND_WINDOW_MS, settleMs);
    await settle(settleMs - windowMs, nodes, transports);
    const kernelBefore = kernelUdpRcvbufErrors();
    const before = { d: sum(transports, (t) => t.stats.sent), b: sum(transports, (t) => t.stats.bytesSent), t: performance.now() };
    await sleep(windowMs);
    const seconds = (performance.now() - before.t) / 1000;
    const perNodePerS = (x: number): number => Number((x / nodes.length / Math.max(seconds, 1e-9)).toFixed(3));
    const kernelAfter = kernelUdpRcvbufErrors();
    const backgroundPerSecond = (sum(transports, (t) => t.stats.sent) - before.d) / Math.max(seconds, 1e-9);
    emit({
      ...base, phase: 'settled', settleMinutes: args.settleMinutes, backgroundWindowS: Number(seconds.toFixed(1)),
      backgroundDatagramsPerNodePerS: perNodePerS(sum(transports, (t) => t.stats.sent) - before.d),
      backgroundBytesPerNodePerS: perNodePerS(sum(transports, (t) => t.stats.bytesSent) - before.b),
      kernelUdpRcvbufErrorsInWindow: kernelBefore === null || kernelAfter === null ? null : kernelAfter - kernelBefore,
      ...meshState(nodes, transports),
    });

    const ops = await tapestryOps(args, nodes, transports, kv);
    const figures = new Map([...ops.figures].map(([k, f]) => [k, withBackground(f, backgroundPerSecond)]));
    for (const f of figures.values()) emit({ ...base, ...f });
    emit({ ...base, phase: 'dht', salts: ops.dht.salts, putsAtEverySalt: ops.dht.putsAtEverySalt, ...dhtTotals(kv) });
    emit({ ...base, phase: 'after-ops', ...meshState(nodes, transports) });
    return figures;
  } finally {
    await closeMesh(mesh);
  }
}

/** Waits `ms`, saying on stderr every 30 s how the mesh is doing. */
async function settle(ms: number, nodes: readonly TapestryNode[], transports: readonly UdpTransport[]): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await sleep(Math.min(30_000, left));
    const s = meshState(nodes, transports);
    console.error(JSON.stringify({ progress: 'peers-settle', leftS: Math.round((end - performance.now()) / 1000), falseFailureDetections: s.falseFailureDetections, tableSizeMean: s.tableSizeMean, sent: sum(transports, (t) => t.stats.sent) }));
  }
}

async function tapestryOps(args: PeersArgs, nodes: readonly TapestryNode[], transports: readonly UdpTransport[], kv: readonly Dht[]): Promise<{ figures: Map<string, OpFigures>; dht: Awaited<ReturnType<typeof tapestryDhtOps>> }> {
  const rng = new SeededRng(args.seed).fork('peers-ops');
  const n = nodes.length;
  const byGuid = new Map(nodes.map((node) => [node.guid.hex, node]));
  const runOpts = { count: args.ops, datagrams: () => sum(transports, (t) => t.stats.sent), maxConsecutiveFailures: args.maxConsecutiveFailures };
  const two = (): [TapestryNode, TapestryNode] => {
    const a = rng.int(n);
    const b = (a + 1 + rng.int(n - 1)) % n;
    return [nodes[a], nodes[b]];
  };
  const figures = new Map<string, OpFigures>();
  // After each kind of operation: the failure detector's view, on stderr.
  const progress = (after: string): void => {
    const m = (pick: (x: TapestryNode['stats']['membership']) => number): number => nodes.reduce((s, node) => s + pick(node.stats.membership), 0);
    console.error(JSON.stringify({
      progress: 'peers-ops', after, falseFailureDetections: m((x) => x.failuresDetected), livenessProbes: m((x) => x.livenessProbes),
      stallsNoticed: m((x) => x.stallsNoticed), missesDiscounted: m((x) => x.missesDiscounted), hopTimeouts: nodes.reduce((s, node) => s + node.stats.router.hopTimeouts, 0),
      sendQueuePeak: transports.reduce((s, t) => Math.max(s, t.queuePeak), 0),
    }));
  };

  // Route round trip: an exact request to another node's GUID, answered by its module.
  const on = (k: PeersArgs['kinds'][number]): boolean => args.kinds.includes(k);
  if (on('route')) figures.set('route', await runOps('route', async () => {
    const [from, to] = two();
    const reply = await from.request(to.guid, 'ping', { timeoutMs: args.opTimeoutMs });
    return reply.from.guid.equals(to.guid);
  }, runOpts));
  progress('route');

  // Publish: done when publish() resolves, every salted root having acknowledged the pointer. The
  // roots are found first (outside the measured part) by fuzzy requests from the publisher to the
  // root GUIDs: the acknowledging nodes must be those roots, and they must hold the pointer then.
  const published: Array<{ object: Guid; server: TapestryNode }> = [];
  if (on('publish')) figures.set('publish', await runOps('publish', async (i, mark) => {
    const server = nodes[rng.int(n)];
    const object = Guid.fromName(`peers bench ${args.seed} object ${i}`);
    const roots: TapestryNode[] = [];
    for (const root of saltedRoots(object, DEFAULTS.salts)) {
      const reply = await server.request(root, 'root?', { fuzzy: true, timeoutMs: args.opTimeoutMs });
      const holder = byGuid.get(reply.from.guid.hex);
      if (!holder) return false;
      roots.push(holder);
    }
    mark();
    const result = await withinMs(server.publish(object), args.opTimeoutMs);
    if (!result || result.acknowledged !== result.tried) return false;
    const held = (r: TapestryNode): boolean => r.localLookup(object).some((p) => p.server.guid.equals(server.guid));
    if (!roots.every(held) || !result.roots.every((r, salt) => r.guid.equals(roots[salt].guid))) return false;
    // Only acknowledged objects are located below: a locate then needs no retry.
    published.push({ object, server });
    return true;
  }, runOpts));
  progress('publish');

  // Locate: a random published object from a node other than its server; the first replica found must be the server.
  if (on('locate')) figures.set('locate', await runOps('locate', async () => {
    if (!published.length) return false;
    const { object, server } = published[rng.int(published.length)];
    let from = nodes[rng.int(n)];
    if (from === server) from = nodes[(nodes.indexOf(from) + 1) % n];
    for await (const found of from.locate(object, { signal: AbortSignal.timeout(args.opTimeoutMs) })) return found.server.guid.equals(server.guid);
    return false;
  }, runOpts));
  progress('locate');

  // The DHT module's put and get: the operations set against the peers' put and get.
  const dht = on('dht') ? await tapestryDhtOps(args, kv, rng, runOpts) : { figures: new Map<string, OpFigures>(), putsAtEverySalt: 0, salts: 0 };
  for (const [k, f] of dht.figures) figures.set(k, f);
  progress('dht put/get');
  return { figures, dht };
}
