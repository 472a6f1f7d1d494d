/**
 * The `tapestry node` daemon as an operator sees it (`npx tsx bench/run.ts daemon`): three daemons of
 * the built package (dist/, built first when missing) on loopback; one node's idle CPU and RSS over a
 * quiet minute (from /proc: the process as a whole, control API and metrics included), and the
 * control API's latency for 1,000 status and 1,000 route calls, one at a time over keep-alive HTTP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { summarize } from '../sim/stats';

const ROOT = join(__dirname, '..');
const IDLE_MS = 60_000;
const CALLS = 1_000;

interface Started {
  readonly proc: ChildProcess;
  readonly start: { guid: string; address: string; control: string };
}

function startDaemon(args: string[]): Promise<Started> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'tapestry.cjs'), 'node', '--json', '--control', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve({ proc, start: JSON.parse(l) }));
    proc.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
}

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return { cpuSeconds: ticks / 100, rssBytes: Number(rss) * 1024 };
}

async function latencies(n: number, call: (i: number) => Promise<Response>): Promise<{ median: number; p99: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const res = await call(i);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`control call ${i} answered ${res.status}`);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const s = summarize(ms);
  return { median: Number(s.p50.toFixed(3)), p99: Number(s.p99.toFixed(3)), max: Number(s.max.toFixed(3)) };
}

export async function benchDaemon(): Promise<Record<string, unknown>> {
  if (!existsSync(join(ROOT, 'dist', 'cli.mjs'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const a = await startDaemon([]);
  const b = await startDaemon(['--bootstrap', a.start.address]);
  const c = await startDaemon(['--bootstrap', a.start.address]);
  try {
    await new Promise((r) => setTimeout(r, 10_000)); // the joins settle
    const before = usage(a.proc.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const after = usage(a.proc.pid!);
    const status = await latencies(CALLS, () => fetch(`${a.start.control}/status`));
    const route = await latencies(CALLS, (i) => fetch(`${a.start.control}/route`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dest: c.start.guid, payload: `m${i}` }),
    }));
    const delivered = ((await (await fetch(`${c.start.control}/inbox`)).json()) as { delivered: number }).delivered;
    return {
      nodes: 3, idleSeconds: IDLE_MS / 1000,
      idleCpuPercent: Number((((after.cpuSeconds - before.cpuSeconds) / (IDLE_MS / 1000)) * 100).toFixed(2)),
      rssMiB: Number((after.rssBytes / 2 ** 20).toFixed(1)),
      statusMs: status, routeMs: route, routesDelivered: `${delivered}/${CALLS}`,
    };
  } finally {
    for (const d of [a, b, c]) d.proc.kill('SIGTERM');
  }
}

if (require.main === module) void benchDaemon().then((r) => console.log(JSON.stringify({ bench: 'daemon', ...r })));
