import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { MIN_LATENCY_MS, PlaneLatency } from '../../transport/latency';

const N = 300;

function euclid(p: [number, number], q: [number, number]): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}

describe('PlaneLatency', () => {
  it('is symmetric and zero on the diagonal', () => {
    const m = new PlaneLatency({ seed: 11 });
    const broken: string[] = [];
    for (let a = 0; a < N; a += 7) {
      if (m.latency(a, a) !== 0) broken.push(`${a},${a}`);
      for (let b = 0; b < N; b += 5) if (m.latency(a, b) !== m.latency(b, a)) broken.push(`${a},${b}`);
    }
    expect(broken).toEqual([]);
  });

  it('is deterministic whatever order endpoints are first asked about', () => {
    const forward = new PlaneLatency({ seed: 42 });
    const backward = new PlaneLatency({ seed: 42 });
    const fwd: number[] = [];
    for (let a = 0; a < N; a++) fwd.push(forward.latency(a, (a * 37) % N));
    // Ask the highest index first: lazy placement must still draw positions in index order.
    const bwd: number[] = [];
    for (let a = N - 1; a >= 0; a--) bwd.push(backward.latency(a, (a * 37) % N));
    expect(bwd.reverse()).toEqual(fwd);
    for (let i = 0; i < N; i += 13) expect(backward.position(i)).toEqual(forward.position(i));
  });

  it('differs between seeds', () => {
    const a = new PlaneLatency({ seed: 1 });
    const b = new PlaneLatency({ seed: 2 });
    let same = 0;
    for (let i = 0; i < 50; i++) if (a.latency(i, i + 1) === b.latency(i, i + 1)) same++;
    expect(same).toBe(0);
  });

  it('is the plane distance plus a jitter in [0, maxJitterMs), never below the minimum', () => {
    const m = new PlaneLatency({ seed: 5 });
    const jitters: number[] = [];
    const outOfBounds: string[] = [];
    for (let a = 0; a < N; a += 3) {
      for (let b = a + 1; b < N; b += 11) {
        const d = euclid(m.position(a), m.position(b));
        const l = m.latency(a, b);
        const ok = l >= Math.max(d, MIN_LATENCY_MS) && l < Math.max(d + DEFAULTS.simMaxJitterMs, MIN_LATENCY_MS) + 1e-9;
        if (!ok) outOfBounds.push(`${a},${b}: ${l} vs ${d}`);
        jitters.push(l - d);
      }
    }
    expect(outOfBounds).toEqual([]);
    // The jitter actually spreads over its range rather than sitting at one value.
    const mean = jitters.reduce((s, j) => s + j, 0) / jitters.length;
    expect(mean).toBeGreaterThan(DEFAULTS.simMaxJitterMs * 0.4);
    expect(mean).toBeLessThan(DEFAULTS.simMaxJitterMs * 0.6);
  });

  it('places every endpoint inside the plane, spread over it', () => {
    const m = new PlaneLatency({ seed: 9, planeSize: 50 });
    let sx = 0;
    const outside: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const [x, y] = m.position(i);
      if (!(x >= 0 && x < 50 && y >= 0 && y < 50)) outside.push(i);
      sx += x;
    }
    expect(outside).toEqual([]);
    expect(sx / 2000).toBeGreaterThan(22);
    expect(sx / 2000).toBeLessThan(28);
  });

  it('keeps distinct endpoints at least MIN_LATENCY_MS apart even on one point', () => {
    const m = new PlaneLatency({ seed: 3, planeSize: 0, maxJitterMs: 0 });
    expect(m.latency(0, 1)).toBe(MIN_LATENCY_MS);
    expect(m.latency(4, 4)).toBe(0);
  });

  it('rejects bad indices and options', () => {
    const m = new PlaneLatency({ seed: 1 });
    m.position(10);
    expect(() => m.latency(-1, 2)).toThrow(InvalidArgumentError);
    expect(() => m.latency(1.5, 2)).toThrow(InvalidArgumentError);
    expect(() => m.position(DEFAULTS.simMaxEndpoints)).toThrow(InvalidArgumentError);
    expect(() => new PlaneLatency({ seed: 1, planeSize: -1 })).toThrow(InvalidArgumentError);
    expect(() => new PlaneLatency({ seed: 1, maxJitterMs: NaN })).toThrow(InvalidArgumentError);
  });
});
