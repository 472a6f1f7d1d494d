/**
 * Catches a decoder that never returns. A synchronous hang cannot be timed out from the thread that
 * hangs (jest's test timeout only fires between awaits), so a worker thread watches a shared
 * progress counter instead: when it stands still for `stallMs`, the worker writes which case hung
 * straight to stderr and ends the process, so CI fails at once with the case to replay rather than
 * running into its own time limit.
 */
import { Worker } from 'node:worker_threads';

// Plain JavaScript (no transform in a worker): poll the counter, and on a stall report and abort.
const WATCHER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const progress = new Int32Array(workerData.shared);
let last = -1, still = 0;
setInterval(() => {
  const ticks = Atomics.load(progress, 0);
  if (ticks !== last) { last = ticks; still = 0; return; }
  still += workerData.pollMs;
  if (still >= workerData.stallMs) {
    const at = Atomics.load(progress, 1);
    fs.writeSync(2, '\\nhang: ' + workerData.label + ' made no progress for ' + still + ' ms at case ' + at + '\\n');
    process.kill(process.pid, 'SIGABRT');
  }
}, workerData.pollMs);
`;

export interface Watchdog {
  /** Records that case `i` is about to run: call it before every case. */
  tick(i: number): void;
  stop(): Promise<void>;
}

export function startWatchdog(label: string, stallMs = 10_000): Watchdog {
  // [0]: ticks so far (only ever grows, so a stall is unambiguous); [1]: the case now running.
  const shared = new SharedArrayBuffer(8);
  const progress = new Int32Array(shared);
  const pollMs = 250;
  const worker = new Worker(WATCHER, { eval: true, workerData: { shared, label, stallMs, pollMs } });
  worker.unref(); // never keeps the test process alive on its own
  return {
    tick: (i) => {
      Atomics.store(progress, 1, i);
      Atomics.add(progress, 0, 1);
    },
    stop: () => worker.terminate().then(() => undefined),
  };
}
