/**
 * The seeded randomness every pure function takes as an argument. Simulations pass a generator built
 * from the run's seed (sim/random.ts); nothing in the core calls Math.random.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}
