/**
 * PointerStore.all() is what a hand-over reads: it must never yield an expired pointer, swept or not,
 * or the hand-over would send it on with a fresh lifetime and revive it.
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { PointerStore, type Pointer } from '../../location/pointerStore';
import { SeededRng } from '../../sim/random';

test('all(now) yields exactly the unexpired pointers held, whether or not a sweep ran', () => {
  const rng = new SeededRng(21);
  const guid = (): Guid => Guid.random(() => rng.int(256));
  const servers: NodeHandle[] = Array.from({ length: 12 }, (_, i) => ({ guid: guid(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, i), port: 4000 } }));
  const objects = Array.from({ length: 20 }, guid);
  const store = new PointerStore({ maxPerObject: 64, maxTotal: 10_000, maxPerPublisher: 10_000 });
  // The model: the last record put for each (object, server), put at time 0.
  const model = new Map<string, Pointer>();
  for (const object of objects) {
    for (const server of servers) {
      if (rng.int(2) === 0) continue;
      const p: Pointer = { object, server, tag: '', sequence: 1, expiresAt: 1 + rng.int(1000), latency: rng.int(50), saltIndex: rng.int(4), extra: rng.int(5) === 0 };
      expect(store.put(p, 0)).toBe('added');
      model.set(`${object.hex}/${server.guid.hex}`, p);
    }
  }
  const key = (p: Pointer) => `${p.object.hex}/${p.server.guid.hex}`;
  let swept = 0;
  for (const now of [0, 1, 250, 499.5, 500, 750, 999, 1000, 1001]) {
    if (now === 750) swept = store.sweep(500); // a sweep behind the clock: expired ones remain held
    const live = [...model.values()].filter((p) => p.expiresAt > now).map(key).sort();
    const got = [...store.all(now)];
    for (const p of got) expect(p.expiresAt).toBeGreaterThan(now);
    expect(got.map(key).sort()).toEqual(live);
  }
  expect(swept).toBeGreaterThan(0);
  expect(store.size).toBeGreaterThan([...store.all(750)].length); // held but expired: never yielded
});
