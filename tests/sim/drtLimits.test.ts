/**
 * The DRT module's limits and misuse on small simulated meshes: a node of 160-bit GUIDs refuses the
 * DRT by naming idBits; one node may register at most drtMaxPublished keys, the next is refused with
 * LimitExceededError and every key registered before stays findable (range searches over all of
 * them against the sorted list); a closed module fails what waits with ClosedError.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { drt, type Drt, type DrtSearchResult } from '../../upcalls/drt';
import { keyFromValue, keyValue, KEY_SPACE } from '../../upcalls/drt/keys';
import { Guid } from '../../routing/guid';
import { DEFAULTS } from '../../defaults';
import { ClosedError, InvalidArgumentError, LimitExceededError } from '../../errors';
import { SeededRng } from '../../sim/random';
import { leafSetAccuracy } from '../helpers/meshChecks';

let net: Testnet;

async function settle<T>(p: Promise<T>, ms = 300_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += 100) {
    net.run(100);
    await new Promise((r) => setImmediate(r));
  }
  return watched;
}

async function searchAll(d: Drt, min: Guid, max: Guid): Promise<DrtSearchResult[]> {
  return settle((async () => {
    const out: DrtSearchResult[] = [];
    for await (const r of d.search(min, { match: { min, max }, maxEndpoints: DEFAULTS.drtMaxEndpoints })) out.push(r);
    return out;
  })());
}

afterEach(() => net.close());

test('a node of 160-bit GUIDs refuses the DRT, naming idBits', async () => {
  net = await createTestnet({ nodes: 3, seed: 3 });
  const d = net.nodes[0].register(drt());
  const key = Guid.fromName('k', 256);
  await expect(d.register(key, Uint8Array.of(1))).rejects.toThrow(InvalidArgumentError);
  await expect(d.register(key, Uint8Array.of(1))).rejects.toThrow(/idBits/);
  expect(() => d.search(key)).toThrow(/idBits/);
  await expect(d.leafSet(key)).rejects.toThrow(/idBits/);
});

test(`one node registers at most drtMaxPublished (${DEFAULTS.drtMaxPublished}) keys; the next is refused by name and none is lost`, async () => {
  net = await createTestnet({ nodes: 40, seed: 40, idBits: 256 });
  const d = net.nodes.map((n) => n.register(drt()));
  // Keys are placed by the leaf sets: run until membership repair made every one exact.
  for (let t = 0; leafSetAccuracy(net.nodes).exactNodes < net.nodes.length && t < 60; t++) net.run(10_000);
  expect(leafSetAccuracy(net.nodes).exactNodes).toBe(net.nodes.length);
  const rng = new SeededRng(40);
  const keys = Array.from({ length: DEFAULTS.drtMaxPublished }, () => Guid.random(() => rng.int(256), 256));
  const done = await settle(Promise.allSettled(keys.map((k) => d[0].register(k, Uint8Array.of(9)))));
  expect(done.filter((r) => r.status === 'rejected')).toEqual([]);
  await expect(d[0].register(Guid.random(() => rng.int(256), 256), Uint8Array.of(9))).rejects.toBeInstanceOf(LimitExceededError);
  expect(d[0].stats().published).toBe(DEFAULTS.drtMaxPublished);
  expect(d.reduce((s, x) => s + x.stats().keys, 0)).toBe(DEFAULTS.drtMaxPublished);
  // Every key, read back in 64-key ranges from another node: range i runs from the key 64·i to the one before 64·(i + 1).
  const sorted = keys.map((k) => k.hex).sort();
  const got: string[] = [];
  for (let i = 0; i < sorted.length; i += DEFAULTS.drtMaxEndpoints) {
    const min = Guid.fromHex(sorted[i]);
    const max = keyFromValue((keyValue(Guid.fromHex(sorted[(i + DEFAULTS.drtMaxEndpoints) % sorted.length])) - 1n + KEY_SPACE) % KEY_SPACE);
    const part = await searchAll(d[1], min, max);
    for (const r of part) expect(r.publisher.guid.equals(net.nodes[0].guid)).toBe(true);
    got.push(...part.map((r) => r.key.hex));
  }
  expect(got).toEqual(sorted);
  // Unregistering one makes room for one more.
  await settle(d[0].unregister(keys[0]));
  await settle(d[0].register(Guid.fromName('room', 256), Uint8Array.of(9)));
  expect(d[0].stats().published).toBe(DEFAULTS.drtMaxPublished);
}, 600_000);

test('a closed module fails what waits with ClosedError and refuses more', async () => {
  net = await createTestnet({ nodes: 5, seed: 5, idBits: 256 });
  const d = net.nodes.map((n) => n.register(drt()));
  const waiting = d[0].register(Guid.fromName('late', 256), Uint8Array.of(1));
  d[0].close();
  await expect(waiting).rejects.toBeInstanceOf(ClosedError);
  await expect(d[0].register(Guid.fromName('later', 256), Uint8Array.of(1))).rejects.toBeInstanceOf(ClosedError);
});
