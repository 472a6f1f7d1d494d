import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError, LimitExceededError, TransportError } from '../errors';
import { EventQueue, ScheduledEvent } from '../sim/eventQueue';
import { SimLoad, type SimLoadOptions } from '../sim/load';
import { SeededRng } from '../sim/random';
import { PlaneLatency, type LatencyModel } from './latency';
import type { LinkCounter } from './linkCounter';
import { SIM_PORT, simAddress, SimTransport } from './simTransport';
import { countDrop, type Address, type Clock } from './types';

// The endpoint class lives in its own file; importers keep finding it here.
export { SimTransport } from './simTransport';

/** Options of a {@link SimNetwork}. */
export interface SimNetworkOptions {
  /** Drives the default latency model and packet loss: the same seed replays the same run. Required. */
  seed: number;
  /**
   * One-way latency (ms) between endpoints. Default: endpoints placed at random on a plane of side
   * DEFAULTS.simPlaneSize ms, from the same seed.
   */
  latency?: LatencyModel;
  /** Probability in [0, 1] that a datagram is lost. Default: 0. */
  lossRate?: number;
  /** Largest datagram of every endpoint, in bytes. Default: DEFAULTS.mtu (1200). */
  mtu?: number;
  /**
   * Bound on queued events (deliveries and timers); sends beyond it are dropped as 'queueFull'.
   * Default: DEFAULTS.simMaxQueuedEvents (10,000,000).
   */
  maxQueuedEvents?: number;
  /**
   * Heavy queueing, drawn from the seed (sim/load.ts): extra per-datagram wire delays and a per-endpoint
   * service time that makes a busy receiver handle its datagrams late. Default: none, and then no
   * random draw is made, so runs without it repeat as before.
   */
  load?: SimLoadOptions;
}

/** What a {@link SimNetwork} counts since it was made. Counts only grow. */
export interface SimNetworkStats {
  /** Events processed: deliveries (including those dropped on arrival) and timers. */
  events: number;
  /** Datagrams accepted into the network (not dropped at the sender). */
  sent: number;
  /** Datagrams handed to a receive handler (including handlers that threw). */
  delivered: number;
  /** Timer callbacks run. */
  timers: number;
  /** Datagrams dropped, by reason; also 'handlerError' and 'timerError' for callbacks that threw. */
  dropped: Record<string, number>;
}

function bump(record: Record<string, number>, reason: string): void {
  record[reason] = (record[reason] ?? 0) + 1;
}

/**
 * A simulated datagram network in virtual time. Every delivery and every timer of every node is an
 * event in one queue, processed in (time, insertion) order, so a run is a deterministic function of
 * the seed and the inputs, and chains of any length never recurse (DESIGN §3 rule 4).
 */
export class SimNetwork {
  /** One-way latency (ms) between endpoints by index: the one given, or the default plane. */
  readonly latencyModel: LatencyModel;
  /** Totals over every endpoint, updated in place. */
  readonly stats: SimNetworkStats = { events: 0, sent: 0, delivered: 0, timers: 0, dropped: {} };
  /** The virtual clock to give every actor (`createActor(machine, { clock })`): timers share the event queue. */
  readonly clock: Clock;
  /** The last error thrown by a timer callback, kept for diagnosis (the run continues). */
  lastTimerError: unknown;

  private readonly queue: EventQueue;
  private readonly mtu: number;
  private readonly lossRng: SeededRng;
  private readonly load: SimLoad | undefined;
  private readonly seed: number;
  private lossRate = 0;
  private readonly endpoints: SimTransport[] = [];
  private nowMs = 0;
  private timersLive = 0;
  /** Partition group per endpoint index; indices past its end (or unlisted, -1) share one group. */
  private groupOf: Int32Array | undefined;
  private readonly down = new Set<number>();
  /** Observers of every datagram on the wire (countLinks); none by default. */
  private linkCounters: readonly LinkCounter[] = [];

  constructor(opts: SimNetworkOptions) {
    if (!Number.isFinite(opts.seed)) throw new InvalidArgumentError(`seed must be a finite number, got ${opts.seed}`);
    this.mtu = checkInteger('mtu', opts.mtu ?? DEFAULTS.mtu, DEFAULTS.minMtu, DEFAULTS.maxDatagramBytes);
    this.queue = new EventQueue(opts.maxQueuedEvents ?? DEFAULTS.simMaxQueuedEvents);
    this.latencyModel = opts.latency ?? new PlaneLatency({ seed: opts.seed });
    this.lossRng = new SeededRng(opts.seed).fork('loss');
    this.seed = opts.seed;
    this.load = opts.load === undefined ? undefined : new SimLoad(opts.load, opts.seed);
    this.setLossRate(opts.lossRate ?? 0);
    this.clock = {
      now: () => this.nowMs,
      setTimeout: (fn, timeoutMs) => this.schedule(fn, timeoutMs),
      clearTimeout: (id) => {
        if (id instanceof ScheduledEvent && this.queue.cancel(id)) this.timersLive--;
      },
    };
  }

