/**
 * Moving a simulated network's virtual time from a test, one step at a time with a turn of the
 * event loop between steps, so the promises the nodes settle get to run between virtual events.
 */

/** Anything whose virtual time runs forward by `ms` (a Testnet). */
export interface RunsVirtualTime {
  run(ms: number): unknown;
}

export interface VirtualTime {
  /** Runs `ms` of virtual time in steps. */
  advance(ms: number): Promise<void>;
  /** Runs virtual time until `p` settles (at most `ms`), then answers it (a rejection rejects). */
  settle<T>(p: Promise<T>, ms?: number): Promise<T>;
}

/**
 * `net` is asked for at every call (a test usually builds its net in beforeAll). `step`: virtual ms
 * per step (default 100); `settleMs`: how long settle waits by default (default 120,000).
 */
export function virtualTime(net: () => RunsVirtualTime, opts: { readonly step?: number; readonly settleMs?: number } = {}): VirtualTime {
  const step = opts.step ?? 100;
  const turn = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += step) {
      net().run(Math.min(step, ms - t));
      await turn();
    }
  };
  return {
    advance,
    async settle<T>(p: Promise<T>, ms = opts.settleMs ?? 120_000): Promise<T> {
      let done = false;
      const watched = p.finally(() => (done = true));
      watched.catch(() => undefined);
      for (let t = 0; t < ms && !done; t += step) await advance(step);
      return watched;
    },
  };
}
