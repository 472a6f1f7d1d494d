/**
 * Work that is done leaves no timer armed: a hop whose HopAck came back, a ping that got its pong and
 * a request that got its reply each cancel their timeout at once (actors/nodeTimers.ts), so once no
 * datagram is in flight a quiet simulated network holds no timer at all. Before cancellation each hop
 * left its timer to fire, later, into nothing.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { SeededRng } from '../../sim/random';
import { Guid } from '../../routing/guid';
import { recordDeliveries, type Recorded } from '../helpers/recorder';

let net: Testnet;
let got: Recorded[];

beforeAll(async () => {
  // Maintenance off (no periodic timers), hop acknowledgements on.
  net = await createTestnet({ nodes: 64, frozen: true, seed: 5, node: { hopAcks: true } });
  got = recordDeliveries(net.nodes);
  net.runUntilIdle();
});
afterAll(() => net.close());

/** Runs the network until nothing but timers is queued (every datagram delivered), 1 ms at a time. */
function runUntilNoDatagrams(): void {
  const network = net.network;
  for (let i = 0; i < 100_000 && network.pending > network.pendingTimers; i++) network.run(network.now + 1);
}

test('a route whose hops were all acknowledged leaves no timer armed', () => {
  const rng = new SeededRng(3);
  let multiHop = 0;
  for (let i = 0; i < 20; i++) {
    got.length = 0;
    const from = rng.int(net.nodes.length);
    const to = net.nodes[rng.int(net.nodes.length)];
    net.nodes[from].route(to.guid, new Uint8Array([i]));
    runUntilNoDatagrams();
    expect(got.map((d) => d.at)).toEqual([net.indexOf(to.guid)]);
    if (got[0].hops >= 2) multiHop++;
    // Every hop was acknowledged long before its timeout: nothing is left on the clock.
    expect(net.network.pendingTimers).toBe(0);
  }
  expect(multiHop).toBeGreaterThan(5);
});

test('an answered ping and an answered request leave no timer armed', async () => {
  const [a, b] = net.nodes;
  const rtt = a.ping(b.address, { timeoutMs: 5_000 });
  runUntilNoDatagrams();
  expect(await rtt).toBeGreaterThan(0);
  expect(net.network.pendingTimers).toBe(0);
  b.register({ id: 9, name: 'echo', deliver: (d) => d.payload });
  const reply = a.request(b.guid, new Uint8Array([1, 2]), { module: 9, timeoutMs: 5_000 });
  runUntilNoDatagrams();
  expect((await reply).payload).toEqual(new Uint8Array([1, 2]));
  expect(net.network.pendingTimers).toBe(0);
});

test('a hop that is never acknowledged still times out (the cancel is only for finished work)', () => {
  got.length = 0;
  const src = net.nodes[1];
  // A GUID with no node: an exact route is dropped at its root, yet each hop on the way is acknowledged.
  src.route(Guid.fromName('nobody holds this'), new Uint8Array([7]));
  runUntilNoDatagrams();
  expect(net.network.pendingTimers).toBe(0);
  // Now a neighbour that stopped answering: the hop's timer stays armed until it fires.
  const dest = net.nodes[2];
  net.network.partition([[2]]);
  src.route(dest.guid, new Uint8Array([8]));
  runUntilNoDatagrams();
  expect(net.network.pendingTimers).toBeGreaterThan(0);
});
