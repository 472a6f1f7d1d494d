/**
 * The simulator's load model (SimNetworkOptions.load), off unless asked for: heavy-tailed extra
 * delays on the wire, and a receiver that handles its datagrams one at a time, each taking a service
 * time, the way one loaded event loop does. A node whose queue is long answers late; its timers are
 * not delayed, so a failure detector that trusts fixed timeouts sees a slow node as a dead one.
 *
 * Draws come from streams forked off the network's seed ('loadDelay', 'loadService'), so turning the
 * model on shifts no other random choice, and the same seed gives the same delivery times.
 */
import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError } from '../errors';
import { checkDelayDistribution, sampleDelay, type DelayDistribution } from './delayDistribution';
import { SeededRng } from './random';

/** Heavy queueing in a SimNetwork. Every part is optional; none given means no load at all. */
export interface SimLoadOptions {
  /**
   * Extra one-way delay of every datagram on the wire, drawn per datagram and added to the latency
   * model's (datagrams may then overtake each other, as on a congested path). Default: none.
   */
  readonly delay?: DelayDistribution;
  /**
   * Time a receiving endpoint spends on each datagram. An endpoint handles one datagram at a time in
   * arrival order: one arriving while it is busy waits for those ahead of it, and its handler runs
   * when its own service ends (wait + service after arrival). Default: none (handled on arrival).
   */
  readonly serviceTime?: DelayDistribution;
  /**
   * Datagrams that may wait at one endpoint (being served included); more arriving are dropped as
   * 'serviceQueueFull', like a full socket receive buffer. Default and largest: DEFAULTS.simMaxServiceQueue.
   */
  readonly maxQueued?: number;
}

/** One network's load state: the draws, and each endpoint's queue (when its service ends, how many wait). */
export class SimLoad {
  private readonly delay: DelayDistribution | undefined;
  private readonly service: DelayDistribution | undefined;
  private readonly delayRng: SeededRng;
  private readonly serviceRng: SeededRng;
  private readonly maxQueued: number;
  /** Virtual time at which endpoint i's last queued datagram is done, by index; grown by doubling. */
  private busyUntil = new Float64Array(64);
  /** Datagrams queued at endpoint i (being served included). */
  private waiting = new Int32Array(64);

  constructor(opts: SimLoadOptions, seed: number) {
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('load must be an object');
    if (opts.delay !== undefined) checkDelayDistribution('load.delay', opts.delay);
    if (opts.serviceTime !== undefined) checkDelayDistribution('load.serviceTime', opts.serviceTime);
    this.delay = opts.delay;
    this.service = opts.serviceTime;
    this.maxQueued = checkInteger('load.maxQueued', opts.maxQueued ?? DEFAULTS.simMaxServiceQueue, 1, DEFAULTS.simMaxServiceQueue);
    const root = new SeededRng(seed);
    this.delayRng = root.fork('loadDelay');
    this.serviceRng = root.fork('loadService');
  }

  /** Whether receivers queue their datagrams (a service time is set). */
  get queues(): boolean {
    return this.service !== undefined;
  }

  /** Extra wire delay (ms) for one datagram: a draw, or 0 without a delay distribution. */
  extraDelay(): number {
    return this.delay ? sampleDelay(this.delay, this.delayRng) : 0;
  }

  /**
   * A datagram arrives at endpoint `index` at time `now`: the time its handler runs (after those
   * queued ahead of it and its own service time), or undefined when the queue is full (dropped).
   * Each call that returns a time must be followed by one `served(index)` when that time comes.
   */
  enqueue(index: number, now: number): number | undefined {
    this.grow(index);
    if (this.waiting[index] >= this.maxQueued) return undefined;
    const start = this.busyUntil[index] > now ? this.busyUntil[index] : now;
    const done = start + sampleDelay(this.service!, this.serviceRng);
    this.busyUntil[index] = done;
    this.waiting[index]++;
    return done;
  }

  /** A queued datagram of endpoint `index` finished its service. */
  served(index: number): void {
    this.waiting[index]--;
  }

  /** Datagrams queued at endpoint `index` (being served included). */
  queued(index: number): number {
    return index < this.waiting.length ? this.waiting[index] : 0;
  }

  private grow(index: number): void {
    if (index < this.waiting.length) return;
    let n = this.waiting.length;
    while (n <= index) n *= 2;
    const busy = new Float64Array(n);
    busy.set(this.busyUntil);
    const waiting = new Int32Array(n);
    waiting.set(this.waiting);
    this.busyUntil = busy;
    this.waiting = waiting;
  }
}
