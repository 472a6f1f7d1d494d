/**
 * close() releases everything a node holds: 1,000 simulated nodes (busy with routes, publishes,
 * locates, heartbeats and repair when closed) leave no timer in the simulator's queue and no stopped
 * actor behind, and 60 UDP nodes leave no socket or timer in the process.
 */
import type { AnyActorRef } from 'xstate';
import { createNode, type TapestryNode } from '../../api/node';
import { introduceAll } from '../../api/introduce';
import { createTestnet } from '../../testing/testnet';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { baseline, leftOver, resources } from '../helpers/activeResources';
import { collect } from '../helpers/collect';

const rng = new SeededRng(99);

/** The node's root actor and its router and locator children, whatever their state ('done' once the root reached its final state). */
function actorsOf(node: TapestryNode): AnyActorRef[] {
  const root = (node as unknown as { actor: AnyActorRef }).actor;
  return [root, root.system.get('router'), root.system.get('objectLocator')].filter((a): a is AnyActorRef => a !== undefined);
}

test('1,000 simulated nodes closed while busy leave no timer, queued event or running actor', async () => {
  const before = await baseline();
  const net = await createTestnet({ nodes: 1_000, seed: 99, node: { hopAcks: true, heartbeatMs: 2_000, repairMs: 5_000 } });
  const n = net.nodes.length;
  for (let i = 0; i < 2_000; i++) net.nodes[rng.int(n)].route(net.nodes[rng.int(n)].guid, `m${i}`);
  const objects = Array.from({ length: 100 }, () => Guid.random(() => rng.int(256)));
  for (const o of objects) net.nodes[rng.int(n)].publish(o);
  net.run(2_500);
  // Left in flight on purpose: routes, pings and locates mid-way when the nodes close.
  const locates = objects.map((o) => collect(net.nodes[rng.int(n)].locate(o)));
  for (let i = 0; i < 500; i++) net.nodes[rng.int(n)].route(net.nodes[rng.int(n)].guid, 'late');
  const pings = net.nodes.slice(0, 50).map((node, i) => node.ping(net.nodes[i + 50].address).catch((e: unknown) => e));
  net.run(3);
  expect(net.network.pendingTimers).toBeGreaterThan(0);

  await net.close();
  expect(net.network.pendingTimers).toBe(0);
  for (const node of net.nodes) {
    expect(node.status).toBe('CLOSED');
    for (const a of actorsOf(node)) expect(['stopped', 'done']).toContain(a.getSnapshot().status);
  }
  // What is still queued is datagrams on the wire, dropped on arrival at closed endpoints.
  const timersBefore = net.network.stats.timers;
  net.runUntilIdle(1_000_000);
  expect(net.network.pending).toBe(0);
  expect(net.network.stats.timers).toBe(timersBefore);
  // Every promise a caller holds is settled: locates and pings fail (or had finished), none hangs.
  await Promise.all([...locates, ...pings]);
  expect(await leftOver(before)).toEqual({});
}, 60_000);

test('60 UDP nodes in a mesh, closed, leave no socket or timer in the process', async () => {
  const before = await baseline();
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < 60; i++) nodes.push(await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 } }));
  await introduceAll(nodes);
  const during = resources();
  expect(during.UDPWrap ?? 0).toBeGreaterThanOrEqual((before.UDPWrap ?? 0) + 60);
  for (let i = 0; i < 300; i++) nodes[rng.int(60)].route(nodes[rng.int(60)].guid, `u${i}`);
  nodes[0].publish(Guid.random(() => rng.int(256)));
  const pings = nodes.slice(0, 30).map((node, i) => node.ping(nodes[i + 30].address).catch((e: unknown) => e));
  await new Promise((r) => setTimeout(r, 50));
  await Promise.all(nodes.map((node) => node.close()));
  await Promise.all(pings);
  for (const node of nodes) for (const a of actorsOf(node)) expect(['stopped', 'done']).toContain(a.getSnapshot().status);
  // Socket close completes on later turns of the event loop.
  expect(await leftOver(before)).toEqual({});
}, 60_000);
