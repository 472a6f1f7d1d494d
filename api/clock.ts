import type { Clock } from '../transport/types';

/** Wall-clock time for nodes on real networks; the simulator injects its virtual clock instead. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
