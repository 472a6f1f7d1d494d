import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { PointerStore, type Pointer, type PointerStoreStats, type PutOutcome } from '../../location/pointerStore';
import { SeededRng } from '../../sim/random';
import type { NodeHandle } from '../../routing/messages';

function handleOf(guid: Guid, i: number): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 5000 } };
}

function guidOf(rng: SeededRng): Guid {
  return Guid.random(() => rng.int(256));
}

function pointer(object: Guid, server: NodeHandle, over: Partial<Pointer> = {}): Pointer {
  return { object, server, tag: '', sequence: 1, expiresAt: 1000, latency: 10, saltIndex: 0, extra: false, ...over };
}

/** Everything a caller can observe of a pointer, as one comparable string. */
function show(p: Pointer): string {
  return [p.object.hex.slice(0, 6), p.server.guid.hex.slice(0, 6), p.tag, p.sequence, p.expiresAt, p.latency, p.saltIndex, p.extra, p.from?.guid.hex.slice(0, 6) ?? '-'].join('|');
}

/**
 * The reference model: a flat array searched with filter and sorted on demand. Written from the
 * specification of the store, not from its code, so the two can disagree.
 */
class Model {
  recs: Pointer[] = [];
  stats: PointerStoreStats = { added: 0, replaced: 0, refreshed: 0, replays: 0, evicted: 0, fullPerObject: 0, fullTotal: 0, fullPerPublisher: 0, removed: 0, expired: 0 };
  constructor(readonly maxPerObject: number, readonly maxTotal: number) {}

  static order(a: Pointer, b: Pointer): number {
    if (a.latency !== b.latency) return a.latency - b.latency;
    return Buffer.compare(a.server.guid.bytes, b.server.guid.bytes);
  }

  put(p: Pointer, now: number): PutOutcome {
    // An expired pointer is as good as absent: drop the object's expired ones first.
    const stale = this.recs.filter((r) => r.object.equals(p.object) && r.expiresAt <= now);
    this.stats.expired += stale.length;
    this.recs = this.recs.filter((r) => !stale.includes(r));

    const held = this.recs.find((r) => r.object.equals(p.object) && r.server.guid.equals(p.server.guid));
    if (held) {
      if (p.sequence < held.sequence) return this.count('replays', 'replay');
      this.recs = this.recs.filter((r) => r !== held);
      if (p.sequence === held.sequence) {
        const keepPath = !held.extra && p.extra;
        this.recs.push(keepPath ? { ...held, expiresAt: p.expiresAt, latency: p.latency } : p);
        return this.count('refreshed', 'refreshed');
      }
      this.recs.push(p);
      this.stats.replaced++;
      return this.count('added', 'added');
    }
    const same = this.recs.filter((r) => r.object.equals(p.object)).sort(Model.order);
    if (same.length >= this.maxPerObject) {
      const farthest = same[same.length - 1];
      if (Model.order(p, farthest) >= 0) return this.count('fullPerObject', 'full');
      this.recs = this.recs.filter((r) => r !== farthest);
      this.recs.push(p);
      this.stats.evicted++;
      return this.count('added', 'added');
    }
    if (this.recs.length >= this.maxTotal) return this.count('fullTotal', 'full');
    this.recs.push(p);
    return this.count('added', 'added');
  }

  remove(object: Guid, server: Guid, upTo?: number): boolean {
    const held = this.recs.find((r) => r.object.equals(object) && r.server.guid.equals(server));
    if (!held || (upTo !== undefined && held.sequence > upTo)) return false;
    this.recs = this.recs.filter((r) => r !== held);
    this.stats.removed++;
    return true;
  }

  match(object: Guid, query: string, exclude: ReadonlySet<string>, now: number, limit: number): Pointer[] {
    return this.recs
      .filter((r) => r.object.equals(object) && r.expiresAt > now && (query === '' || r.tag === query) && !exclude.has(r.server.guid.hex))
      .sort(Model.order)
      .slice(0, limit);
  }

  sweep(now: number): number {
    const before = this.recs.length;
    this.recs = this.recs.filter((r) => r.expiresAt > now);
    this.stats.expired += before - this.recs.length;
    return before - this.recs.length;
  }

  objects(): number {
    return new Set(this.recs.map((r) => r.object.hex)).size;
  }

  private count(key: keyof PointerStoreStats, outcome: PutOutcome): PutOutcome {
    this.stats[key]++;
    return outcome;
  }
}

