/**
 * A mesh built by joins repeats without the caller choosing GUIDs (issue 13): on a SimNetwork
 * endpoint, createNode draws a missing GUID (and, with `signed`, the key pair and nonces) from the
 * endpoint's seeded source instead of the OS. Oracle: a second run of the same script.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { SeededRng } from '../../sim/random';
import { SimNetwork } from '../../transport/simNetwork';

async function joinBuiltMesh(seed: number, security: 'none' | 'signed', count: number) {
  const net = new SimNetwork({ seed });
  const pick = new SeededRng(seed).fork('script');
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < count; i++) {
    const via = nodes.length ? nodes[pick.int(nodes.length)] : undefined;
    const node = await createNode({ transport: net.createTransport(), clock: net.clock, security, bootstrap: via && [via.address] });
    nodes.push(node);
    for (let t = 0; via && node.status !== 'ACTIVE' && t < 300; t++) net.run(net.now + 100);
    net.run(net.now + 2_000);
  }
  net.run(net.now + 20_000);
  const result = {
    guids: nodes.map((n) => n.guid.hex),
    statuses: nodes.map((n) => n.status),
    tables: nodes.map((n) => [...n.table.neighbours()].map((h) => h.guid.hex).sort()),
    stats: nodes.map((n) => ({ router: n.stats.router, membership: n.stats.membership, transport: n.stats.transport, security: n.stats.security })),
    network: { ...net.stats, dropped: { ...net.stats.dropped } },
  };
  await Promise.all(nodes.map((n) => n.close()));
  return result;
}

test.each(['none', 'signed'] as const)('two runs of a join-built mesh with no GUIDs given (%s) have the same GUIDs, tables and counts', async (security) => {
  const a = await joinBuiltMesh(21, security, 12);
  const b = await joinBuiltMesh(21, security, 12);
  expect(a.statuses.every((s) => s === 'ACTIVE')).toBe(true);
  expect(new Set(a.guids).size).toBe(12);
  expect(b.guids).toEqual(a.guids);
  expect(b.tables).toEqual(a.tables);
  expect(b.stats).toEqual(a.stats);
  expect(b.network).toEqual(a.network);
  // Another seed, other GUIDs: the source is the seed's, not a constant.
  const c = await joinBuiltMesh(22, security, 2);
  expect(c.guids).not.toEqual(a.guids.slice(0, 2));
});
