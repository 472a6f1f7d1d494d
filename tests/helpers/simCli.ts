/**
 * Running `tapestry sim` as a user does, for the CLI tests: a child process on the TypeScript source
 * (through tsx, so a stale dist/ cannot matter), with a scratch folder per test file.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** What a finished `tapestry sim` process printed and how it exited. */
export interface SimExit {
  status: number | null;
  stdout: string;
  stderr: string;
}

const ARGV = ['--require', 'tsx/cjs', 'cli/main.ts', 'sim'];
const TIMEOUT_MS = 120_000;

/** A temporary folder for this test file's reports, removed after all its tests. */
export function scratchFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `tapestry-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `tapestry sim …args`, waited for (blocks the test's event loop). */
export function simSync(args: readonly string[]): SimExit {
  const r = spawnSync(process.execPath, [...ARGV, ...args], { cwd: ROOT, encoding: 'utf8', timeout: TIMEOUT_MS });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `tapestry sim …args` without blocking, so two runs can go side by side. */
export function simAsync(args: readonly string[]): Promise<SimExit> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...ARGV, ...args], { cwd: ROOT, encoding: 'utf8', timeout: TIMEOUT_MS }, (_err, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

/** report.json's text in `dir`. */
export function reportText(dir: string): string {
  return readFileSync(path.join(dir, 'report.json'), 'utf8');
}

/** The deterministic part as written (the file's text, not a re-serialisation). */
export function deterministicText(text: string): string {
  return text.slice(text.indexOf('"deterministic"'), text.indexOf('"runtime"'));
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
