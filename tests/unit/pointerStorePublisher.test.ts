/**
 * The per-publisher bound of the PointerStore: one server's pointers over all objects stay within
 * maxPerPublisher, other servers are unaffected, and the count follows removals and expiry.
 */
import { PointerStore, type Pointer } from '../../location/pointerStore';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import type { NodeHandle } from '../../routing/handle';

const rng = new SeededRng(31);
const guid = () => Guid.random(() => rng.int(256));
const server = (): NodeHandle => ({ guid: guid(), address: { family: 4, ip: new Uint8Array([10, 0, 0, 1]), port: 1 } });

function pointer(object: Guid, s: NodeHandle, expiresAt = 1_000, latency = 10): Pointer {
  return { object, server: s, tag: '', sequence: 1, expiresAt, latency, saltIndex: 0, extra: false };
}

test('a flooding publisher is refused past maxPerPublisher; another publisher still gets in', () => {
  const store = new PointerStore({ maxPerPublisher: 50, maxTotal: 1_000 });
  const hostile = server();
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < 500; i++) {
    const o = store.put(pointer(guid(), hostile), 0);
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  expect(outcomes).toEqual({ added: 50, full: 450 });
  expect(store.heldFor(hostile.guid)).toBe(50);
  expect(store.stats.fullPerPublisher).toBe(450);
  const honest = server();
  expect(store.put(pointer(guid(), honest), 0)).toBe('added');
  expect(store.size).toBe(51);
});

test('renewing a held pointer is never refused by the bound; removal and expiry free room', () => {
  const store = new PointerStore({ maxPerPublisher: 3 });
  const s = server();
  const objects = [guid(), guid(), guid()];
  for (const o of objects) expect(store.put(pointer(o, s), 0)).toBe('added');
  expect(store.put(pointer(objects[0], s), 0)).toBe('refreshed');
  expect(store.put(pointer(guid(), s), 0)).toBe('full');
  expect(store.remove(objects[0], s.guid)).toBe(true);
  expect(store.put(pointer(guid(), s, 5), 0)).toBe('added');
  // Expired ones are dropped by the sweep and no longer count.
  expect(store.sweep(10)).toBe(1);
  expect(store.heldFor(s.guid)).toBe(2);
  expect(store.put(pointer(guid(), s, 1_000), 10)).toBe('added');
  expect(store.publishers).toBe(1);
});

test('a closer pointer evicting a farther one moves the count to the new server', () => {
  const store = new PointerStore({ maxPerObject: 1, maxPerPublisher: 10 });
  const o = guid();
  const far = server();
  const near = server();
  store.put(pointer(o, far, 1_000, 50), 0);
  expect(store.put(pointer(o, near, 1_000, 5), 0)).toBe('added');
  expect(store.heldFor(far.guid)).toBe(0);
  expect(store.heldFor(near.guid)).toBe(1);
  expect(store.publishers).toBe(1);
});
