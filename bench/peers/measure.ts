/**
 * Sequential operations and their figures, the same for every system: latency median and p99 over
 * the operations that succeeded, success share, and datagrams sent (by all nodes) per operation.
 */
import { readFileSync } from 'node:fs';
import { quantile } from '../../sim/stats';

/**
 * One operation: resolves true when it did what it should, false (or throws) when it did not. An
 * operation that must prepare first (publish finds its roots) calls `mark()` when the measured part
 * starts: its time and datagrams are counted from there.
 */
export type Op = (i: number, mark: () => void) => Promise<boolean>;

export interface OpFigures {
  op: string;
  attempted: number;
  succeeded: number;
  successShare: number;
  latencyMsMedian: number | null;
  latencyMsP99: number | null;
  /** Datagrams sent by all nodes from each operation's start to its end, over the operations attempted (background in those windows included). */
  datagramsPerOp: number;
  /** Mean time from an operation's measured start to its end, failures included (ms). */
  meanOpMs: number;
  /** The phase's wall time (ms). */
  phaseMs: number;
  /** true when the phase stopped early after too many failures in a row. */
  abandoned: boolean;
  /** The first few distinct failure reasons, with counts. */
  failures: Record<string, number>;
}

export interface RunOpsOptions {
  readonly count: number;
  /** Total datagrams sent so far by every node of the system. */
  readonly datagrams: () => number;
  readonly maxConsecutiveFailures: number;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Runs `op` `count` times one after another, timing each with performance.now(). */
export async function runOps(name: string, op: Op, opts: RunOpsOptions): Promise<OpFigures> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let attempted = 0;
  let inARow = 0;
  let sent = 0;
  let inOps = 0;
  let start = 0;
  let sentAtStart = 0;
  const mark = (): void => {
    start = performance.now();
    sentAtStart = opts.datagrams();
  };
  const t0 = performance.now();
  for (let i = 0; i < opts.count; i++) {
    attempted++;
    mark();
    let ok = false;
    try {
      ok = await op(i, mark);
      if (!ok) note(failures, 'wrong answer');
    } catch (err) {
      note(failures, err instanceof Error ? `${err.name}: ${err.message.slice(0, 60)}` : String(err));
    }
    const end = performance.now();
    sent += opts.datagrams() - sentAtStart;
    inOps += end - start;
    if (ok) {
      latencies.push(end - start);
      inARow = 0;
    } else if (++inARow >= opts.maxConsecutiveFailures) {
      break;
    }
  }
  const phaseMs = performance.now() - t0;
  return {
    op: name, attempted, succeeded: latencies.length,
    successShare: round(latencies.length / Math.max(1, attempted), 4),
    latencyMsMedian: latencies.length ? round(quantile(latencies, 0.5)) : null,
    latencyMsP99: latencies.length ? round(quantile(latencies, 0.99)) : null,
    datagramsPerOp: round(sent / Math.max(1, attempted), 2),
    meanOpMs: round(inOps / Math.max(1, attempted)),
    phaseMs: Math.round(phaseMs),
    abandoned: attempted < opts.count,
    failures,
  };
}

/** Counts a failure reason; at most 8 distinct reasons are kept (the rest as 'other'). */
function note(failures: Record<string, number>, reason: string): void {
  const key = reason in failures || Object.keys(failures).length < 8 ? reason : 'other';
  failures[key] = (failures[key] ?? 0) + 1;
}

/** Resolves after `ms`; `timer.unref` so a forgotten wait never holds the process open. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Rejects with a TimeoutError-named error when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`${what} took more than ${ms} ms`);
      e.name = 'TimeoutError';
      reject(e);
    }, ms);
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

/** Machine-wide UDP receive-buffer drops (/proc/net/snmp Udp RcvbufErrors), or null off Linux. Other processes count too. */
export function kernelUdpRcvbufErrors(): number | null {
  try {
    const text = readFileSync('/proc/net/snmp', 'utf8');
    const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
    if (lines.length < 2) return null;
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    const at = names.indexOf('RcvbufErrors');
    return at < 0 ? null : Number(values[at]);
  } catch {
    return null;
  }
}

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

/**
 * The operation figures plus an estimate of the background datagrams inside each operation's window
 * (the settled background rate of all nodes × the mean operation time) and datagramsPerOp less it.
 */
export function withBackground(f: OpFigures, backgroundPerSecond: number): OpFigures & { backgroundPerOpEstimate: number; datagramsPerOpLessBackground: number } {
  const bg = (backgroundPerSecond * f.meanOpMs) / 1000;
  return { ...f, backgroundPerOpEstimate: round(bg, 2), datagramsPerOpLessBackground: round(f.datagramsPerOp - bg, 2) };
}
