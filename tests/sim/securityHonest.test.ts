/**
 * An honest network with the `signed` provider works as one with `none`: built by joins it has
 * consistent tables, every exact route reaches its node, and published objects are located. Every
 * admission went through a proof, and nothing was refused.
 */
import { DEFAULTS } from '../../defaults';
import { createTestnet } from '../../testing/testnet';
import type { TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { collect } from '../helpers/collect';
import { countHoles, wrongRoots } from '../helpers/meshChecks';
import { recordDeliveries } from '../helpers/recorder';
import { SecureJoinNet } from '../helpers/signedNet';

/** Routes from a random node to every node exactly; returns how many arrived at the right node. */
function routeToEveryNode(nodes: readonly TapestryNode[], run: (ms: number) => void, rng: SeededRng): number {
  const got = recordDeliveries(nodes, 9);
  nodes.forEach((n, i) => nodes[rng.int(nodes.length)].route(n.guid, `${i}`, { module: 9 }));
  run(30_000);
  return got.filter((d) => Number(d.text) === d.at && !d.ttlExpired).length;
}

/** Publishes `count` objects at random nodes and locates each from another; returns how many were found at their publisher. */
async function publishAndLocate(nodes: readonly TapestryNode[], run: (ms: number) => void, rng: SeededRng, count: number): Promise<number> {
  const objects = Array.from({ length: count }, (_, i) => ({ guid: Guid.fromName(`signed object ${i}`), server: rng.int(nodes.length) }));
  for (const o of objects) nodes[o.server].publish(o.guid);
  run(5_000);
  const pending = objects.map((o) => ({ o, done: collect(nodes[rng.int(nodes.length)].locate(o.guid)) }));
  run(20_000);
  let found = 0;
  for (const { o, done } of pending) {
    const { results } = await done;
    if (results.length === 1 && results[0].server.guid.equals(nodes[o.server].guid)) found++;
  }
  return found;
}

test('200 signed nodes joining one at a time: consistent tables, exact routes to every node, locates', async () => {
  const net = new SecureJoinNet(41, 'signed', { repairMs: 0, heartbeatMs: 0 });
  await net.joinOneByOne(200, 300);
  net.run(5_000);
  expect(net.nodes.every((n) => n.status === 'ACTIVE')).toBe(true);
  expect(countHoles(net.nodes)).toBe(0);
  const rng = new SeededRng(8);
  expect(wrongRoots(net.nodes, rng, 20)).toEqual({ walks: 4_000, wrong: 0 });
  const run = (ms: number) => net.run(ms);
  expect(routeToEveryNode(net.nodes, run, rng)).toBe(200);
  expect(await publishAndLocate(net.nodes, run, rng, 50)).toBe(50);
  const security = net.nodes.map((n) => n.stats.security);
  expect(security.every((s) => s.provider === 'signed')).toBe(true);
  expect(security.reduce((s, x) => s + x.peersProven, 0)).toBeGreaterThan(200);
  expect(security.reduce((s, x) => s + x.forgedCredentials + x.forgedRecords + x.unsignedRecords + x.replayedRecords, 0)).toBe(0);
  await net.close();
}, 300_000);

test('a signed joined mesh repeats exactly with the same seed', async () => {
  const build = async () => {
    const net = new SecureJoinNet(42, 'signed', { repairMs: 0, heartbeatMs: 0 });
    await net.joinOneByOne(30, 300);
    const snapshot = net.nodes.map((n) => `${n.guid.hex}:${[...n.table.neighbours()].map((h) => h.guid.hex).sort().join(',')}`);
    await net.close();
    return snapshot;
  };
  expect(await build()).toEqual(await build());
}, 120_000);

test('createTestnet with security signed: 200 nodes, exact routes to every node, locates', async () => {
  const net = await createTestnet({ nodes: 200, frozen: true, seed: 9, security: 'signed' });
  const rng = new SeededRng(10);
  const run = (ms: number) => void net.run(ms);
  expect(routeToEveryNode(net.nodes, run, rng)).toBe(200);
  expect(await publishAndLocate(net.nodes, run, rng, 50)).toBe(50);
  expect(net.nodes.every((n) => n.stats.security.provider === 'signed')).toBe(true);
  await net.close();
}, 120_000);

test('heartbeats to neighbours that already proved their GUIDs ask for no new proof; they still detect nothing wrong', async () => {
  const net = new SecureJoinNet(43, 'signed', { repairMs: 0, heartbeatMs: 1_000 });
  await net.joinOneByOne(30, 300);
  net.run(3_000);
  const total = (pick: (n: TapestryNode) => number) => net.nodes.reduce((s, n) => s + pick(n), 0);
  const challengedBefore = total((n) => n.stats.router.pingsChallenged);
  const answeredBefore = total((n) => n.stats.router.pingsAnswered);
  net.run(10_000);
  const answered = total((n) => n.stats.router.pingsAnswered) - answeredBefore;
  // Ten seconds of checks (every neighbour is quiet for 1 s, so each node checks at its budget's
  // rate): hundreds of pings, none of them a challenge.
  expect(answered).toBeGreaterThan(0.8 * 10 * 30 * DEFAULTS.maintenanceBudgetPerSec);
  expect(total((n) => n.stats.router.pingsChallenged) - challengedBefore).toBe(0);
  expect(total((n) => n.stats.membership.failuresDetected)).toBe(0);
  expect(net.nodes.every((n) => n.status === 'ACTIVE')).toBe(true);
  await net.close();
}, 120_000);
