/**
 * Noticing that this node's own event loop stalled. A timer due at T that runs at T + lag found the
 * node busy for `lag`: during that time no datagram was read, so a pong that arrived then is still
 * waiting in the socket while the ping's timeout fires. Silence that fell inside a stall is no
 * evidence against a neighbour, and failure detection subtracts it (liveness.ts).
 *
 * Pure: the caller says when a timer was due and when it ran. Bounded: the most recent
 * DEFAULTS.maxStallsRemembered stalls are kept (older ones lie before any silence still measured).
 */
import { DEFAULTS } from '../defaults';

interface Stall {
  readonly from: number;
  readonly to: number;
}

export class StallWatch {
  private readonly stalls: Stall[] = [];

  /** `counts.stallsNoticed` counts the stalls noticed (the node's membership stats). */
  constructor(
    private readonly thresholdMs: number = DEFAULTS.stallThresholdMs,
    private readonly counts: { stallsNoticed: number } = { stallsNoticed: 0 },
  ) {}

  /** Stalls noticed since the node started. */
  get noticed(): number {
    return this.counts.stallsNoticed;
  }

  /** A timer due at `dueAt` ran at `now`: a lag beyond the threshold is recorded as a stall. */
  ran(dueAt: number, now: number): void {
    if (now - dueAt <= this.thresholdMs) return;
    this.counts.stallsNoticed++;
    const last = this.stalls[this.stalls.length - 1];
    if (last !== undefined && dueAt <= last.to) {
      // Overlaps the last one (two timers late from the same stall): one stall, extended.
      this.stalls[this.stalls.length - 1] = { from: last.from, to: Math.max(last.to, now) };
      return;
    }
    this.stalls.push({ from: dueAt, to: now });
    if (this.stalls.length > DEFAULTS.maxStallsRemembered) this.stalls.shift();
  }

  /** Time (ms) within [from, to] this node spent stalled. */
  stalledWithin(from: number, to: number): number {
    let total = 0;
    for (let i = this.stalls.length - 1; i >= 0; i--) {
      const s = this.stalls[i];
      if (s.to <= from) break;
      total += Math.max(0, Math.min(to, s.to) - Math.max(from, s.from));
    }
    return total;
  }

  /** The end of the last stall, or -Infinity: a timeout decided before the node caught up with its input is not trusted. */
  get lastEnd(): number {
    return this.stalls.length === 0 ? Number.NEGATIVE_INFINITY : this.stalls[this.stalls.length - 1].to;
  }
}