  /** Current virtual time (ms). */
  get now(): number {
    return this.nowMs;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.queue.size;
  }

  /** Timers set through `clock` that have neither fired nor been cleared: what closed nodes must not leave. */
  get pendingTimers(): number {
    return this.timersLive;
  }

  /** Endpoints created so far. */
  get size(): number {
    return this.endpoints.length;
  }

  /** A new endpoint with the next index and the synthetic address 10.a.b.c:1 derived from it. */
  createTransport(): SimTransport {
    const index = this.endpoints.length;
    if (index >= DEFAULTS.simMaxEndpoints) {
      throw new TransportError(`a simulated network holds at most ${DEFAULTS.simMaxEndpoints} endpoints`);
    }
    const t = new SimTransport(index, simAddress(index), this.mtu, (from, to, bytes) => this.transmit(from, to, bytes), this.seed);
    this.endpoints.push(t);
    return t;
  }

  /** The endpoint with this index, if created. */
  transport(index: number): SimTransport | undefined {
    return this.endpoints[index];
  }

  /** The endpoint index behind a synthetic address, or undefined when no endpoint has it. */
  indexOf(address: Address): number | undefined {
    if (address.family !== 4 || address.port !== SIM_PORT || address.ip.length !== 4 || address.ip[0] !== 10) return undefined;
    const index = (address.ip[1] << 16) | (address.ip[2] << 8) | address.ip[3];
    return index < this.endpoints.length ? index : undefined;
  }

  /** One-way latency between two endpoints (ms), from the latency model. */
  latency(a: number, b: number): number {
    return this.latencyModel.latency(a, b);
  }

  /**
   * Reports every datagram put on the wire from now on to `counter` (link stress counting). Off by
   * default; at most DEFAULTS.simMaxLinkCounters at once. Returns the function that stops it.
   */
  countLinks(counter: LinkCounter): () => void {
    if (this.linkCounters.length >= DEFAULTS.simMaxLinkCounters) {
      throw new LimitExceededError(`a simulated network feeds at most ${DEFAULTS.simMaxLinkCounters} link counters`);
    }
    this.linkCounters = [...this.linkCounters, counter];
    return () => {
      this.linkCounters = this.linkCounters.filter((c) => c !== counter);
    };
  }

