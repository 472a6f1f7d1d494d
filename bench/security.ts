/**
 * What the `signed` provider costs against `none`, measured in the same process on the same seeds:
 * join throughput (a mesh of N nodes built one join at a time: every admission is a challenge
 * signed and verified) and publish throughput (every hop of every salted path verifies the
 * publisher's signature). Simulated network, so the figures are CPU cost, not network time.
 */
import { createNode, type TapestryNode } from '../api/node';
import { createTestnet, seededIdentities, seededRandom } from '../testing/testnet';
import { Guid, idSpace } from '../routing/guid';
import { SeededRng } from '../sim/random';
import { SimNetwork } from '../transport/simNetwork';

type Security = 'none' | 'signed';
const QUIET = { repairMs: 0, heartbeatMs: 0, republishMs: 0 };

/** Builds an n-node mesh by joins; returns joins per wall-clock second. */
async function joinRate(n: number, security: Security, seed: number): Promise<number> {
  const network = new SimNetwork({ seed });
  const rng = new SeededRng(seed).fork('security-join');
  const ids = seededIdentities(n, idSpace(), new SeededRng(seed).fork('identities'));
  const nodes: TapestryNode[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const via = nodes.length ? nodes[rng.int(nodes.length)] : undefined;
    const node = await createNode({
      ...QUIET, transport: network.createTransport(), clock: network.clock, security, identity: ids[i],
      random: seededRandom(new SeededRng(seed).fork(`nonces-${i}`)), bootstrap: via ? [via.address] : undefined,
    });
    nodes.push(node);
    for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) network.run(network.clock.now() + 100);
    network.run(network.clock.now() + 500);
  }
  const ms = performance.now() - t0;
  const active = nodes.filter((x) => x.status === 'ACTIVE').length;
  await Promise.all(nodes.map((x) => x.close()));
  if (active !== n) throw new Error(`${security}: only ${active} of ${n} nodes became ACTIVE`);
  return (n * 1000) / ms;
}

/** Publishes `count` objects from random nodes of a static mesh; returns publishes per wall-clock second. */
async function publishRate(nodes: number, count: number, security: Security, seed: number): Promise<number> {
  const net = await createTestnet({ nodes, seed, security, frozen: true, node: { republishMs: 0 } });
  const rng = new SeededRng(seed).fork('security-publish');
  const t0 = performance.now();
  for (let i = 0; i < count; i++) net.nodes[rng.int(nodes)].publish(Guid.fromName(`bench object ${i}`));
  net.run(5_000);
  const ms = performance.now() - t0;
  const stored = net.nodes.reduce((s, x) => s + x.stats.location.pointersStored, 0);
  await net.close();
  if (stored === 0) throw new Error(`${security}: no pointer stored`);
  return (count * 1000) / ms;
}

/** Routes `count` messages between random nodes of a static mesh; returns routes per wall-clock second. */
async function routeRate(nodes: number, count: number, security: Security, seed: number): Promise<number> {
  const net = await createTestnet({ nodes, seed, security, frozen: true, node: { republishMs: 0 } });
  let delivered = 0;
  net.nodes.forEach((node) => node.register({ id: 0, name: 'bench', deliver: () => void delivered++ }));
  const rng = new SeededRng(seed).fork('security-route');
  const t0 = performance.now();
  for (let i = 0; i < count; i++) net.nodes[rng.int(nodes)].route(net.nodes[rng.int(nodes)].guid, 'x');
  net.run(5_000);
  const ms = performance.now() - t0;
  await net.close();
  if (delivered !== count) throw new Error(`${security}: ${delivered} of ${count} routes delivered`);
  return (count * 1000) / ms;
}

export async function benchSecurity(joinNodes = 300, meshNodes = 500, publishes = 2_000, seed = 3): Promise<Record<string, unknown>> {
  // Warm-up: module loading and JIT count against neither side.
  await joinRate(20, 'signed', seed + 1);
  await joinRate(20, 'none', seed + 1);
  const joinNone = await joinRate(joinNodes, 'none', seed);
  const joinSigned = await joinRate(joinNodes, 'signed', seed);
  const publishNone = await publishRate(meshNodes, publishes, 'none', seed);
  const publishSigned = await publishRate(meshNodes, publishes, 'signed', seed);
  const routeNone = await routeRate(meshNodes, publishes, 'none', seed);
  const routeSigned = await routeRate(meshNodes, publishes, 'signed', seed);
  const round = (x: number, d = 1) => Number(x.toFixed(d));
  return {
    joinNodes, meshNodes, publishes,
    joinsPerSecondNone: round(joinNone), joinsPerSecondSigned: round(joinSigned), joinRatio: round(joinSigned / joinNone, 3),
    publishesPerSecondNone: round(publishNone), publishesPerSecondSigned: round(publishSigned), publishRatio: round(publishSigned / publishNone, 3),
    routesPerSecondNone: round(routeNone), routesPerSecondSigned: round(routeSigned), routeRatio: round(routeSigned / routeNone, 3),
  };
}
