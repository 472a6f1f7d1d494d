/**
 * `npx tsx bench/run.ts dht-sim [flags]`: the DHT module (upcalls/dht) on a simulated mesh of
 * `--nodes` nodes with createNode's default maintenance (heartbeats, repair, hop acknowledgements),
 * in virtual time. `--keys` keys are put from random nodes and read back from other random nodes;
 * then (a) `--fail-share` of the nodes crash at once, `--repair-s` virtual seconds pass, and every
 * key is read from a random survivor; (b) churn (Poisson arrivals joining by the protocol at the rate
 * that keeps the mesh's size, exponential lifetimes of mean `--lifetime-s`, crashes without notice)
 * runs for `--churn-s` virtual seconds with `--gets-per-s` gets spread evenly over it, their success
 * read per time bucket; (c) bytes of records held per node (stores and caches), after the puts and at
 * the end. Seeded: the same flags give the same counts (wall-clock figures sit under `runtime`).
 *
 * Gets come from nodes that have been ACTIVE for SETTLED_MS and outlive the get's deadline, so a failed
 * get is the DHT losing or not finding the record, not the asking node dying. Publishers are not
 * spared: a record must survive its publisher through its replicas.
 */
import { quantile } from '../sim/stats';
import { SeededRng } from '../sim/random';
import { DEFAULTS } from '../defaults';
import { advance } from './virtualTime';
import { DhtSimMesh } from './dhtSimMesh';

/** The flags of `bench/run.ts dht-sim`, with their defaults in DEFAULT_ARGS. */
export interface DhtSimArgs {
  /** Nodes of the static testnet. */
  readonly nodes: number;
  /** Keys put (and each read back after the puts and after the failure). */
  readonly keys: number;
  /** Share of the nodes that crash at once. */
  readonly failShare: number;
  /** Virtual seconds of repair between the crash and the gets. */
  readonly repairS: number;
  /** Virtual seconds of churn. */
  readonly churnS: number;
  /** Mean node lifetime under churn (s); arrivals come at live nodes ÷ lifetime a second. */
  readonly lifetimeS: number;
  /** Gets a second under churn. */
  readonly getsPerS: number;
  /** Size of every value (bytes): fixed, so that cached copies × size is their bytes. */
  readonly valueBytes: number;
  readonly seed: number;
}

const DEFAULT_ARGS: DhtSimArgs = { nodes: 10_000, keys: 2_000, failShare: 0.2, repairS: 60, churnS: 120, lifetimeS: 1_800, getsPerS: 20, valueBytes: 100, seed: 1 };
const USAGE = 'usage: bench/run.ts dht-sim [--nodes N] [--keys K] [--fail-share F] [--repair-s S] [--churn-s S] [--lifetime-s L] [--gets-per-s G] [--value-bytes B] [--seed S]';

/** A node asks only once it has been ACTIVE this long (ms). */
const SETTLED_MS = 5_000;
/** Virtual time over which a batch of puts or gets is sent (ms): spread, not all in one instant. */
const SPREAD_MS = 5_000;
/** Steps of virtual time between turns of the event loop (ms). */
const STEP_MS = 50;
const BUCKETS = 12;

type Emit = (fields: Record<string, unknown>) => void;
const r3 = (x: number): number => Number(x.toFixed(3));
const exponential = (rng: SeededRng, mean: number): number => -Math.log(1 - rng.next()) * mean;
const progress = (fields: Record<string, unknown>): void => console.error(JSON.stringify({ progress: 'dht-sim', ...fields }));

