/**
 * A node's one-shot timers, on its injected clock (virtual in the simulator), each cancellable.
 *
 * Work runs as events: a datagram, a timer firing, an API call or a membership round. Timers asked
 * for during an event are armed when it ends, those falling due together as one clock timer that
 * runs them in the order they were asked for (a join step that pings ten candidates arms one timer,
 * not ten). An event nested in another (an upcall that calls the node's API during a datagram) arms
 * only its own timers. Work that throws arms nothing: the event failed, and another event must not
 * arm what it asked for.
 *
 * Every timer answers its `after` with a cancel: work that finishes early (a hop acknowledged, a
 * ping answered) clears its timer at once, so a quiet node has no timer left on its clock. Stopping
 * clears every timer still armed.
 */
import type { Clock } from '../transport/types';

/** Cancels a timer: it will not fire (idempotent; a timer already fired is unaffected). */
export type Cancel = () => void;

/** A timer asked for: armed at the end of the event that asked, or at once outside any event. */
interface Entry {
  readonly ms: number;
  readonly fire: () => void;
  cancelled: boolean;
  /** The clock timer it rides on, once armed. */
  group?: Group;
}

/** One clock timer: the entries of one event that fall due together. */
interface Group {
  handle: unknown;
  readonly entries: Entry[];
  /** Entries not yet cancelled: at 0 the clock timer is cleared. */
  live: number;
}

export class NodeTimers {
  /** Timers asked for during the current event, armed when it ends. Bounded by what one event does. */
  private readonly due: Entry[] = [];
  /**
   * Clock timers armed and not yet fired, cleared on stop. Bounded by what arms them: pending hops,
   * pings and requests, each under its own DEFAULTS limit.
   */
  private readonly groups = new Set<Group>();
  private depth = 0;
  private stopped = false;
  /** Where work run outside an actor (a datagram, a timer) reports a throw: the router actor fails. */
  onFault: (error: unknown) => void = (error) => {
    throw error;
  };

  /** Runs after each event `run` handled (the router wakes its reassembly sweep when fragments wait). */
  afterRun: () => void = () => {};

  constructor(private readonly clock: Clock) {}

  /** True while an event is being handled. */
  get inEvent(): boolean {
    return this.depth > 0;
  }

  /** Clock timers armed and not yet fired or cleared (each may carry several coalesced timers). */
  get armed(): number {
    return this.groups.size;
  }

  /** A one-shot timer: armed when the current event ends, or at once outside any event. */
  after(ms: number, fire: () => void): Cancel {
    if (this.stopped) return noop;
    const entry: Entry = { ms, fire, cancelled: false };
    if (this.depth > 0) this.due.push(entry);
    else this.arm([entry]);
    return () => this.cancel(entry);
  }

  /** Runs `work` as one event and arms the timers it asked for; a throw is rethrown (an actor action fails). */
  during(work: () => void): void {
    const from = this.due.length;
    this.depth++;
    try {
      work();
    } catch (err) {
      this.due.splice(from);
      throw err;
    } finally {
      this.depth--;
    }
    const timers = this.due.splice(from);
    if (!this.stopped) this.arm(timers);
  }

  /** Runs `work` as one event outside any actor (a datagram, a timer): a throw goes to `onFault`. */
  run(work: () => void): void {
    if (this.stopped) return;
    try {
      this.during(work);
    } catch (error) {
      this.onFault(error);
      return;
    }
    if (!this.stopped) this.afterRun();
  }

  /** Clears every armed timer; later timers and work are ignored. */
  stop(): void {
    this.stopped = true;
    for (const g of this.groups) this.clock.clearTimeout(g.handle);
    this.groups.clear();
    this.due.length = 0;
  }

  private arm(entries: Entry[]): void {
    if (entries.length === 0) return;
    // Group by delay, keeping the order of first appearance (the order the clock receives them).
    const byDelay = new Map<number, Entry[]>();
    for (const e of entries) {
      if (e.cancelled) continue;
      const list = byDelay.get(e.ms);
      if (list) list.push(e);
      else byDelay.set(e.ms, [e]);
    }
    for (const [ms, list] of byDelay) {
      const group: Group = { handle: undefined, entries: list, live: list.length };
      for (const e of list) e.group = group;
      group.handle = this.clock.setTimeout(() => this.fireGroup(group), ms);
      this.groups.add(group);
    }
  }

  private fireGroup(group: Group): void {
    this.groups.delete(group);
    const fires = group.entries.filter((e) => !e.cancelled).map((e) => e.fire);
    if (fires.length === 0) return;
    this.run(fires.length === 1 ? fires[0] : () => runAll(fires));
  }

  private cancel(entry: Entry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    const group = entry.group;
    if (group === undefined || !this.groups.has(group)) return;
    if (--group.live === 0) {
      this.clock.clearTimeout(group.handle);
      this.groups.delete(group);
    }
  }
}

const noop: Cancel = () => {};

/** Runs every timer; one that throws does not stop the others (each would have been its own event). */
function runAll(fires: Array<() => void>): void {
  let first: unknown;
  for (const f of fires) {
    try {
      f();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
