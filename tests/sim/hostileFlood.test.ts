/**
 * One hostile peer floods a node with fragments that never complete and with publishes: the memory
 * the victim holds (reassembly bytes, pointers) stays under the configured bounds, the flood is rate
 * limited and counted, and honest routes and locates between other nodes (and to the victim) flow.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { collect } from '../helpers/collect';
import { HostilePeer } from '../helpers/hostilePeer';

const N = 150;
const rng = new SeededRng(404);
let net: Testnet;
let hostile: HostilePeer;
const VICTIM = 0;

beforeAll(async () => {
  net = await createTestnet({ nodes: N, frozen: true, seed: 404 });
  hostile = new HostilePeer(net.network, rng);
});
afterAll(() => net.close());

/** Honest exact routes between random nodes (and into the victim), counted at their destination. */
function honestRoutes(count: number): () => number {
  let delivered = 0;
  const stops = net.nodes.map((node) => node.register({ id: 11, name: 'honest', deliver: () => void delivered++ }));
  for (let i = 0; i < count; i++) {
    const from = 1 + rng.int(N - 1);
    const to = i % 10 === 0 ? VICTIM : 1 + rng.int(N - 1);
    net.nodes[from].route(net.nodes[to === from ? VICTIM : to].guid, `honest ${i}`, { module: 11 });
  }
  return () => {
    for (const stop of stops) stop();
    return delivered;
  };
}

test('a fragment flood stays within the reassembly bounds and honest traffic still flows', async () => {
  const victim = net.nodes[VICTIM];
  // 40,000 first pieces of 1,000 bytes, 2,000 per 100 ms: half from the peer itself, half under forged GUIDs.
  let peakBytes = 0;
  let peakOwn = 0;
  const reassembler = (victim as unknown as { core: { reassembler: import('../../routing/reassembler').Reassembler } }).core.reassembler;
  for (let burst = 0; burst < 20; burst++) {
    for (let i = 0; i < 2_000; i++) {
      const forged = i % 2 === 1 ? { guid: hostile.randomGuid(), address: hostile.handle.address } : undefined;
      hostile.fragment(victim.handle, burst * 2_000 + i, 1_000, forged);
    }
    net.run(100);
    peakBytes = Math.max(peakBytes, victim.stats.reassemblyHeld.bytes);
    peakOwn = Math.max(peakOwn, reassembler.chargedFor(hostile.handle.guid.hex));
  }
  net.run(1_000); // the last bursts are still on the wire
  peakBytes = Math.max(peakBytes, victim.stats.reassemblyHeld.bytes);
  const drops = victim.stats.drops;
  console.log(`fragment flood: peak held ${peakBytes} B, own ${peakOwn} B, rate-limited ${drops.rateLimited}`, drops.reassembly);
  expect(peakBytes).toBeLessThanOrEqual(DEFAULTS.maxReassemblyBytes);
  expect(peakOwn).toBeLessThanOrEqual(DEFAULTS.maxReassemblyBytesPerSource);
  expect(victim.stats.reassemblyHeld.pending).toBeLessThanOrEqual(DEFAULTS.maxReassemblies);
  // 40,000 datagrams in 2 s from one address: one burst and the rate over those 2 s are all that got in.
  expect(drops.rateLimited).toBeGreaterThanOrEqual(40_000 - DEFAULTS.peerRateBurst - 2 * DEFAULTS.peerRatePerSec);
  expect(drops.reassembly.evictedPerSource + drops.reassembly.evictedTotal + drops.reassembly.evictedSourceBytes + drops.reassembly.evictedBytes).toBeGreaterThan(0);

  // Honest traffic, including a large message to the victim that must be reassembled there.
  const count = honestRoutes(500);
  let big: Uint8Array | undefined;
  const stop = victim.register({ id: 12, name: 'big', deliver: (d) => void (big = d.payload) });
  const payload = Uint8Array.from({ length: 100_000 }, (_, i) => i & 0xff);
  net.nodes[7].route(victim.guid, payload, { module: 12 });
  net.run(5_000);
  stop();
  expect(count()).toBe(500);
  expect(big).toEqual(payload);
});

test('a pointer flood is held to the per-publisher bound and honest publishes and locates still work', async () => {
  const victim = net.nodes[VICTIM];
  const before = victim.stats.location.pointers;
  const limitedBefore = victim.stats.drops.rateLimited;
  // 30,000 publishes naming the peer itself, 1,000 per 500 ms (under the rate limit, so all arrive).
  for (let burst = 0; burst < 30; burst++) {
    for (let i = 0; i < 1_000; i++) hostile.publish(victim.handle, hostile.handle);
    net.run(500);
  }
  const drops = victim.stats.drops;
  expect(drops.rateLimited).toBe(limitedBefore);
  console.log(`pointer flood: held ${victim.stats.location.pointers} pointers, refused per publisher ${drops.pointerStore.fullPerPublisher}, rate-limited ${drops.rateLimited}`);
  expect(victim.stats.location.pointers - before).toBeLessThanOrEqual(DEFAULTS.maxPointersPerPublisher);
  expect(victim.stats.location.pointers).toBeLessThanOrEqual(DEFAULTS.maxPointers);
  expect(drops.pointerStore.fullPerPublisher).toBeGreaterThanOrEqual(30_000 - DEFAULTS.maxPointersPerPublisher);

  // Honest objects, published by other nodes, one of them rooted anywhere (the victim may be on a path).
  const objects = Array.from({ length: 50 }, () => Guid.random(() => rng.int(256)));
  const servers = objects.map(() => 1 + rng.int(N - 1));
  objects.forEach((o, i) => net.nodes[servers[i]].publish(o));
  // The victim itself publishes too: its own publishes are not the hostile peer's.
  const own = Guid.random(() => rng.int(256));
  victim.publish(own);
  net.run(3_000);
  const pending = objects.map((o) => collect(net.nodes[1 + rng.int(N - 1)].locate(o)));
  const ownFound = collect(net.nodes[3].locate(own));
  const count = honestRoutes(300);
  net.run(10_000);
  const results = await Promise.all(pending);
  results.forEach((r, i) => {
    expect(r.error).toBeUndefined();
    expect(net.indexOf(r.results[0].server.guid)).toBe(servers[i]);
  });
  expect((await ownFound).results[0]?.server.guid.equals(victim.guid)).toBe(true);
  expect(count()).toBe(300);
});
