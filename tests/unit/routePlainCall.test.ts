/**
 * route() and request() called from outside any event run as plain calls on the datagram path
 * (DESIGN rule 3: no actor event per message): the router actor receives nothing during the call,
 * and the route still arrives, hop-acknowledged, with its timers on the node's clock. Called from an
 * upcall (inside an event) route() still sends the router actor a `route` event, as before: inside
 * one of the actor's own events that event waits its turn, so the order of sends is what it was.
 */
import type { AnyActorRef } from 'xstate';
import type { TapestryNode } from '../../api/node';
import { createTestnet, type Testnet } from '../../testing/testnet';

/** Records the type of every event sent to each node's router actor while `recording` is true. */
function spyRouters(nodes: readonly TapestryNode[]): { events: string[]; during<T>(f: () => T): T } {
  const events: string[] = [];
  let recording = false;
  for (const node of nodes) {
    const router = (node as unknown as { router: AnyActorRef }).router;
    const send = router.send.bind(router);
    router.send = (event) => {
      if (recording) events.push(event.type);
      send(event);
    };
  }
  return {
    events,
    during: <T>(f: () => T): T => {
      recording = true;
      try {
        return f();
      } finally {
        recording = false;
      }
    },
  };
}

let net: Testnet;
afterEach(() => net?.close());

test('route() and request() from outside any event send the router actor nothing, and arrive', async () => {
  net = await createTestnet({ nodes: 40, frozen: true, seed: 11 });
  const spy = spyRouters(net.nodes);
  const got: Array<{ at: number; text: string; hops: number }> = [];
  net.nodes.forEach((node, at) =>
    node.register({ id: 0, name: 'echo', deliver: (d) => {
      got.push({ at, text: Buffer.from(d.payload).toString(), hops: d.hops });
      return d.payload;
    } }),
  );
  const replies: Array<Promise<{ payload: Uint8Array; hops: number }>> = [];
  for (let i = 0; i < 30; i++) {
    const from = net.nodes[i];
    const to = net.nodes[(i * 7 + 3) % net.nodes.length];
    spy.during(() => from.route(to.guid, `route ${i}`));
    replies.push(spy.during(() => from.request(to.guid, `request ${i}`)));
  }
  expect(spy.events).toEqual([]);
  net.run(10_000);
  const answered = await Promise.all(replies);
  answered.forEach((r, i) => expect(Buffer.from(r.payload).toString()).toBe(`request ${i}`));
  for (let i = 0; i < 30; i++) {
    const to = (i * 7 + 3) % net.nodes.length;
    expect(got.filter((g) => g.text === `route ${i}` || g.text === `request ${i}`).map((g) => g.at)).toEqual([to, to]);
  }
  // Multi-hop routes were acknowledged hop by hop: nothing left waiting, nothing failed over.
  expect(got.some((g) => g.hops > 1)).toBe(true);
  const sum = (f: (n: TapestryNode) => number) => net.nodes.reduce((s, n) => s + f(n), 0);
  expect(sum((n) => n.stats.router.forwarded)).toBeGreaterThan(0);
  expect(sum((n) => n.stats.router.hopTimeouts)).toBe(0);
  expect(sum((n) => n.stats.router.hopFailovers)).toBe(0);
});

test('route() from an upcall still sends the router actor one route event', async () => {
  net = await createTestnet({ nodes: 12, frozen: true, seed: 12 });
  const spy = spyRouters(net.nodes);
  const got: string[] = [];
  const [a, b, c] = net.nodes;
  b.register({ id: 0, name: 'relay', deliver: (d) => {
    spy.during(() => b.route(c.guid, `relayed ${Buffer.from(d.payload).toString()}`));
  } });
  c.register({ id: 0, name: 'sink', deliver: (d) => void got.push(Buffer.from(d.payload).toString()) });
  a.route(b.guid, 'hello');
  net.run(10_000);
  expect(spy.events).toEqual(['route']);
  expect(got).toEqual(['relayed hello']);
});
