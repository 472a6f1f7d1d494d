/**
 * Running a testnet's virtual time from a bench while promise continuations (locate consumers) run
 * between steps: the simulator's own stepping (cli/sim/virtualTime.ts), in a bench's terms.
 */
import { advance as advanceNetwork, runWhile } from '../cli/sim/virtualTime';
import type { Testnet } from '../testing/testnet';

/** Runs `ms` of virtual time in steps of `step`, yielding to the event loop between them. */
export function advance(net: Testnet, ms: number, step = 10): Promise<void> {
  return advanceNetwork(net.network, ms, step);
}

/** Waits for `p` while virtual time runs (at most `ms`); rejects as `p` does. */
export async function settle<T>(net: Testnet, p: Promise<T>, ms = 120_000, step = 10): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  await runWhile(net.network, () => !done, ms, step);
  return watched;
}
