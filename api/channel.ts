import type { LocateSink } from '../location/locateTracker';

/**
 * A one-consumer async iterable fed by pushes: how multi-result operations (locate) hand results
 * to `for await`. Bounded by the producer (a locate yields at most DEFAULTS.maxReplicas results).
 */
export class Channel<T> implements AsyncIterableIterator<T>, LocateSink<T> {
  private readonly buffered: T[] = [];
  private waiting?: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
  private done = false;
  private error: unknown;
  /** Called once if the consumer stops early (break, return, throw). */
  onCancel?: () => void;

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value, done: false });
    } else {
      this.buffered.push(value);
    }
  }

  /** Ends the stream after what is buffered. */
  end(): void {
    this.finish(undefined);
  }

  /** Ends the stream with an error, raised after what is buffered. */
  fail(err: unknown): void {
    this.finish(err ?? new Error('channel failed'));
  }

  get closed(): boolean {
    return this.done;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift()!, done: false });
    if (this.done) {
      if (this.error !== undefined) {
        const err = this.error;
        this.error = undefined;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.buffered.length = 0;
      this.onCancel?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private finish(err: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      if (err !== undefined) w.reject(err);
      else w.resolve({ value: undefined, done: true });
      return;
    }
    this.error = err;
  }
}
