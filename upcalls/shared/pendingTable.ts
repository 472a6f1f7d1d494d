/**
 * Operations waiting for an answer from another node (a send waiting for its member's ACK, a request
 * waiting for the group root's status), each with a deadline: a bounded table keyed by a per-node
 * counter. Pure: time comes in as `now`, and what expired comes out for the caller to reject.
 * Shared by the modules in upcalls/ (anycast, mobile, bayeux, dht, drt).
 */
export class PendingTable<E> {
  private readonly entries = new Map<number, { readonly entry: E; readonly deadline: number }>();
  private nextId = 1;

  /** @param capacity most entries at once (a module's DEFAULTS limit). */
  constructor(private readonly capacity: number) {}

  /** Entries waiting. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds `entry` with its deadline; returns its id, or undefined when the table is full. */
  add(entry: E, deadline: number): number | undefined {
    if (this.entries.size >= this.capacity) return undefined;
    const id = this.nextId;
    // Ids stay within uint32 (the wire field) and never 0 (a missing field reads as 0).
    this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
    this.entries.set(id, { entry, deadline });
    return id;
  }

  /** The entry of `id`, still waiting. */
  get(id: number): E | undefined {
    return this.entries.get(id)?.entry;
  }

  /** Removes and returns the entry of `id` (its answer came, or it was aborted). */
  take(id: number): E | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    return e.entry;
  }

  /** Removes and returns the entries whose deadline is at or before `now`, oldest id first. */
  expire(now: number): E[] {
    const out: E[] = [];
    for (const [id, e] of this.entries) {
      if (e.deadline <= now) {
        this.entries.delete(id);
        out.push(e.entry);
      }
    }
    return out;
  }

  /** The earliest deadline, or Infinity when nothing waits. */
  nextDeadline(): number {
    let next = Infinity;
    for (const e of this.entries.values()) if (e.deadline < next) next = e.deadline;
    return next;
  }

  /** Removes and returns every entry (the module is closing). */
  drain(): E[] {
    const out = [...this.entries.values()].map((e) => e.entry);
    this.entries.clear();
    return out;
  }
}
