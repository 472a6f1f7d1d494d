/**
 * The searcher's side of DRT walks (walk.ts): putting a walk's answers back in order, driving an
 * iterative walk step by step, and handing results to the application as an async iterable. No I/O
 * of its own: the module sends what a walk asks it to send.
 *
 * - Recursive: each collecting node sends its part straight here, numbered (`part`); parts may
 *   arrive out of order, so they are released in number order, and the walk ends with the part
 *   marked done once every earlier part came.
 * - Iterative: every node asked answers here with its matches and the next node; the walk asks it
 *   next, recording each node in `hops`.
 */
import type { NodeHandle } from '../../routing/handle';
import type { DrtEntry, DrtMsg } from './messages';

/** One match as a walk releases it, with the nodes asked so far (iterative walks). */
export interface WalkMatch {
  readonly entry: DrtEntry;
  readonly hops?: readonly NodeHandle[];
}

/** What a walk tells its owner. */
export interface WalkOwner {
  /** Matches released, in walk order. */
  matches(found: readonly WalkMatch[]): void;
  /** The walk ended (complete, or cut short by the step bound). */
  done(): void;
}

/** One walk in flight at the searcher. */
export class Walk {
  /** Recursive: parts by number, held until every earlier one came. Bounded by drtMaxSearchHops (the codec's part limit). */
  private readonly parts = new Map<number, DrtMsg>();
  private nextPart = 0;
  /** Iterative: the nodes asked, in order. */
  readonly hops: NodeHandle[] = [];
  finished = false;

  constructor(
    /** The request id its messages carry. */
    readonly id: number,
    /** The first search message (processed at the searcher itself). */
    readonly first: DrtMsg,
    private readonly owner: WalkOwner,
  ) {}

  /**
   * A found message for this walk. Answers the search to send next (iterative walks going on), or
   * undefined.
   */
  found(msg: DrtMsg): DrtMsg | undefined {
    if (this.finished) return undefined;
    if (this.first.iterative) return this.step(msg);
    const part = msg.part ?? 0;
    if (part < this.nextPart || this.parts.has(part)) return undefined;
    this.parts.set(part, msg);
    for (let p = this.parts.get(this.nextPart); p !== undefined; p = this.parts.get(this.nextPart)) {
      this.parts.delete(this.nextPart++);
      if (p.entries && p.entries.length > 0) this.owner.matches(p.entries.map((entry) => ({ entry })));
      if (p.done) return this.finish();
    }
    return undefined;
  }

  private step(msg: DrtMsg): DrtMsg | undefined {
    this.hops.push(msg.responder!);
    const hops = this.hops.slice();
    if (msg.entries && msg.entries.length > 0) this.owner.matches(msg.entries.map((entry) => ({ entry, hops })));
    if (msg.done || !msg.next) return this.finish();
    return {
      kind: 'search', cursor: msg.cursor, requestId: this.id, requester: this.first.requester!,
      mode: msg.mode!, ...(msg.end ? { end: msg.end } : {}), remaining: msg.remaining!,
      iterative: true, walking: msg.walking ?? false, hops: msg.hops, part: 0,
    };
  }

  private finish(): undefined {
    this.finished = true;
    this.parts.clear();
    this.owner.done();
    return undefined;
  }
}

/**
 * Results handed to an application's `for await`: pushed by the module, pulled by the iterator.
 * Holds at most what one search may answer (2 × drtMaxEndpoints for a nearest search's two walks).
 */
export class ResultStream<T> {
  private readonly items: T[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly onStop: () => void) {}

  push(items: readonly T[]): void {
    this.items.push(...items);
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.error = err;
    this.ended = true;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The results in order; leaving the loop early stops the search (onStop). */
  async *iterate(): AsyncGenerator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.onStop();
    }
  }
}
