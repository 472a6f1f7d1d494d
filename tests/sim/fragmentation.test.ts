/**
 * Large messages through the router: fragmented at the source, each piece routed on its own,
 * reassembled byte-exact at the destination; a lost piece frees its buffer after the timeout;
 * a flood of fragments never holds more than the configured bytes.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { DEFAULTS } from '../../defaults';
import { nextHop } from '../../routing/nextHop';
import { SeededRng } from '../../sim/random';
import { encodeFrame } from '../../wire/codec';
import { WIRE_VERSION } from '../../routing/messages';
import { Guid } from '../../routing/guid';
import { recordDeliveries, type Recorded } from '../helpers/recorder';
import { routingTableOf } from '../../api/internals';

let net: Testnet;
let got: Recorded[];
const rng = new SeededRng(3);

beforeAll(async () => {
  net = await createTestnet({ nodes: 1000, frozen: true, seed: 11, mtu: 1200 });
  got = recordDeliveries(net.nodes);
});
afterAll(() => net.close());
beforeEach(() => (got.length = 0));

/** A source and destination whose route takes at least `hops` hops, with the path. */
function farPair(hops: number): { src: number; dst: number; path: number[] } {
  for (;;) {
    const src = rng.int(net.nodes.length);
    const dst = rng.int(net.nodes.length);
    const path = [src];
    let level = 0;
    for (;;) {
      const hop = nextHop(routingTableOf(net.nodes[path[path.length - 1]]), net.nodes[dst].guid, level);
      if (hop.kind === 'root') break;
      path.push(net.indexOf(hop.to.guid)!);
      level = hop.level + 1;
    }
    if (path.length - 1 >= hops) return { src, dst, path };
  }
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

test('a 200 KB payload over 3 or more hops with MTU 1,200 arrives byte-exact', () => {
  const { src, dst, path } = farPair(3);
  const payload = randomBytes(200 * 1024);
  net.nodes[src].route(net.nodes[dst].guid, payload);
  net.run(30_000);
  expect(got).toHaveLength(1);
  expect(got[0].at).toBe(dst);
  expect(got[0].hops).toBe(path.length - 1);
  expect(Buffer.compare(Buffer.from(got[0].payload), Buffer.from(payload))).toBe(0);
  expect(net.nodes[src].stats.router.fragmentsSent).toBeGreaterThan(170);
  // Every datagram on the path stayed within the MTU (the simulated links drop larger ones).
  expect(net.network.stats.dropped.oversize ?? 0).toBe(0);
  expect(net.nodes[dst].stats.reassemblyHeld.bytes).toBe(0);
});

test('with one fragment lost nothing is delivered, and the buffer is freed after the timeout', () => {
  const { src, dst, path } = farPair(3);
  // A module on the middle node drops fragment 7 of the message: a loss on one link.
  const middle = net.nodes[path[1]];
  const unregister = middle.register({ id: 9, name: 'lossy', forward: (m) => m.fragment?.index !== 7 });
  net.nodes[dst].register({ id: 9, name: 'sink', deliver: () => got.push({} as Recorded) });
  net.nodes[src].route(net.nodes[dst].guid, randomBytes(50_000), { module: 9 });
  net.run(2_000);
  expect(got).toHaveLength(0);
  expect(net.nodes[dst].stats.reassemblyHeld.bytes).toBeGreaterThan(40_000);
  net.run(DEFAULTS.reassemblyTimeoutMs + 2 * DEFAULTS.reassemblySweepMs);
  expect(got).toHaveLength(0);
  expect(net.nodes[dst].stats.reassemblyHeld).toEqual({ bytes: 0, pending: 0 });
  unregister();
});

test('a flood of fragments from one source never holds more than the configured bytes', () => {
  const victim = net.nodes[5];
  const attacker = net.network.createTransport();
  const sender = { guid: Guid.random(() => rng.int(256)), address: attacker.local };
  const chunk = randomBytes(1000);
  let peak = 0;
  for (let m = 0; m < 20_000; m++) {
    const frame = encodeFrame({
      version: WIRE_VERSION, sender, messageId: m,
      body: {
        kind: 'route',
        route: {
          source: sender, dest: victim.guid, fuzzy: false, ttl: 10, hops: 1, level: 0, moduleId: 0,
          payload: chunk, fragment: { messageId: m, index: 0, count: 1000 },
        },
      },
    });
    attacker.send(victim.address, frame);
    if (m % 500 === 499) {
      net.run(1_000);
      peak = Math.max(peak, victim.stats.reassemblyHeld.bytes);
    }
  }
  net.run(1_000);
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(DEFAULTS.maxReassemblyBytes);
  expect(victim.stats.reassemblyHeld.pending).toBeLessThanOrEqual(DEFAULTS.maxReassembliesPerSource);
  // Honest traffic still flows to the victim.
  const { src } = farPair(1);
  net.nodes[src].route(victim.guid, randomBytes(30_000));
  net.run(5_000);
  expect(got.filter((d) => d.at === 5)).toHaveLength(1);
});
