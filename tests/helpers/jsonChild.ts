/**
 * A child process that speaks JSON lines on stdin/stdout (tests/net/*Peer.ts): the lines it printed,
 * a wait for the first line matching a predicate, and a way to send it a command.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonChild {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Every line it printed so far, parsed. */
  readonly lines: any[];
  /** The first line (printed already or to come) that `pred` accepts. */
  next(pred: (m: any) => boolean): Promise<any>;
  /** Writes `cmd` as one JSON line to its stdin. */
  send(cmd: unknown): void;
}

/** Starts `script` (a .ts file) under tsx; its stderr goes to the test's. */
export function startJsonChild(script: string): JsonChild {
  const proc = spawn(process.execPath, [require.resolve('tsx/cli'), script], { stdio: 'pipe' });
  const lines: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const m = JSON.parse(l);
    lines.push(m);
    for (const w of waiters.splice(0)) (w.pred(m) ? w.resolve(m) : waiters.push(w));
  });
  proc.stderr.on('data', (d) => process.stderr.write(d));
  const next = (pred: (m: any) => boolean) =>
    new Promise<any>((resolve) => {
      const hit = lines.find(pred);
      if (hit) resolve(hit);
      else waiters.push({ pred, resolve });
    });
  return { proc, lines, next, send: (cmd) => proc.stdin.write(`${JSON.stringify(cmd)}\n`) };
}

/** Tells each child to exit and waits until every one has. */
export async function stopJsonChildren(children: readonly JsonChild[]): Promise<void> {
  for (const c of children) c.send({ exit: true });
  await Promise.all(children.map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.on('exit', r)))));
}
