/**
 * The run's own cost, kept out of the deterministic report: wall time per phase and the peak RSS
 * and heap seen. Peaks are sampled (at progress points and phase ends), so they are lower bounds.
 */
import { getHeapStatistics } from 'node:v8';

export class RuntimeSampler {
  private readonly t0 = performance.now();
  private peakRss = 0;
  private peakHeap = 0;
  private readonly phases: Array<[string, number]> = [];
  private phaseStart = performance.now();

  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
  }

  /** Ends the phase under way (its wall time counts from the last phase's end). */
  phase(name: string): void {
    this.sample();
    const now = performance.now();
    this.phases.push([name, Math.round(now - this.phaseStart)]);
    this.phaseStart = now;
  }

  report(): Record<string, unknown> {
    this.sample();
    const mb = (x: number) => Math.round(x / 2 ** 20);
    return {
      wallMs: Math.round(performance.now() - this.t0),
      phaseWallMs: Object.fromEntries(this.phases),
      peakRssMb: mb(this.peakRss),
      peakHeapUsedMb: mb(this.peakHeap),
      // The limit the run had: bin/tapestry.cjs raises it for sim runs (three quarters of the machine).
      heapLimitMb: mb(getHeapStatistics().heap_size_limit),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
  }
}
