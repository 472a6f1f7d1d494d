/**
 * Leak checks on the process's active handles (sockets, timers, …) by type. jest runs tests in its
 * own process, and its reporter keeps timers of its own: a 1 s interval, and a 100 ms debounce timeout
 * for about 100 ms of every second. A single total compared once therefore reads one too many now and
 * then. Instead: the baseline is each type's least count over a span longer than that debounce, and a
 * leak is a type whose count stays above its baseline for a whole second, not a passing moment.
 */

/** Active handles and requests by type, as Node reports them. */
export function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The resources held throughout the next `spanMs` (each type's least count over samples 10 ms apart):
 * what stays open while nothing of the test's own is, with jest's passing timers left out.
 */
export async function baseline(spanMs = 150): Promise<Record<string, number>> {
  const least = resources();
  const end = Date.now() + spanMs;
  while (Date.now() < end) {
    await sleep(10);
    const now = resources();
    for (const k of Object.keys(least)) least[k] = Math.min(least[k], now[k] ?? 0);
  }
  return least;
}

/**
 * The resources held beyond `before`, by type, once the event loop has had up to `withinMs` to finish
 * closing sockets and for jest's passing timers to lapse: {} as soon as one sample shows nothing extra.
 * A leaked socket or timer stays the whole time and is returned.
 */
export async function leftOver(before: Record<string, number>, withinMs = 1_500): Promise<Record<string, number>> {
  const extra = () => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(resources())) if (v > (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
    return out;
  };
  const end = Date.now() + withinMs;
  let now = extra();
  while (Object.keys(now).length > 0 && Date.now() < end) {
    await sleep(10);
    now = extra();
  }
  return now;
}
