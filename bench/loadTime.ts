/**
 * How long a consumer's cold process takes to load the package, compiled (dist/, as installed from
 * the packed tarball) against the TypeScript sources through tsx (how the package loaded before it
 * shipped JavaScript), with an empty `node` process as the floor. Also what `npm pack` ships.
 *
 *   npx tsx bench/loadTime.ts [runs]      (default 11 runs each; prints one JSON line)
 *
 * Each figure is the median wall time of `runs` fresh processes, measured from spawn to exit.
 * tsx keeps a transform cache: the run before the timed ones fills it (as on any developer machine
 * after the first start), so the tsx median is its best case; that first run is reported apart. Compare the ratios; times on a
 * shared machine move by ±10%.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { consumerEnv, createPackedConsumer, REPO } from '../tests/helpers/packedConsumer';

const runs = Number(process.argv[2] ?? 11);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `runs` fresh processes of `node args` in `cwd`, after one warm-up run (its time: `first`). */
function timeProcess(cwd: string, args: string[], env: NodeJS.ProcessEnv): { median: number; first: number } {
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`);
    return ms;
  };
  const first = once();
  return { median: median(Array.from({ length: runs }, once)), first };
}

const consumer = createPackedConsumer();
// tsx's cache goes to a private folder, so this measurement neither reads nor disturbs another one's.
const tsxTmp = mkdtempSync(path.join(tmpdir(), 'tapestry-tsx-cache-'));
try {
  const env = consumerEnv();
  const emptyMs = timeProcess(consumer.project, ['-e', '0'], env).median;
  const importMs = timeProcess(consumer.project, ['-e', "import('tapestry-overlay')"], env).median;
  const requireMs = timeProcess(consumer.project, ['-e', "require('tapestry-overlay')"], env).median;
  const tsx = timeProcess(REPO, ['--import', 'tsx', '--input-type=module', '-e', "await import('./index.ts')"], { ...env, TMPDIR: tsxTmp });
  const tsxMs = tsx.median;
  const round = (x: number): number => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      bench: 'loadTime',
      runs,
      emptyNodeMs: round(emptyMs),
      tsxSourceImportMs: round(tsxMs),
      // The first tsx run, with an empty transform cache (a fresh clone's first start).
      tsxEmptyCacheMs: round(tsx.first),
      distImportMs: round(importMs),
      distRequireMs: round(requireMs),
      // Load cost above an empty process, compiled vs tsx: below 1 means the package loads faster than before.
      importVsTsx: Math.round(((importMs - emptyMs) / (tsxMs - emptyMs)) * 100) / 100,
      requireVsTsx: Math.round(((requireMs - emptyMs) / (tsxMs - emptyMs)) * 100) / 100,
      packFiles: consumer.pack.entryCount,
      packBytes: consumer.pack.size,
      unpackedBytes: consumer.pack.unpackedSize,
    }),
  );
} finally {
  rmSync(tsxTmp, { recursive: true, force: true });
  consumer.dispose();
}
