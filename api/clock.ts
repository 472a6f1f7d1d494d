import type { Clock } from '../transport/types';

/** Wall-clock time for nodes on real networks; the simulator injects its virtual clock instead. */
export const realClock: Clock = {
  // Wall time (ms since the epoch), monotonic within the process: a signed leave's time is read by other nodes.
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
