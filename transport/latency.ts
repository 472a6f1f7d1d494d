import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { SeededRng } from '../sim/random';

/**
 * One-way latency (ms) between two simulated endpoints, by endpoint index. Implementations must be
 * symmetric and deterministic, return 0 for a === b and at least MIN_LATENCY_MS otherwise.
 */
export interface LatencyModel {
  /** One-way latency in milliseconds between endpoints `a` and `b` (indices from 0). */
  latency(a: number, b: number): number;
}

/**
 * The smallest latency between distinct endpoints. Two nodes placed on the same point must still take
 * some virtual time to talk, or a reply could arrive in the same instant as its request.
 */
export const MIN_LATENCY_MS = 0.05;

export interface PlaneLatencyOptions {
  seed: number;
  /** Side of the square plane; distance on it is latency in ms. */
  planeSize?: number;
  /** Per-link extra latency is drawn from [0, maxJitterMs). */
  maxJitterMs?: number;
}

/** murmur3's 32-bit finaliser: a cheap full-avalanche mix, so nearby link ids get unrelated jitter. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Endpoints placed uniformly at random on a square plane (the transit-stub-free "plane" model of the
 * Tapestry papers): latency is the Euclidean distance plus a fixed per-link jitter.
 *
 * Positions are drawn lazily but always in index order from one seeded stream, so endpoint i lands in
 * the same place whatever order latencies are asked in. Jitter is a hash of (seed, link), so it needs
 * no per-link storage: 100,000 endpoints would otherwise mean 5·10⁹ links.
 */
export class PlaneLatency implements LatencyModel {
  readonly planeSize: number;
  readonly maxJitterMs: number;
  private readonly rng: SeededRng;
  private readonly seedHash: number;
  /** x, y of endpoint i at [2i], [2i + 1]; grown by doubling. */
  private xy = new Float64Array(256);
  private placed = 0;

  constructor(opts: PlaneLatencyOptions) {
    this.planeSize = opts.planeSize ?? DEFAULTS.simPlaneSize;
    this.maxJitterMs = opts.maxJitterMs ?? DEFAULTS.simMaxJitterMs;
    if (!(this.planeSize >= 0) || !Number.isFinite(this.planeSize)) {
      throw new InvalidArgumentError(`planeSize must be a finite number >= 0, got ${this.planeSize}`);
    }
    if (!(this.maxJitterMs >= 0) || !Number.isFinite(this.maxJitterMs)) {
      throw new InvalidArgumentError(`maxJitterMs must be a finite number >= 0, got ${this.maxJitterMs}`);
    }
    this.rng = new SeededRng(opts.seed).fork('plane');
    this.seedHash = mix32((opts.seed | 0) ^ 0x9e3779b9);
  }

  /** Where endpoint i sits on the plane: [x, y], each in [0, planeSize). */
  position(i: number): [number, number] {
    this.place(i);
    return [this.xy[2 * i], this.xy[2 * i + 1]];
  }

  /** Straight-line distance between two endpoints (ms), without jitter. */
  distance(a: number, b: number): number {
    this.place(a);
    this.place(b);
    const dx = this.xy[2 * a] - this.xy[2 * b];
    const dy = this.xy[2 * a + 1] - this.xy[2 * b + 1];
    return Math.sqrt(dx * dx + dy * dy);
  }

  /** The fixed extra latency of the link {a, b}, in [0, maxJitterMs). */
  jitter(a: number, b: number): number {
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const h = mix32(mix32(this.seedHash ^ lo) ^ Math.imul(hi, 0x27d4eb2f));
    return (h / 4294967296) * this.maxJitterMs;
  }

  latency(a: number, b: number): number {
    if (a === b) {
      this.place(a);
      return 0;
    }
    const l = this.distance(a, b) + this.jitter(a, b);
    return l > MIN_LATENCY_MS ? l : MIN_LATENCY_MS;
  }

  /** Draws positions up to and including endpoint i, in index order. */
  private place(i: number): void {
    // The common case: an already-placed, valid index (this also rejects negatives and fractions).
    if (i >>> 0 === i && i < this.placed) return;
    if (!Number.isInteger(i) || i < 0 || i >= DEFAULTS.simMaxEndpoints) {
      throw new InvalidArgumentError(`endpoint index must be an integer in [0, ${DEFAULTS.simMaxEndpoints}), got ${i}`);
    }
    if (2 * i + 2 > this.xy.length) {
      let n = this.xy.length;
      while (n < 2 * i + 2) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.xy.subarray(0, 2 * this.placed));
      this.xy = grown;
    }
    for (let k = this.placed; k <= i; k++) {
      this.xy[2 * k] = this.rng.next() * this.planeSize;
      this.xy[2 * k + 1] = this.rng.next() * this.planeSize;
    }
    this.placed = i + 1;
  }
}
