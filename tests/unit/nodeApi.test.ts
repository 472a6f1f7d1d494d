/**
 * The node API on a small simulated network: lifecycle, named errors for bad input, upcalls that
 * modify, drop or throw, and ping against the latency model.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { createTestnet } from '../../testing/testnet';
import { DEFAULTS } from '../../defaults';
import { ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, TimeoutError, TransportError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SimNetwork } from '../../transport/simNetwork';
import { realClock } from '../../api/clock';
import type { Clock } from '../../transport/types';
import { baseline, leftOver, resources } from '../helpers/activeResources';
import { recordDeliveries } from '../helpers/recorder';

test('a node with no peers and no bootstrap is ALONE, then CLOSED, and refuses work once closed', async () => {
  const net = new SimNetwork({ seed: 1 });
  const node = await createNode({ transport: net.createTransport(), clock: net.clock });
  expect(node.status).toBe('ALONE');
  await node.close();
  expect(node.status).toBe('CLOSED');
  expect(() => node.route(node.guid, 'x')).toThrow(ClosedError);
  await node.close(); // idempotent
});

test('bad input gets a named error and the node keeps working', async () => {
  const net = await createTestnet({ nodes: 20, frozen: true, seed: 4 });
  const got = recordDeliveries(net.nodes);
  const n = net.nodes[0];
  const dest = net.nodes[1].guid;
  expect(() => n.route(dest, 'x', { ttl: 0 })).toThrow(InvalidArgumentError);
  expect(() => n.route(dest, 'x', { ttl: DEFAULTS.maxTtl + 1 })).toThrow(InvalidArgumentError);
  expect(() => n.route(dest, 'x', { ttl: 1.5 })).toThrow(InvalidArgumentError);
  expect(() => n.route(dest, 'x', { module: -1 })).toThrow(InvalidArgumentError);
  expect(() => n.route(dest, 'x', { module: 70_000 })).toThrow(InvalidArgumentError);
  expect(() => n.route('not-hex', 'x')).toThrow(InvalidArgumentError);
  expect(() => n.route(Guid.fromName('k', 256), 'x')).toThrow(InvalidArgumentError);
  expect(() => n.route(dest, new Uint8Array(DEFAULTS.maxMessageBytes + 1))).toThrow(MessageTooLargeError);
  expect(() => n.register({ id: 0, name: 'dup' })).toThrow(InvalidArgumentError);
  expect(() => n.addPeer(net.nodes[2].handle, -1)).toThrow(InvalidArgumentError);
  n.route(dest, 'still fine');
  net.run(5_000);
  expect(got.map((d) => [d.at, d.text])).toEqual([[1, 'still fine']]);
  await net.close();
});

test('module limits are enforced', async () => {
  const net = new SimNetwork({ seed: 2 });
  const node = await createNode({ transport: net.createTransport(), clock: net.clock });
  for (let id = 1; id <= DEFAULTS.maxModules; id++) node.register({ id, name: `m${id}` });
  expect(() => node.register({ id: 999, name: 'one too many' })).toThrow(LimitExceededError);
  await node.close();
});

test('forward upcalls see every hop and may rewrite or drop; a throwing module does not stop routing', async () => {
  const net = await createTestnet({ nodes: 300, frozen: true, seed: 5 });
  const seen: number[] = [];
  net.nodes.forEach((node, i) =>
    node.register({
      id: 7,
      name: 'rewrite',
      forward: (m) => {
        seen.push(i);
        const text = Buffer.from(m.payload).toString();
        if (text === 'drop me') return false;
        if (text === 'throw') throw new Error('module bug');
        m.payload = Buffer.from(`${text}+${i}`);
      },
      deliver: (d) => delivered.push({ at: i, text: Buffer.from(d.payload).toString(), hops: d.hops }),
    }),
  );
  const delivered: Array<{ at: number; text: string; hops: number }> = [];
  // Find a route of at least 2 hops, then check every forwarding node appended itself in order.
  let src = 0;
  let dst = 1;
  for (;;) {
    seen.length = 0;
    delivered.length = 0;
    net.nodes[src].route(net.nodes[dst].guid, 'p', { module: 7 });
    net.run(5_000);
    if (delivered[0].hops >= 2) break;
    dst++;
  }
  expect(delivered[0].at).toBe(dst);
  expect(delivered[0].text).toBe(['p', ...seen].join('+'));
  expect(seen).toHaveLength(delivered[0].hops);

  delivered.length = 0;
  net.nodes[src].route(net.nodes[dst].guid, 'drop me', { module: 7 });
  net.run(5_000);
  expect(delivered).toHaveLength(0);
  expect(net.nodes[src].stats.router.droppedByUpcall).toBe(1);

  net.nodes[src].route(net.nodes[dst].guid, 'throw', { module: 7 });
  net.run(5_000);
  expect(delivered.map((d) => d.text)).toEqual(['throw']);
  expect(net.nodes.reduce((s, n) => s + n.stats.router.upcallErrors, 0)).toBeGreaterThanOrEqual(2);
  await net.close();
});

test('a message for a module the destination lacks is dropped and counted there', async () => {
  const net = await createTestnet({ nodes: 10, frozen: true, seed: 6 });
  net.nodes[0].route(net.nodes[9].guid, 'x', { module: 42 });
  net.run(5_000);
  expect(net.nodes[9].stats.router.droppedNoModule).toBe(1);
  await net.close();
});

test('ping measures the round trip of the latency model, and times out on a silent peer', async () => {
  const net = await createTestnet({ nodes: 5, frozen: true, seed: 8 });
  const rtt = net.nodes[0].ping(net.nodes[3].address);
  net.run(1_000);
  expect(await rtt).toBeCloseTo(2 * net.latency(0, 3), 6);

  net.network.setDown(4, true);
  const lost = net.nodes[0].ping(net.nodes[4].address, { timeoutMs: 500 });
  const outcome = lost.catch((e) => e);
  net.run(499);
  net.run(2);
  expect(await outcome).toBeInstanceOf(TimeoutError);
  await net.close();
});

test('createNode rejects a UDP bind it cannot make with a TransportError, leaving nothing open', async () => {
  await expect(createNode({ transport: { family: 4, host: '192.0.2.1', port: 1 } })).rejects.toBeInstanceOf(TransportError);
});

/** The wall clock, counting the timers set through it that have neither fired nor been cleared. */
function countingClock(): Clock & { readonly live: number; readonly set: number } {
  const live = new Set<unknown>();
  let set = 0;
  return {
    now: () => realClock.now(),
    setTimeout(fn, ms) {
      set++;
      const id: unknown = realClock.setTimeout((...args: unknown[]) => {
        live.delete(id);
        fn(...args);
      }, ms);
      live.add(id);
      return id;
    },
    clearTimeout(id) {
      live.delete(id);
      realClock.clearTimeout(id);
    },
    get live() {
      return live.size;
    },
    get set() {
      return set;
    },
  };
}

test('opening and closing nodes leaves no socket or timer behind', async () => {
  // The nodes' own timers are counted on their clock; sockets and any timer set past that clock by
  // type, against a baseline that leaves out the test runner's passing timers (helpers/activeResources).
  const before = await baseline();
  const clock = countingClock();
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < 20; i++) nodes.push(await createNode({ clock, security: 'signed' }));
  expect(resources().UDPWrap ?? 0).toBeGreaterThanOrEqual((before.UDPWrap ?? 0) + 20);
  await Promise.all(nodes.map((n) => n.ping(nodes[0].address)));
  expect(clock.live).toBeGreaterThan(0);
  await Promise.all(nodes.map((n) => n.close()));
  expect(clock.set).toBeGreaterThan(0);
  expect(clock.live).toBe(0);
  expect(await leftOver(before)).toEqual({});
});
