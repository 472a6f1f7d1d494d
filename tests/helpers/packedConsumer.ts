/**
 * A consumer project as an application's would be: the package packed by `npm pack` (which builds
 * dist/ through prepack), installed from the tarball into a fresh temporary folder that has its own
 * package.json and no dev tools. Shared by the consumer test (tests/e2e/) and the load-time
 * measurement (bench/loadTime.ts), so both judge the same thing a user installs.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The repository root (this file is tests/helpers/packedConsumer.ts). */
export const REPO = path.resolve(__dirname, '..', '..');

export interface PackedConsumer {
  /** The temporary folder holding the tarball and the project; removed by dispose(). */
  readonly root: string;
  /** The consumer project: package.json and node_modules/tapestry-overlay. */
  readonly project: string;
  readonly tarball: string;
  /** What `npm pack --json` reported: file count and sizes. */
  readonly pack: { readonly entryCount: number; readonly size: number; readonly unpackedSize: number; readonly files: readonly string[] };
  /** Runs a command in the project; never throws (look at status, stdout, stderr). */
  run(cmd: string, args: readonly string[], timeoutMs?: number): SpawnSyncReturns<string>;
  dispose(): void;
}

/** Packs the repository and installs the tarball into a new project. Takes seconds (build + install). */
export function createPackedConsumer(): PackedConsumer {
  const root = mkdtempSync(path.join(tmpdir(), 'tapestry-consumer-'));
  // stdout is the JSON report only: the build (prepack) writes its progress to stderr.
  const packJson = execFileSync('npm', ['pack', '--json', '--pack-destination', root], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    env: consumerEnv(),
  });
  const [report] = JSON.parse(packJson) as Array<{ filename: string; entryCount: number; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  const tarball = path.join(root, report.filename);
  const project = path.join(root, 'app');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: consumerEnv() });
  const run = (cmd: string, args: readonly string[], timeoutMs = 60_000): SpawnSyncReturns<string> =>
    spawnSync(cmd, args, { cwd: project, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, env: consumerEnv() });
  return {
    root,
    project,
    tarball,
    pack: { entryCount: report.entryCount, size: report.size, unpackedSize: report.unpackedSize, files: report.files.map((f) => f.path) },
    run,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The environment a consumer's process gets: the test runner's NODE_OPTIONS (loaders, inspectors)
 * and the variables npm sets for a running script (npm_config_local_prefix and the like would
 * point npm at this repository instead of the consumer project) stay out.
 */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('npm_') || k === 'INIT_CWD' || k === 'JEST_WORKER_ID') continue;
    env[k] = v;
  }
  return env;
}

/** The names dist/index.d.ts exports as values (`export { … }`) and as types only (`export type { … }`). */
export function declaredExports(dts: string): { values: string[]; types: string[] } {
  const list = (re: RegExp): string[] =>
    [...dts.matchAll(re)].flatMap((m) => m[1].split(',').map((n) => n.trim()).filter(Boolean)).map((n) => n.replace(/^type\s+/, '').split(/\s+as\s+/).pop()!);
  return { values: list(/^export \{([^}]*)\};?$/gm).sort(), types: list(/^export type \{([^}]*)\};?$/gm).sort() };
}

/** The ```lang blocks of a markdown text, in order, with the line each starts on. */
export function codeBlocks(markdown: string, lang: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```' + lang) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

export function readRepoFile(rel: string): string {
  return readFileSync(path.join(REPO, rel), 'utf8');
}