  /** Sets the probability in [0, 1] that a datagram sent from now on is lost; InvalidArgumentError outside. */
  setLossRate(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`loss rate must be in [0, 1], got ${p}`);
    this.lossRate = p;
  }

  /**
   * Splits the network: endpoints in different groups cannot reach each other. Endpoints not listed
   * (including ones created later) form one more group together. Replaces any earlier partition.
   */
  partition(groups: number[][]): void {
    const groupOf = new Int32Array(this.endpoints.length).fill(-1);
    groups.forEach((group, g) => {
      for (const i of group) {
        if (!Number.isInteger(i) || i < 0 || i >= this.endpoints.length) {
          throw new InvalidArgumentError(`partition: no endpoint ${i}`);
        }
        if (groupOf[i] !== -1) throw new InvalidArgumentError(`partition: endpoint ${i} is listed twice`);
        groupOf[i] = g;
      }
    });
    this.groupOf = groupOf;
  }

  /** Removes any partition. */
  heal(): void {
    this.groupOf = undefined;
  }

  /** A down endpoint neither sends nor receives (its datagrams are counted as 'down'), like a crashed host. */
  setDown(index: number, down: boolean): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.endpoints.length) {
      throw new InvalidArgumentError(`setDown: no endpoint ${index}`);
    }
    const was = this.down.has(index);
    if (down) this.down.add(index);
    else this.down.delete(index);
    if (was !== down) this.endpoints[index].networkChanged(!down);
  }

  /** Whether endpoint `index` is down (see setDown). */
  isDown(index: number): boolean {
    return this.down.has(index);
  }

  /** Processes the next event. Returns false when the queue is empty. */
  step(): boolean {
    const ev = this.queue.pop();
    if (!ev) return false;
    // Virtual time never moves backwards, even for an event scheduled in the past.
    if (ev.time > this.nowMs) this.nowMs = ev.time;
    this.stats.events++;
    ev.fn();
    return true;
  }

  /**
   * Processes events with time <= untilMs (virtual ms) in order, then moves the clock to untilMs. If
   * maxEvents (default: no limit) stops it early, the clock stays at the last event processed.
   * Returns the events processed.
   */
  run(untilMs: number, maxEvents = Infinity): number {
    if (!Number.isFinite(untilMs)) throw new InvalidArgumentError(`run() needs a finite time, got ${untilMs}`);
    let n = 0;
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > untilMs) break;
      if (n >= maxEvents) return n;
      this.step();
      n++;
    }
    if (untilMs > this.nowMs) this.nowMs = untilMs;
    return n;
  }

  /**
   * Processes events until none is left or maxEvents have run (periodic timers never leave it idle).
   * Default maxEvents: DEFAULTS.simMaxEventsPerRun (100,000,000). Returns the events processed.
   */
  runUntilIdle(maxEvents: number = DEFAULTS.simMaxEventsPerRun): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  private drop(t: SimTransport, reason: string): void {
    countDrop(t.stats, reason);
    bump(this.stats.dropped, reason);
  }

  private schedule(fn: () => void, timeoutMs: number): ScheduledEvent | undefined {
    // Like setTimeout: NaN and negative delays mean "as soon as possible".
    const delay = timeoutMs > 0 ? timeoutMs : 0;
    // An infinite delay never fires; an inert handle keeps clearTimeout() happy.
    if (delay === Infinity) return undefined;
    const ev = this.queue.push(this.nowMs + delay, () => {
      this.timersLive--;
      this.stats.timers++;
      try {
        fn();
      } catch (err) {
        this.lastTimerError = err;
        bump(this.stats.dropped, 'timerError');
      }
    });
    if (ev === false) {
      // Only reachable when the queue bound is hit; the timer is lost, and that is counted.
      bump(this.stats.dropped, 'timerQueueFull');
      return undefined;
    }
    this.timersLive++;
    return ev;
  }

  private transmit(from: SimTransport, to: Address, bytes: Uint8Array): void {
    if (from.closed) return this.drop(from, 'closed');
    if (this.down.size > 0 && this.down.has(from.index)) return this.drop(from, 'down');
    if (bytes.length > from.mtu) return this.drop(from, 'oversize');
    const dest = this.indexOf(to);
    if (dest === undefined) return this.drop(from, 'unreachable');
    if (this.groupOf && this.groupAt(from.index) !== this.groupAt(dest)) return this.drop(from, 'partition');
    if (this.lossRate > 0 && this.lossRng.next() < this.lossRate) return this.drop(from, 'loss');
    // Copy now: the sender may reuse its buffer as soon as send() returns.
    const copy = bytes.slice();
    let delay = this.latencyModel.latency(from.index, dest);
    if (this.load) delay += this.load.extraDelay();
    const ev = this.queue.push(this.nowMs + delay, () => (this.load?.queues ? this.enqueue(from, dest, copy) : this.arrive(from, dest, copy)));
    if (ev === false) return this.drop(from, 'queueFull');
    from.stats.sent++;
    from.stats.bytesSent += bytes.length;
    this.stats.sent++;
    if (this.linkCounters.length > 0) for (const counter of this.linkCounters) counter.sent(from.index, dest, copy);
  }

  /** With a service time: a datagram waits in its receiver's queue and is handed over when served. */
  private enqueue(from: SimTransport, dest: number, bytes: Uint8Array): void {
    const to = this.endpoints[dest];
    if (to.closed) return this.drop(to, 'closed');
    if (this.down.size > 0 && this.down.has(dest)) return this.drop(to, 'down');
    const load = this.load!;
    const at = load.enqueue(dest, this.nowMs);
    if (at === undefined) return this.drop(to, 'serviceQueueFull');
    const ev = this.queue.push(at, () => {
      load.served(dest);
      this.arrive(from, dest, bytes);
    });
    if (ev === false) {
      load.served(dest);
      this.drop(to, 'queueFull');
    }
  }

  private arrive(from: SimTransport, dest: number, bytes: Uint8Array): void {
    const to = this.endpoints[dest];
    if (to.closed) return this.drop(to, 'closed');
    if (this.down.size > 0 && this.down.has(dest)) return this.drop(to, 'down');
    const failed = to.deliver(bytes, from.local);
    if (failed !== 'noHandler') this.stats.delivered++;
    if (failed) bump(this.stats.dropped, failed);
  }

  private groupAt(index: number): number {
    const g = this.groupOf!;
    return index < g.length ? g[index] : -1;
  }
}
