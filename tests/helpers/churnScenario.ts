/**
 * Churn as in the Tapestry paper (JSAC 2004 §V-C.3): Poisson arrivals, exponential lifetimes, over
 * 30 virtual minutes on top of a stable core. Routes go between nodes that are up (and have been
 * ACTIVE for a few seconds) and stay up while the message travels; locates look for objects whose
 * servers stay up. Both must succeed at ≥ 99.9%.
 *
 * One scenario per test file (tests/sim/churn*.test.ts), so that test workers run them side by side.
 */
import type { TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { JoinNet } from './joinNet';

function exponential(rng: SeededRng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/** Runs one churn scenario (arrivals every `arrivalMs` on average, mean lifetime `lifetimeMs`) and checks it. */
export async function churnScenario(arrivalMs: number, lifetimeMs: number): Promise<void> {
  const net = new JoinNet(arrivalMs);
  const rng = new SeededRng(arrivalMs).fork('churn');
  await net.joinOneByOne(60, 1_500);
  net.run(20_000);
  const core = net.nodes.length;
  const objects = Array.from({ length: 20 }, (_, i) => ({ guid: Guid.fromName(`churn ${i}`), server: rng.int(core) }));
  for (const o of objects) net.nodes[o.server].publish(o.guid);
  net.run(5_000);

  const deathAt = new Map<TapestryNode, number>();
  const activeSince = new Map<TapestryNode, number>();
  const got = new Map<string, number>();
  net.nodes.forEach((n) => activeSince.set(n, 0));
  const watch = (n: TapestryNode) => {
    n.register({ id: 9, name: 'probe', deliver: (d) => got.set(Buffer.from(d.payload).toString(), net.nodes.indexOf(n)) });
  };
  net.nodes.forEach(watch);

  const end = net.now + 30 * 60_000;
  let nextArrival = net.now + exponential(rng, arrivalMs);
  let routes = 0;
  let routed = 0;
  let locates = 0;
  let located = 0;
  const pendingRoutes: Array<{ id: string; dst: number; checkAt: number }> = [];
  const pendingLocates: Array<{ done: Promise<boolean>; }> = [];
  while (net.now < end) {
    // Arrivals and deaths of the churning nodes.
    while (nextArrival <= net.now) {
      const up = net.nodes.filter((n) => n.status === 'ACTIVE');
      const node = await net.add(up[rng.int(up.length)]);
      watch(node);
      deathAt.set(node, net.now + exponential(rng, lifetimeMs));
      nextArrival += exponential(rng, arrivalMs);
    }
    for (const [node, at] of deathAt) {
      if (at <= net.now) {
        deathAt.delete(node);
        net.network.setDown(net.nodes.indexOf(node), true); // a crash: no leave notice
        await node.close();
      }
    }
    for (const n of net.nodes) if (n.status === 'ACTIVE' && !activeSince.has(n)) activeSince.set(n, net.now);
    // Probes: two routes and one locate a second between nodes that are up.
    const eligible = net.nodes
      .map((n, i) => ({ n, i }))
      .filter(({ n }) => n.status === 'ACTIVE' && net.now - (activeSince.get(n) ?? Infinity) >= 5_000 && (deathAt.get(n) ?? Infinity) > net.now + 10_000);
    for (let k = 0; k < 2; k++) {
      const src = eligible[rng.int(eligible.length)];
      const dst = eligible[rng.int(eligible.length)];
      const id = `r${routes++}`;
      src.n.route(dst.n.guid, id, { module: 9 });
      pendingRoutes.push({ id, dst: dst.i, checkAt: net.now + 5_000 });
    }
    const o = objects[rng.int(objects.length)];
    const client = eligible[rng.int(eligible.length)].n;
    locates++;
    pendingLocates.push({
      done: (async () => {
        for await (const r of client.locate(o.guid)) return r.server.guid.equals(net.nodes[o.server].guid);
        return false;
      })().catch(() => false),
    });
    net.run(1_000);
    await Promise.resolve();
    for (let i = pendingRoutes.length - 1; i >= 0; i--) {
      if (pendingRoutes[i].checkAt > net.now) continue;
      if (got.get(pendingRoutes[i].id) === pendingRoutes[i].dst) routed++;
      pendingRoutes.splice(i, 1);
    }
  }
  net.run(10_000);
  for (const p of pendingRoutes) if (got.get(p.id) === p.dst) routed++;
  for (const p of pendingLocates) if (await p.done) located++;
  console.log(`churn (${arrivalMs / 1000} s / ${lifetimeMs / 60_000} min): routes ${routed}/${routes}, locates ${located}/${locates}, nodes at the end ${net.nodes.filter((n) => n.status === 'ACTIVE').length}`);
  expect(routed / routes).toBeGreaterThanOrEqual(0.999);
  expect(located / locates).toBeGreaterThanOrEqual(0.999);
  await net.close();
}
