import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';

const PENDING = 0;
const DONE = 1;
const CANCELLED = 2;

/**
 * One scheduled callback. It doubles as the cancellation handle, so scheduling allocates one object
 * and cancelling is a flag flip (the heap is not searched).
 */
export class ScheduledEvent {
  /** PENDING while queued; DONE once popped; CANCELLED once cancelled before it ran. */
  state = PENDING;
  constructor(
    /** Virtual time (ms) at which the event runs. */
    readonly time: number,
    /** Insertion order: breaks ties between equal times, so equal-time events run first-in first-out. */
    readonly seq: number,
    readonly fn: () => void,
  ) {}
  get cancelled(): boolean {
    return this.state === CANCELLED;
  }
}

/** True when a runs before b: earlier time, or same time and inserted earlier. */
function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/**
 * A binary min-heap of events ordered by (time, seq). The seq tie-break makes the order total, so a
 * run is a pure function of what was scheduled: no two events ever compare equal.
 *
 * Cancellation is lazy: a cancelled event stays in the heap and is skipped when it reaches the top.
 * When cancelled entries make up more than half of a large heap, or block a push at the bound, the
 * heap is rebuilt without them, so dead timers cannot hold memory for long.
 */
export class EventQueue {
  private heap: ScheduledEvent[] = [];
  private nextSeq = 0;
  private live = 0;

  constructor(readonly maxEvents: number = DEFAULTS.simMaxQueuedEvents) {
    if (!(maxEvents >= 1)) throw new InvalidArgumentError(`maxEvents must be at least 1, got ${maxEvents}`);
  }

  /** Events waiting to run (cancelled ones not counted). */
  get size(): number {
    return this.live;
  }

  /** Schedules fn at the given time. Returns false when the queue holds maxEvents live events. */
  push(time: number, fn: () => void): ScheduledEvent | false {
    // A NaN time would compare false both ways and silently corrupt the heap order.
    if (Number.isNaN(time)) throw new InvalidArgumentError('event time is NaN');
    if (this.heap.length >= this.maxEvents) {
      if (this.live >= this.maxEvents) return false;
      this.compact();
    }
    const ev = new ScheduledEvent(time, this.nextSeq++, fn);
    const heap = this.heap;
    heap.push(ev);
    this.siftUp(heap.length - 1);
    this.live++;
    return ev;
  }

  /** Cancels a pending event. Returns false when it already ran or was already cancelled. */
  cancel(ev: ScheduledEvent): boolean {
    if (ev.state !== PENDING) return false;
    ev.state = CANCELLED;
    this.live--;
    // Keep dead entries below half of the heap, but do not rebuild small heaps over and over.
    const dead = this.heap.length - this.live;
    if (dead > 1024 && dead > this.live) this.compact();
    return true;
  }

  /** The time of the next live event, or undefined when none is queued. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /** Removes and returns the next live event, or undefined when none is queued. */
  pop(): ScheduledEvent | undefined {
    this.dropCancelledTop();
    const ev = this.removeTop();
    if (ev) {
      ev.state = DONE;
      this.live--;
    }
    return ev;
  }

  /** Drops every event. Pending handles become cancelled so a later cancel() is a no-op. */
  clear(): void {
    for (const ev of this.heap) if (ev.state === PENDING) ev.state = CANCELLED;
    this.heap = [];
    this.live = 0;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0].state === CANCELLED) this.removeTop();
  }

  private removeTop(): ScheduledEvent | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Rebuilds the heap from live events only (Floyd's bottom-up heapify, O(n)). */
  private compact(): void {
    this.heap = this.heap.filter((ev) => ev.state === PENDING);
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const ev = heap[i];
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(ev, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = ev;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const ev = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], ev)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = ev;
  }
}
