/**
 * Guard: `PointerStore.all(now)` never yields a pointer that has expired by `now`, whether or not a
 * sweep has run. A hand-over copies what `all` yields to a new root, which stores it with a fresh
 * lifetime: an expired pointer yielded there would come back to life for a full lifetime.
 *
 * Oracle: the pointers put, kept in a plain list, filtered by their own expiry (a pointer is expired
 * from `expiresAt` on).
 */
import fc from 'fast-check';
import { Guid } from '../../routing/guid';
import { PointerStore, type Pointer } from '../../location/pointerStore';
import type { NodeHandle } from '../../routing/messages';

const object = (i: number) => Guid.fromName(`object ${i}`);
const server = (i: number): NodeHandle => ({ guid: Guid.fromName(`server ${i}`), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1 + i), port: 4000 + i } });

function pointer(o: number, s: number, expiresAt: number): Pointer {
  return { object: object(o), server: server(s), tag: '', sequence: 1, expiresAt, latency: 1 + s, saltIndex: 0, extra: false };
}

const key = (p: Pointer) => `${p.object.hex}/${p.server.guid.hex}`;

test('pointers expired by now, unswept, are not yielded; the boundary instant counts as expired', () => {
  const store = new PointerStore();
  store.put(pointer(1, 1, 100), 0);
  store.put(pointer(1, 2, 200), 0);
  store.put(pointer(2, 1, 150), 0);
  const at = (now: number) => [...store.all(now)].map((p) => [p.object.hex, p.server.guid.hex, p.expiresAt]);
  expect(at(99)).toHaveLength(3);
  expect(at(100).map((x) => x[2]).sort()).toEqual([150, 200]);
  expect(at(150).map((x) => x[2])).toEqual([200]);
  expect(at(200)).toEqual([]);
  // Nothing was swept: the store still holds all three, and yields them only by their expiry.
  expect(store.size).toBe(3);
  expect(store.stats.expired).toBe(0);
});

test('property: all(now) is exactly the unexpired pointers put, for any expiries and any now', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ o: fc.integer({ min: 0, max: 5 }), s: fc.integer({ min: 0, max: 5 }), life: fc.integer({ min: 1, max: 1_000 }), at: fc.integer({ min: 0, max: 500 }) }), { maxLength: 40 }),
      fc.integer({ min: 0, max: 1_500 }),
      (puts, after) => {
        const store = new PointerStore({ maxPerObject: 100, maxTotal: 1_000, maxPerPublisher: 1_000 });
        // Puts in time order, each with a lifetime from its own instant; the latest for a pair is the one held.
        const ordered = [...puts].sort((a, b) => a.at - b.at);
        const model = new Map<string, Pointer>();
        for (const { o, s, life, at } of ordered) {
          const p = pointer(o, s, at + life);
          const outcome = store.put(p, at);
          if (outcome === 'added' || outcome === 'refreshed') model.set(key(p), p);
          else if (outcome === 'replay' || outcome === 'full') throw new Error(`unexpected ${outcome}`);
        }
        // Asked no earlier than the last put (a put drops the object's pointers expired by its time).
        const now = (ordered.length > 0 ? ordered[ordered.length - 1].at : 0) + after;
        const expected = [...model.values()].filter((p) => p.expiresAt > now).map(key).sort();
        const yielded = [...store.all(now)];
        for (const p of yielded) expect(p.expiresAt).toBeGreaterThan(now);
        expect(yielded.map(key).sort()).toEqual(expected);
      },
    ),
    { numRuns: 300, seed: 1207 },
  );
});