export function parseDhtSimArgs(argv: readonly string[]): DhtSimArgs {
  const out: Record<string, number> = { ...DEFAULT_ARGS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const eq = flag.indexOf('=');
    const value = eq < 0 ? argv[++i] : flag.slice(eq + 1);
    const key = flag.slice(2, eq < 0 ? undefined : eq).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const n = Number(value);
    if (!flag.startsWith('--') || !(key in DEFAULT_ARGS) || value === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} ${value ?? ''}: ${USAGE}`);
    out[key] = n;
  }
  const args = out as unknown as DhtSimArgs;
  if (!Number.isInteger(args.nodes) || args.nodes < 10) throw new Error(`--nodes must be an integer ≥ 10: ${USAGE}`);
  if (args.failShare >= 1 || args.lifetimeS <= 0 || args.valueBytes < 1 || args.valueBytes > DEFAULTS.dhtMaxValueBytes) throw new Error(USAGE);
  return args;
}

/** The outcome of one get or put: when it was sent and settled (virtual ms), and how. */
interface Outcome {
  sentAt: number;
  doneAt?: number;
  ok?: boolean;
  reason?: string;
}

/** Success share, virtual latency (ms) of the successes, failure reasons. */
function summarize(outcomes: readonly Outcome[]): Record<string, unknown> {
  const ok = outcomes.filter((o) => o.ok);
  const lat = ok.map((o) => (o.doneAt ?? o.sentAt) - o.sentAt);
  const failures: Record<string, number> = {};
  for (const o of outcomes) if (!o.ok) failures[o.reason ?? 'unsettled'] = (failures[o.reason ?? 'unsettled'] ?? 0) + 1;
  return {
    attempted: outcomes.length, succeeded: ok.length, successShare: r3(ok.length / Math.max(1, outcomes.length)),
    latencyMsMedian: lat.length ? r3(quantile(lat, 0.5)) : null, latencyMsP99: lat.length ? r3(quantile(lat, 0.99)) : null, failures,
  };
}

/** Records `p`'s outcome into `o` (doneAt from the DHT's own 'done' progress event, or the time it was seen). */
function watch(mesh: DhtSimMesh, o: Outcome, p: Promise<boolean>): void {
  p.then(
    (ok) => {
      o.ok = ok;
      o.reason = ok ? undefined : 'wrong value';
    },
    (err: unknown) => {
      o.ok = false;
      o.reason = err instanceof Error ? err.name : String(err);
    },
  ).finally(() => (o.doneAt ??= mesh.now));
}

/** Runs virtual time until every outcome settled (at most `limitMs`). */
async function settleAll(mesh: DhtSimMesh, outcomes: readonly Outcome[], limitMs: number): Promise<void> {
  const end = mesh.now + limitMs;
  while (mesh.now < end && outcomes.some((o) => o.ok === undefined)) await advance(mesh.net, STEP_MS, STEP_MS);
}

/** Bytes of records held per live node: stores (values) and caches (cached copies × the fixed value size). */
function storage(mesh: DhtSimMesh, valueBytes: number): Record<string, unknown> {
  const up = mesh.upNodes();
  const bytes: number[] = [];
  const records: number[] = [];
  let cachedTotal = 0;
  for (const i of up) {
    const s = mesh.kv[i].stats();
    bytes.push(s.valueBytes + s.cached * valueBytes);
    records.push(s.records);
    cachedTotal += s.cached;
  }
  const mean = (xs: number[]): number => r3(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  return {
    liveNodes: up.length, bytesPerNodeMean: mean(bytes), bytesPerNodeP99: quantile(bytes, 0.99), bytesPerNodeMax: Math.max(0, ...bytes),
    recordsPerNodeMean: mean(records), recordsPerNodeMax: Math.max(0, ...records), recordsTotal: records.reduce((a, b) => a + b, 0), cachedTotal,
    nodesHoldingNothing: bytes.filter((b) => b === 0).length,
  };
}

export async function benchDhtSim(argv: readonly string[], emit: Emit): Promise<void> {
  const args = parseDhtSimArgs(argv);
  const wall0 = performance.now();
  let peakRss = 0;
  const rss = (): number => (peakRss = Math.max(peakRss, Math.round(process.memoryUsage().rss / 2 ** 20)));
  emit({ phase: 'config', ...args, salts: DEFAULTS.dhtSalts, replicas: DEFAULTS.dhtReplicas });
  const rng = new SeededRng(args.seed).fork('dht-sim');
  const mesh = await DhtSimMesh.create(args.nodes, args.seed);
  try {
    emit({ phase: 'build', n: args.nodes, runtime: { buildMs: Math.round(performance.now() - wall0), rssMb: rss() } });
    await advance(mesh.net, 2_000, STEP_MS);
    // Background: the maintenance traffic of the settled mesh, before any DHT operation.
    const bg0 = mesh.datagrams;
    await advance(mesh.net, 10_000, 100);
    const backgroundPerS = (mesh.datagrams - bg0) / 10;
    emit({ phase: 'background', backgroundDatagramsPerNodePerS: r3(backgroundPerS / args.nodes) });

    // Puts: key k from a random node, sent evenly over SPREAD_MS.
    const values = Array.from({ length: args.keys }, (_, k) => {
      const head = Buffer.from(`dht-sim ${args.seed} value ${k} `);
      const v = Buffer.alloc(args.valueBytes, 0x2e);
      head.copy(v, 0, 0, Math.min(head.length, v.length));
      return v;
    });
    const key = (k: number): string => `dht-sim ${args.seed} key ${k}`;
    /** Puts that every salted root stored. */
    let atEverySalt = 0;
    const putOut = await batch(mesh, args.keys, (k, o) => {
      const from = pick(mesh, rng);
      let everySalt = false;
      return mesh.kv[from].putValue(key(k), values[k], {
        onProgress: (e) => {
          if (e.type === 'done') {
            o.doneAt = mesh.now;
            everySalt = !e.timedOut;
          }
        },
      }).then((r) => {
        if (everySalt && r.stored === DEFAULTS.dhtSalts) atEverySalt++;
        return r.stored > 0;
      });
    });
    emit({ phase: 'put', ...putOut.figures, putsAtEverySalt: atEverySalt, datagramsPerOp: putOut.datagramsPerOp, runtime: { wallMs: putOut.wallMs, rssMb: rss() } });
    emit({ phase: 'storage', when: 'after puts', ...storage(mesh, args.valueBytes) });

    const getAll = async (when: string): Promise<void> => {
      const out = await batch(mesh, args.keys, (k, o) => getOne(mesh, rng, k, key(k), values[k], o));
      emit({ phase: 'get', when, ...out.figures, datagramsPerOp: out.datagramsPerOp, backgroundPerOpEstimate: r3((backgroundPerS * SPREAD_MS) / 1000 / args.keys), runtime: { wallMs: out.wallMs, rssMb: rss() } });
    };
    await getAll('before failure');
    progress({ done: 'gets before failure', wallS: Math.round((performance.now() - wall0) / 1000) });

    // (a) Failure: a share of all nodes crash at once; the survivors repair for repairS.
    const killed = new Set<number>();
    const target = Math.round(args.failShare * args.nodes);
    while (killed.size < target) killed.add(rng.int(args.nodes));
    for (const i of [...killed].sort((a, b) => a - b)) await mesh.crash(i);
    const f0 = mesh.datagrams;
    await advance(mesh.net, args.repairS * 1000, 100);
    emit({ phase: 'failure', killed: killed.size, live: mesh.upNodes().length, repairS: args.repairS, repairDatagramsPerLiveNodePerS: r3((mesh.datagrams - f0) / Math.max(1, mesh.upNodes().length) / Math.max(1, args.repairS)), runtime: { rssMb: rss() } });
    await getAll(`after ${Math.round(args.failShare * 100)}% failure and ${args.repairS} s`);
    emit({ phase: 'storage', when: 'after failure', ...storage(mesh, args.valueBytes) });
    progress({ done: 'failure', wallS: Math.round((performance.now() - wall0) / 1000) });

    // (b) Churn.
    emit({ phase: 'churn', ...(await churn(mesh, args, rng, key, values)), runtime: { wallMs: Math.round(performance.now() - wall0), rssMb: rss() } });
    emit({ phase: 'storage', when: 'after churn', ...storage(mesh, args.valueBytes) });
    emit({ phase: 'run', virtualS: Math.round(mesh.now / 1000), runtime: { wallS: Math.round((performance.now() - wall0) / 1000), peakRssMb: rss() } });
  } finally {
    await mesh.close();
  }
}

/** A random node that is up, has been ACTIVE for SETTLED_MS, and (under churn) outlives `until`. */
function pick(mesh: DhtSimMesh, rng: SeededRng, alive?: (i: number) => boolean): number {
  const now = mesh.now;
  for (let tries = 0; tries < 10_000; tries++) {
    const i = rng.int(mesh.nodes.length);
    if (mesh.isUp(i) && now - (mesh.activeSince.get(i) ?? Infinity) >= SETTLED_MS && (!alive || alive(i))) return i;
  }
  throw new Error('no live settled node to ask from');
}

/** One get of key k from a random eligible node: it succeeds when the value read is the one put. */
function getOne(mesh: DhtSimMesh, rng: SeededRng, k: number, name: string, value: Buffer, o: Outcome, alive?: (i: number) => boolean): Promise<boolean> {
  const from = pick(mesh, rng, alive);
  return mesh.kv[from].getValue(name, { onProgress: (e) => void (e.type === 'done' && (o.doneAt = mesh.now)) }).then((g) => Buffer.from(g.value).equals(value));
}

/** Sends `count` operations evenly over SPREAD_MS, then waits for them all; their figures and datagrams per operation. */
async function batch(mesh: DhtSimMesh, count: number, start: (k: number, o: Outcome) => Promise<boolean>): Promise<{ figures: Record<string, unknown>; datagramsPerOp: number; wallMs: number }> {
  const w0 = performance.now();
  const d0 = mesh.datagrams;
  const outcomes: Outcome[] = [];
  const t0 = mesh.now;
  for (let k = 0; k < count; ) {
    const due = Math.min(count, Math.ceil(((mesh.now - t0 + STEP_MS) * count) / SPREAD_MS));
    for (; k < due; k++) {
      const o: Outcome = { sentAt: mesh.now };
      outcomes.push(o);
      watch(mesh, o, start(k, o));
    }
    await advance(mesh.net, STEP_MS, STEP_MS);
  }
  await settleAll(mesh, outcomes, 4 * DEFAULTS.dhtRequestTimeoutMs);
  return { figures: summarize(outcomes), datagramsPerOp: r3((mesh.datagrams - d0) / Math.max(1, count)), wallMs: Math.round(performance.now() - w0) };
}

/** Churn for args.churnS: arrivals and crashes at the rate that keeps the mesh's size, gets spread evenly, success per bucket. */
async function churn(mesh: DhtSimMesh, args: DhtSimArgs, rng: SeededRng, key: (k: number) => string, values: readonly Buffer[]): Promise<Record<string, unknown>> {
  const lifetimeMs = args.lifetimeS * 1000;
  const durationMs = args.churnS * 1000;
  const start = mesh.now;
  const live0 = mesh.upNodes();
  const arrivalMeanMs = lifetimeMs / live0.length;
  const deathAt = new Map<number, number>();
  for (const i of live0) deathAt.set(i, start + exponential(rng, lifetimeMs));
  let nextArrival = start + exponential(rng, arrivalMeanMs);
  const arrived: number[] = [];
  let departures = 0;
  const gets: Outcome[] = [];
  const totalGets = Math.round(args.getsPerS * args.churnS);
  const d0 = mesh.datagrams;
  // A get's asker stays up past the get's deadline.
  const outlives = (i: number): boolean => (deathAt.get(i) ?? Infinity) > mesh.now + 2 * DEFAULTS.dhtRequestTimeoutMs;
  let lastReport = start;
  while (mesh.now < start + durationMs) {
    const now = mesh.now;
    while (nextArrival <= now) {
      const up = mesh.upNodes();
      const i = await mesh.arrive(up[rng.int(up.length)]);
      arrived.push(i);
      deathAt.set(i, now + exponential(rng, lifetimeMs));
      nextArrival += exponential(rng, arrivalMeanMs);
    }
    for (const [i, at] of [...deathAt]) {
      if (at > now) continue;
      deathAt.delete(i);
      departures++;
      await mesh.crash(i);
    }
    // Get g of n is sent at start + (g + ½)·duration/n.
    const due = Math.min(totalGets, Math.floor(((now + STEP_MS - start) * totalGets) / durationMs + 0.5));
    while (gets.length < due) {
      const k = rng.int(values.length);
      const o: Outcome = { sentAt: mesh.now };
      gets.push(o);
      watch(mesh, o, getOne(mesh, rng, k, key(k), values[k], o, outlives));
    }
    await advance(mesh.net, STEP_MS, STEP_MS);
    if (mesh.now - lastReport >= 10_000) {
      lastReport = mesh.now;
      progress({ churnS: Math.round((mesh.now - start) / 1000), live: mesh.upNodes().length, arrivals: arrived.length, departures });
    }
  }
  await settleAll(mesh, gets, 4 * DEFAULTS.dhtRequestTimeoutMs);
  const bucketMs = durationMs / BUCKETS;
  const buckets = Array.from({ length: BUCKETS }, (_, b) => {
    const inB = gets.filter((o) => Math.min(BUCKETS - 1, Math.floor((o.sentAt - start) / bucketMs)) === b);
    return { fromS: r3((b * bucketMs) / 1000), sent: inB.length, ok: inB.filter((o) => o.ok).length };
  });
  return {
    churnS: args.churnS, lifetimeS: args.lifetimeS, liveAtStart: live0.length, liveAtEnd: mesh.upNodes().length,
    arrivals: arrived.length, arrivalsActive: arrived.filter((i) => mesh.activeSince.has(i)).length, departures,
    ...summarize(gets), datagramsPerNodePerS: r3((mesh.datagrams - d0) / Math.max(1, live0.length) / args.churnS), buckets,
  };
}
