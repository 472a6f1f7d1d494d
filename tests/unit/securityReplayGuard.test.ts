/**
 * The replay guard: newer records pass, equal and older ones do not, per (publisher, object), within
 * its bounds. Checked against a plain reference model (arrays, linear scans) over random operation
 * sequences, and for the flood a hostile publisher can mount.
 */
import fc from 'fast-check';
import { InvalidArgumentError } from '../../errors';
import { recordOrder } from '../../security/records';
import { ReplayGuard, type ReplayVerdict } from '../../security/replayGuard';

const key = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);
const P1 = key(1);
const P2 = key(2);
const O1 = key(101);
const O2 = key(102);

describe('replay guard verdicts', () => {
  it('accepts newer, refuses equal (duplicate) and older (replay), per publisher and object', () => {
    const g = new ReplayGuard();
    expect(g.admit(P1, O1, 5, 0)).toBe(true);
    expect(g.check(P1, O1, 5, 1)).toBe('duplicate');
    expect(g.check(P1, O1, 4, 1)).toBe('replay');
    expect(g.check(P1, O1, 6, 1)).toBe('fresh');
    expect(g.admit(P1, O1, 5, 1)).toBe(false);
    expect(g.admit(P1, O1, 0, 1)).toBe(false);
    // Other pairs are independent.
    expect(g.admit(P1, O2, 1, 1)).toBe(true);
    expect(g.admit(P2, O1, 1, 1)).toBe(true);
    expect(g.admit(P1, O1, 6, 2)).toBe(true);
    expect(g.lastAccepted(P1, O1, 2)).toBe(6);
    expect(g.lastAccepted(P2, O2, 2)).toBeUndefined();
    expect(g.stats).toMatchObject({ accepted: 4, duplicates: 2, replays: 2 });
  });

  it('check remembers nothing, so a record is admitted only after its signature is verified', () => {
    const g = new ReplayGuard();
    expect(g.check(P1, O1, 1_000_000, 0)).toBe('fresh');
    // The forged high sequence was never admitted: the honest next record still passes.
    expect(g.admit(P1, O1, 3, 0)).toBe(true);
    expect(g.size).toBe(1);
  });

  it('something that is not a number is a replay, never accepted', () => {
    const g = new ReplayGuard();
    expect(g.admit(P1, O1, Number.NaN, 0)).toBe(false);
    expect(g.admit(P1, O1, Number.POSITIVE_INFINITY, 0)).toBe(false);
    expect(g.size).toBe(0);
  });

  it('with recordOrder: an unpublish withdraws its publish for good, the next publish wins again', () => {
    const g = new ReplayGuard();
    const admit = (kind: 'publish' | 'unpublish', sequence: number): boolean => g.admit(P1, O1, recordOrder({ kind, sequence }), 0);
    expect(admit('publish', 10)).toBe(true);
    expect(admit('publish', 10)).toBe(false); // the same record again
    expect(admit('unpublish', 10)).toBe(true);
    expect(admit('publish', 10)).toBe(false); // replayed withdrawn publish
    expect(admit('unpublish', 9)).toBe(false);
    expect(admit('publish', 11)).toBe(true);
    expect(admit('unpublish', 10)).toBe(false); // old unpublish cannot remove the new publish
  });

  it('forgets a pair idle for retentionMs, whether or not sweep has run', () => {
    const g = new ReplayGuard({ retentionMs: 1000 });
    g.admit(P1, O1, 5, 0);
    g.admit(P1, O2, 5, 600);
    expect(g.check(P1, O1, 5, 999)).toBe('duplicate');
    expect(g.check(P1, O1, 5, 1000)).toBe('fresh');
    expect(g.sweep(1000)).toBe(0); // already dropped by the lookup above
    expect(g.sweep(1599)).toBe(0);
    expect(g.sweep(1600)).toBe(1);
    expect(g.size).toBe(0);
    expect(g.stats.expired).toBe(2);
  });

  it('rejects nonsense limits', () => {
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayGuard({ maxPerPublisher: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new ReplayGuard({ retentionMs: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('replay guard bounds', () => {
  it('a publisher flooding fresh objects evicts its own entries, not an honest publisher’s', () => {
    const g = new ReplayGuard({ maxEntries: 100, maxPerPublisher: 10 });
    g.admit(P1, O1, 7, 0);
    for (let i = 0; i < 10_000; i++) g.admit(P2, key(1000 + i), 1, i);
    expect(g.size).toBeLessThanOrEqual(11);
    expect(g.check(P1, O1, 7, 10_000)).toBe('duplicate');
    expect(g.stats.evictedPerPublisher).toBe(10_000 - 10);
  });

  it('many publishers: the least recently accepted pair goes, never more than maxEntries held', () => {
    const g = new ReplayGuard({ maxEntries: 50, maxPerPublisher: 50 });
    for (let i = 0; i < 1000; i++) {
      g.admit(key(i), O1, 1, i);
      expect(g.size).toBeLessThanOrEqual(50);
    }
    expect(g.stats.evicted).toBe(950);
    expect(g.check(key(999), O1, 1, 1000)).toBe('duplicate');
    expect(g.check(key(950), O1, 1, 1000)).toBe('duplicate');
    expect(g.check(key(949), O1, 1, 1000)).toBe('fresh'); // evicted
  });
});

/** The reference: the same rules written the plainest way (an array in acceptance order). */
class ModelGuard {
  private list: Array<{ pub: number; obj: number; order: number; at: number }> = [];
  constructor(
    private readonly max: number,
    private readonly perPub: number,
    private readonly retention: number,
  ) {}

  private forget(now: number): void {
    this.list = this.list.filter((e) => now - e.at < this.retention);
  }

  verdict(pub: number, obj: number, order: number, now: number): ReplayVerdict {
    this.forget(now);
    const e = this.list.find((x) => x.pub === pub && x.obj === obj);
    if (!Number.isFinite(order)) return 'replay';
    if (e === undefined || order > e.order) return 'fresh';
    return order === e.order ? 'duplicate' : 'replay';
  }

  admit(pub: number, obj: number, order: number, now: number): boolean {
    if (this.verdict(pub, obj, order, now) !== 'fresh') return false;
    this.list = this.list.filter((x) => !(x.pub === pub && x.obj === obj));
    const mine = this.list.filter((x) => x.pub === pub);
    if (mine.length >= this.perPub) this.list.splice(this.list.indexOf(mine[0]), 1);
    else if (this.list.length >= this.max) this.list.shift();
    this.list.push({ pub, obj, order, at: now });
    return true;
  }

  get size(): number {
    return this.list.length;
  }
}

describe('replay guard against the reference model', () => {
  const op = fc.record({
    admit: fc.boolean(),
    pub: fc.nat({ max: 3 }),
    obj: fc.nat({ max: 5 }),
    order: fc.oneof(fc.nat({ max: 8 }), fc.constant(Number.NaN)),
    dt: fc.nat({ max: 40 }),
    sweep: fc.boolean(),
  });

  it('gives the same verdicts and holds the same number of pairs, for any sequence of operations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(op, { maxLength: 120 }),
        (max, perPub, retention, ops) => {
          const g = new ReplayGuard({ maxEntries: max, maxPerPublisher: perPub, retentionMs: retention });
          const m = new ModelGuard(max, perPub, retention);
          let now = 0;
          for (const o of ops) {
            now += o.dt;
            if (o.admit) expect(g.admit(key(o.pub), key(o.obj), o.order, now)).toBe(m.admit(o.pub, o.obj, o.order, now));
            else expect(g.check(key(o.pub), key(o.obj), o.order, now)).toBe(m.verdict(o.pub, o.obj, o.order, now));
            if (o.sweep) {
              g.sweep(now);
              expect(g.size).toBe(m.size);
            }
            expect(g.size).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 400, seed: 9 },
    );
  });
});