function same<T>(actual: T, expected: T, what: string): void {
  // One expect per mismatch only: expect() per step would dominate the run time.
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ what, actual }).toEqual({ what, actual: expected });
}

function runRandom(seed: number, steps: number, maxPerObject: number, maxTotal: number): PointerStoreStats {
  const rng = new SeededRng(seed);
  const objects = Array.from({ length: 6 }, () => guidOf(rng));
  const servers = Array.from({ length: 20 }, (_, i) => handleOf(guidOf(rng), i));
  const tags = ['', 'a', 'b', 'c'];
  const queries = ['', 'a', 'b', 'c', 'zz'];
  const store = new PointerStore({ maxPerObject, maxTotal });
  const model = new Model(maxPerObject, maxTotal);
  let now = 0;

  for (let step = 0; step < steps; step++) {
    now += rng.int(4);
    const object = objects[rng.int(objects.length)];
    const server = servers[rng.int(servers.length)];
    const op = rng.int(100);
    if (op < 55) {
      const p: Pointer = {
        object,
        server,
        tag: tags[rng.int(tags.length)],
        sequence: rng.int(5),
        expiresAt: now + 1 + rng.int(60),
        // Few distinct latencies, so ties (broken by server GUID) are common.
        latency: rng.int(8),
        saltIndex: rng.int(3),
        extra: rng.int(3) === 0,
        ...(rng.int(2) === 0 ? { from: servers[rng.int(servers.length)] } : {}),
      };
      same(store.put(p, now), model.put(p, now), `put at step ${step}`);
    } else if (op < 65) {
      const upTo = rng.int(2) === 0 ? undefined : rng.int(5);
      same(store.remove(object, server.guid, upTo), model.remove(object, server.guid, upTo), `remove at step ${step}`);
    } else if (op < 85) {
      const exclude = new Set<string>();
      for (let i = rng.int(4); i > 0; i--) exclude.add(servers[rng.int(servers.length)].guid.hex);
      const query = queries[rng.int(queries.length)];
      const limit = rng.int(maxPerObject + 2);
      const got = store.match(object, query, exclude, now, limit).map(show);
      same(got, model.match(object, query, exclude, now, limit).map(show), `match at step ${step}`);
    } else if (op < 93) {
      same(store.get(object, now).map(show), model.match(object, '', new Set(), now, Infinity).map(show), `get at step ${step}`);
      const held = model.match(object, '', new Set(), now, Infinity).some((r) => r.server.guid.equals(server.guid));
      same(store.has(object, server.guid, now), held, `has at step ${step}`);
    } else if (op < 96) {
      same(store.sweep(now), model.sweep(now), `sweep at step ${step}`);
    } else {
      now += rng.int(80);
    }

    same(store.size, model.recs.length, `size at step ${step}`);
    same(store.objects, model.objects(), `objects at step ${step}`);
    same(store.stats, model.stats, `stats at step ${step}`);
    if (store.size > maxTotal) throw new Error(`total bound exceeded at step ${step}`);
    for (const o of objects) {
      if (model.recs.filter((r) => r.object.equals(o)).length > maxPerObject) throw new Error(`per-object bound exceeded at step ${step}`);
    }
  }
  return store.stats;
}

describe('PointerStore against a reference model', () => {
  it.each([1, 2, 3, 4, 5])('agrees on every operation over 4000 random steps (seed %i)', (seed) => {
    // Tight bounds: 6 objects × 4 per object > 14 in total, so both bounds are hit.
    const stats = runRandom(seed, 4000, 4, 14);
    for (const key of ['added', 'replaced', 'refreshed', 'replays', 'evicted', 'fullPerObject', 'fullTotal', 'removed', 'expired'] as const) {
      expect(stats[key]).toBeGreaterThan(0);
    }
  });

  it('agrees with roomy bounds too (only expiry and sequences at play)', () => {
    const stats = runRandom(99, 4000, 64, 10_000);
    expect(stats.fullPerObject + stats.fullTotal + stats.evicted).toBe(0);
  });
});

