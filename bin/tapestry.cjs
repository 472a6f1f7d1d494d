#!/usr/bin/env node
// The `tapestry` command: runs the compiled CLI (dist/cli.mjs, made by `npm run build`, shipped in
// the package). In a clone that was not built yet, it runs the TypeScript source through tsx (a dev
// dependency) so `npx tapestry` works there too.
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const compiled = path.join(__dirname, '..', 'dist', 'cli.mjs');
if (needsLargerHeap()) {
  runWithLargerHeap();
} else if (fs.existsSync(compiled)) {
  import(pathToFileURL(compiled).href);
} else {
  try {
    require.resolve('tsx/cjs');
  } catch {
    console.error('tapestry: dist/cli.mjs is missing; run `npm run build` first');
    process.exit(2);
  }
  require('tsx/cjs');
  require('../cli/main.ts');
}

/**
 * `tapestry sim` holds the whole simulated mesh in one heap (about 55 kB a node: 5.5 GB at 100,000
 * nodes), and Node's default old-space limit is about 4 GB whatever the machine has. So a sim run
 * restarts itself once with a limit of three quarters of the machine's memory, unless the user set a
 * limit (--max-old-space-size in the node flags or NODE_OPTIONS) or the default is larger already.
 */
function needsLargerHeap() {
  if (process.argv[2] !== 'sim') return false;
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (/--max-old-space-size/.test(flags)) return false;
  return heapLimitMb() > require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20;
}

function heapLimitMb() {
  return Math.floor((require('node:os').totalmem() * 0.75) / 2 ** 20);
}

/** Runs this command again in a child node with the larger limit; its exit is this process's exit. */
function runWithLargerHeap() {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${heapLimitMb()}`, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches both processes from the terminal; a signal sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exit(code ?? 1);
  });
}
