/**
 * Heap in use once garbage is collected and finalizers have run, for leak checks. jest does not start
 * Node with --expose-gc (and its config is not the place for it), so the flag is set at run time and
 * `gc` taken from a fresh context, which is where V8 installs it once the flag is on.
 *
 * The event loop is given turns between collections: weakly held caches (the decoder's handle
 * interner) drop their entries in FinalizationRegistry callbacks, which run only then. Measured
 * synchronously, such a cache looks like a leak that it is not.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function gc(): void {
  if (!collect) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) collect = existing;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The least heapUsed over a few collections, each followed by event-loop turns for finalizers. */
export async function settledHeapUsed(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    gc();
    await turn();
    await turn();
    gc();
    least = Math.min(least, process.memoryUsage().heapUsed);
  }
  return least;
}
