/**
 * Moving virtual time. The network only moves when run; locates and Bayeux joins are promises whose
 * continuations run on the real event loop, so each step yields once (setImmediate) before the next.
 * Shared by the simulator command and the benches (bench/virtualTime.ts).
 */
import type { SimNetwork } from '../../transport/simNetwork';

export const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs `ms` of virtual time in steps of `step` ms, yielding to the event loop after each. */
export async function advance(network: SimNetwork, ms: number, step = 100): Promise<void> {
  const end = network.clock.now() + ms;
  while (network.clock.now() < end) {
    network.run(Math.min(end, network.clock.now() + step));
    await yieldLoop();
  }
}

/** Runs virtual time in steps of `step` ms (each yielding) while `pending()` holds, for at most about `ms`. */
export async function runWhile(network: SimNetwork, pending: () => boolean, ms: number, step: number): Promise<void> {
  const end = network.clock.now() + ms;
  while (pending() && network.clock.now() < end) await advance(network, step, step);
}

/** Waits for `p` while virtual time runs, at most `ms`; resolves to undefined when it did not settle. */
export async function settle<T>(network: SimNetwork, p: Promise<T>, ms: number, step = 100): Promise<PromiseSettledResult<T> | undefined> {
  let result: PromiseSettledResult<T> | undefined;
  p.then(
    (value) => (result = { status: 'fulfilled', value }),
    (reason: unknown) => (result = { status: 'rejected', reason }),
  );
  await yieldLoop();
  await runWhile(network, () => !result, ms, step);
  return result;
}