describe('PointerStore rules', () => {
  const rng = new SeededRng(7);
  const object = guidOf(rng);
  const [s1, s2, s3, s4] = Array.from({ length: 4 }, (_, i) => handleOf(guidOf(rng), i));

  it('uses DEFAULTS for its limits', () => {
    const store = new PointerStore();
    expect(store.maxPerObject).toBe(DEFAULTS.maxPointersPerObject);
    expect(store.maxTotal).toBe(DEFAULTS.maxPointers);
  });

  it('keeps one pointer per (object, server): newer replaces, older is a replay, equal refreshes', () => {
    const store = new PointerStore();
    expect(store.put(pointer(object, s1, { sequence: 5, tag: 'old', expiresAt: 100 }), 0)).toBe('added');
    expect(store.put(pointer(object, s1, { sequence: 4, tag: 'replayed', expiresAt: 900 }), 1)).toBe('replay');
    expect(store.get(object, 1).map((p) => p.tag)).toEqual(['old']);
    expect(store.put(pointer(object, s1, { sequence: 5, expiresAt: 200, latency: 3, tag: 'old' }), 2)).toBe('refreshed');
    expect(store.get(object, 150).map((p) => [p.expiresAt, p.latency])).toEqual([[200, 3]]);
    expect(store.put(pointer(object, s1, { sequence: 6, tag: 'new', expiresAt: 300 }), 3)).toBe('added');
    expect(store.get(object, 3).map((p) => [p.tag, p.sequence])).toEqual([['new', 6]]);
    expect(store.size).toBe(1);
    expect(store.stats).toMatchObject({ added: 2, replaced: 1, refreshed: 1, replays: 1 });
  });

  it('does not let an extra copy of the same record overwrite a path pointer', () => {
    const store = new PointerStore();
    store.put(pointer(object, s1, { sequence: 1, saltIndex: 0, extra: false, from: s2, expiresAt: 100 }), 0);
    expect(store.put(pointer(object, s1, { sequence: 1, saltIndex: 2, extra: true, expiresAt: 150, latency: 4 }), 10)).toBe('refreshed');
    const [p] = store.get(object, 10);
    expect([p.extra, p.saltIndex, p.from?.guid.hex, p.expiresAt, p.latency]).toEqual([false, 0, s2.guid.hex, 150, 4]);
    // The other way round a path copy takes over from an extra one.
    store.put(pointer(object, s3, { sequence: 1, extra: true }), 0);
    store.put(pointer(object, s3, { sequence: 1, extra: false, saltIndex: 1, from: s4 }), 0);
    expect(store.get(object, 0).find((q) => q.server === s3)).toMatchObject({ extra: false, saltIndex: 1, from: s4 });
  });

  it('copies the pointer it is given', () => {
    const store = new PointerStore();
    const p = { ...pointer(object, s1) };
    store.put(p, 0);
    (p as { tag: string }).tag = 'mutated';
    expect(store.get(object, 0)[0].tag).toBe('');
  });

  it('orders by latency, ties by server GUID bytes', () => {
    const store = new PointerStore();
    for (const [s, latency] of [[s1, 5], [s2, 1], [s3, 5], [s4, 3]] as const) store.put(pointer(object, s, { latency }), 0);
    const tied = [s1, s3].sort((a, b) => Buffer.compare(a.guid.bytes, b.guid.bytes));
    expect(store.get(object, 0).map((p) => p.server)).toEqual([s2, s4, ...tied]);
  });

  it('evicts the farthest for a closer pointer when an object is full, else refuses', () => {
    const store = new PointerStore({ maxPerObject: 2 });
    store.put(pointer(object, s1, { latency: 10 }), 0);
    store.put(pointer(object, s2, { latency: 20 }), 0);
    expect(store.put(pointer(object, s3, { latency: 30 }), 0)).toBe('full');
    expect(store.put(pointer(object, s4, { latency: 5 }), 0)).toBe('added');
    expect(store.get(object, 0).map((p) => p.server)).toEqual([s4, s1]);
    expect(store.size).toBe(2);
    expect(store.stats).toMatchObject({ evicted: 1, fullPerObject: 1 });
  });

  it('refuses new pointers when the store is full, but still accepts replacements', () => {
    const store = new PointerStore({ maxTotal: 2 });
    const other = guidOf(rng);
    store.put(pointer(object, s1), 0);
    store.put(pointer(other, s1), 0);
    expect(store.put(pointer(object, s2, { latency: 0 }), 0)).toBe('full');
    expect(store.put(pointer(object, s1, { sequence: 2 }), 0)).toBe('added');
    expect(store.put(pointer(other, s1, { sequence: 1, expiresAt: 2000 }), 0)).toBe('refreshed');
    expect(store.size).toBe(2);
    expect(store.stats.fullTotal).toBe(1);
  });

  it('treats expired pointers as absent: never matched, and dropped before a put decides', () => {
    const store = new PointerStore({ maxPerObject: 1 });
    store.put(pointer(object, s1, { sequence: 9, latency: 1, expiresAt: 50 }), 0);
    expect(store.match(object, '', new Set(), 49, 5)).toHaveLength(1);
    expect(store.match(object, '', new Set(), 50, 5)).toHaveLength(0);
    expect(store.has(object, s1.guid, 50)).toBe(false);
    expect(store.size).toBe(1);
    // Neither a replay of the expired record nor the per-object bound applies any more.
    expect(store.put(pointer(object, s2, { latency: 99, expiresAt: 200 }), 60)).toBe('added');
    expect(store.put(pointer(object, s1, { sequence: 1, expiresAt: 200 }), 60)).toBe('added');
    expect(store.stats.expired).toBe(1);
  });

  it('removes only up to the given sequence', () => {
    const store = new PointerStore();
    store.put(pointer(object, s1, { sequence: 7 }), 0);
    expect(store.remove(object, s1.guid, 6)).toBe(false);
    expect(store.has(object, s1.guid, 0)).toBe(true);
    expect(store.remove(object, s1.guid, 7)).toBe(true);
    expect(store.remove(object, s1.guid)).toBe(false);
    store.put(pointer(object, s2, { sequence: 3 }), 0);
    expect(store.remove(object, s2.guid)).toBe(true);
    expect([store.size, store.objects, store.stats.removed]).toEqual([0, 0, 2]);
  });

  it('sweeps exactly the expired pointers', () => {
    const store = new PointerStore();
    const other = guidOf(rng);
    store.put(pointer(object, s1, { expiresAt: 10 }), 0);
    store.put(pointer(object, s2, { expiresAt: 20 }), 0);
    store.put(pointer(other, s3, { expiresAt: 10 }), 0);
    expect(store.sweep(9)).toBe(0);
    expect(store.sweep(10)).toBe(2);
    expect([store.size, store.objects]).toEqual([1, 1]);
    expect(store.get(object, 10).map((p) => p.server)).toEqual([s2]);
    expect(store.sweep(1000)).toBe(1);
    expect([store.size, store.objects, store.stats.expired]).toEqual([0, 0, 3]);
  });

  it('matches tags exactly; an empty query matches any tag', () => {
    const store = new PointerStore();
    store.put(pointer(object, s1, { tag: 'jpeg', latency: 1 }), 0);
    store.put(pointer(object, s2, { tag: 'png', latency: 2 }), 0);
    store.put(pointer(object, s3, { tag: '', latency: 3 }), 0);
    expect(store.match(object, 'png', new Set(), 0, 10).map((p) => p.server)).toEqual([s2]);
    expect(store.match(object, 'jp', new Set(), 0, 10)).toEqual([]);
    expect(store.match(object, '', new Set(), 0, 10).map((p) => p.server)).toEqual([s1, s2, s3]);
    expect(store.match(object, '', new Set([s1.guid.hex]), 0, 1).map((p) => p.server)).toEqual([s2]);
    expect(store.match(object, '', new Set(), 0, 0)).toEqual([]);
  });

  it('rejects bad limits and malformed pointers', () => {
    for (const bad of [0, -1, 1.5, NaN]) {
      expect(() => new PointerStore({ maxPerObject: bad })).toThrow(InvalidArgumentError);
      expect(() => new PointerStore({ maxTotal: bad })).toThrow(InvalidArgumentError);
    }
    const store = new PointerStore();
    expect(() => store.put(pointer(object, s1, { latency: NaN }), 0)).toThrow(InvalidArgumentError);
    expect(() => store.put(pointer(object, s1, { latency: -1 }), 0)).toThrow(InvalidArgumentError);
    expect(() => store.put(pointer(object, s1, { sequence: NaN }), 0)).toThrow(InvalidArgumentError);
    expect(() => store.put(pointer(object, s1, { expiresAt: NaN }), 0)).toThrow(InvalidArgumentError);
    expect(() => store.put(pointer(object, s1, { tag: 'x'.repeat(DEFAULTS.maxTagBytes + 1) }), 0)).toThrow(InvalidArgumentError);
    // Counted in UTF-8 bytes, not characters: 'é' is two bytes, '😀' four.
    expect(() => store.put(pointer(object, s1, { tag: 'é'.repeat(DEFAULTS.maxTagBytes / 2 + 1) }), 0)).toThrow(InvalidArgumentError);
    expect(store.put(pointer(object, s1, { tag: '😀'.repeat(DEFAULTS.maxTagBytes / 4) }), 0)).toBe('added');
    expect(() => store.match(object, '', new Set(), 0, -1)).toThrow(InvalidArgumentError);
    expect(store.size).toBe(1);
  });
});
