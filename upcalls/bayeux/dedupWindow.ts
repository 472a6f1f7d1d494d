/**
 * Which multicasts a node has already seen (pure). A multicast is named by its source and sequence
 * number; a node passes on and delivers each once, so a copy that comes a second way (a path being
 * repaired, a member that moved to another replica, a Scribe child with two parents for a moment) is
 * dropped. Per key (a tree at a forwarder, a session at a member) the newest `window` ids are kept;
 * at most `maxKeys` keys, the least recently used forgotten first.
 */
export class DedupWindows {
  /** key → ids in arrival order (a Set keeps insertion order: the oldest is first). */
  private readonly windows = new Map<string, Set<string>>();

  constructor(
    private readonly window: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  /** true the first time `id` is seen under `key`; false for a repeat. */
  first(key: string, id: string): boolean {
    let w = this.windows.get(key);
    if (w) {
      if (w.has(id)) return false;
      this.windows.delete(key); // re-inserted below: most recently used last
    } else {
      w = new Set();
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
    }
    this.windows.set(key, w);
    w.add(id);
    if (w.size > this.window) w.delete(w.values().next().value as string);
    return true;
  }

  /** Forgets `key`. */
  forget(key: string): void {
    this.windows.delete(key);
  }

  /** Keeps only the keys `keep` says yes to. */
  retain(keep: (key: string) => boolean): void {
    for (const k of [...this.windows.keys()]) if (!keep(k)) this.windows.delete(k);
  }
}
