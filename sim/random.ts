import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { Rng } from '../routing/rng';

/** A seeded generator (xoroshiro128+): the same seed gives the same sequence on every run. */
export class SeededRng implements Rng {
  private readonly gen;
  constructor(readonly seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }
  next(): number {
    return uniformFloat64(this.gen);
  }
  int(n: number): number {
    return n <= 1 ? 0 : uniformInt(this.gen, 0, n - 1);
  }
  /** An independent stream derived from this seed and a label, so adding one consumer never shifts another's numbers. */
  fork(label: string): SeededRng {
    let h = this.seed | 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1) | 0;
    return new SeededRng(h ^ (h >>> 15));
  }
}
