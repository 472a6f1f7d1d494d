/** What the two peer DHT benches share: a free port, the figures of a settled mesh, ratios. */
import { createSocket } from 'node:dgram';
import { rssMb, sleep, withBackground, type OpFigures } from './measure';

/** A UDP port on 127.0.0.1 free a moment ago (a bootstrapper must be told its port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Quiet time given to a peer mesh between its build and its operations, and over which its background is measured. */
export const PEER_SETTLE_MS = 10_000;

/**
 * Which tapestry operations each peer operation is set against: a peer's put / get against the DHT
 * module's put / get (the same service), and also against publish / locate (pointers, not values).
 */
export const COUNTERPART: Record<string, readonly string[]> = { lookup: ['route'], put: ['put', 'publish'], get: ['get', 'locate'] };

const lessBackground = (f: OpFigures): number | null => ('datagramsPerOpLessBackground' in f ? (f.datagramsPerOpLessBackground as number) : null);

/** tapestry ÷ peer for latency and datagrams, operation by operation (below 1: tapestry is cheaper). */
export function ratios(system: string, tapestry: Map<string, OpFigures>, peer: Map<string, OpFigures>): Record<string, unknown> {
  const out: Record<string, unknown> = { system: `tapestry/${system}` };
  const div = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : Number((a / b).toFixed(4)));
  for (const [op, theirs] of peer) for (const counterpart of COUNTERPART[op] ?? []) {
    const ours = tapestry.get(counterpart);
    if (!ours) continue;
    out[`${counterpart}/${op}`] = {
      latencyMedian: div(ours.latencyMsMedian, theirs.latencyMsMedian),
      latencyP99: div(ours.latencyMsP99, theirs.latencyMsP99),
      datagramsPerOp: div(ours.datagramsPerOp, theirs.datagramsPerOp),
      datagramsPerOpLessBackground: div(lessBackground(ours), lessBackground(theirs)),
      successShare: [ours.successShare, theirs.successShare],
    };
  }
  return out;
}

/**
 * A peer mesh just built: waits PEER_SETTLE_MS, emits its settled figures (background datagrams and
 * bytes per node per second over that wait), runs its operations and emits each one's figures.
 */
export async function settleAndRun(
  base: Record<string, unknown>,
  built: { readonly nodes: number; readonly buildMs: number; readonly failed: number },
  counts: { readonly datagrams: number; readonly bytes: number },
  emit: (fields: Record<string, unknown>) => void,
  ops: () => Promise<Map<string, OpFigures>>,
): Promise<Map<string, OpFigures>> {
  const before = { ...counts, t: performance.now() };
  await sleep(PEER_SETTLE_MS);
  const s = (performance.now() - before.t) / 1000;
  const backgroundPerSecond = (counts.datagrams - before.datagrams) / s;
  emit({
    ...base, phase: 'settled', buildMs: Math.round(built.buildMs), bootstrapsFailed: built.failed, backgroundWindowS: Number(s.toFixed(1)),
    backgroundDatagramsPerNodePerS: Number(((counts.datagrams - before.datagrams) / built.nodes / s).toFixed(3)),
    backgroundBytesPerNodePerS: Number(((counts.bytes - before.bytes) / built.nodes / s).toFixed(3)),
    rssMb: rssMb(),
  });
  const raw = await ops();
  const figures = new Map([...raw].map(([k, f]) => [k, withBackground(f, backgroundPerSecond)]));
  for (const f of figures.values()) emit({ ...base, ...f });
  return figures;
}
