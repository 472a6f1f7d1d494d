/** Running a testnet's virtual time from a bench while promise continuations (locate consumers) run between steps. */
import type { Testnet } from '../testing/testnet';

/** Runs `ms` of virtual time in steps of `step`, yielding to the event loop between them. */
export async function advance(net: Testnet, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    net.run(Math.min(step, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

/** Waits for `p` while virtual time runs (at most `ms`); rejects as `p` does. */
export async function settle<T>(net: Testnet, p: Promise<T>, ms = 120_000, step = 10): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += step) await advance(net, step, step);
  return watched;
}
