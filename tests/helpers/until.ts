/** Waits in real time until `cond` holds or `ms` pass (real-socket tests; the simulator needs none). */
export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}
