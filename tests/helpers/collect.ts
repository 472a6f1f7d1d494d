/** Drains an async iterable into an array, keeping the error if it fails (for virtual-time tests). */
export function collect<T>(it: AsyncIterable<T>): Promise<{ results: T[]; error?: unknown }> {
  return (async () => {
    const results: T[] = [];
    try {
      for await (const r of it) results.push(r);
      return { results };
    } catch (error) {
      return { results, error };
    }
  })();
}
