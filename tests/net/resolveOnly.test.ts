/**
 * A resolve-only node over real UDP sockets on 127.0.0.1, under the default `signed` provider (its
 * gateways prove their GUIDs to it): four full nodes joined through the first one's address, and a
 * resolve-only node whose bootstrap lists the first two. Its exact and fuzzy requests are answered
 * by the node holding the GUID and by the brute-force root over the full nodes; it locates what a
 * full node published; no full node lists it anywhere; when its gateway closes, the next carries on.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { routingTableOf } from '../../api/internals';
import { ResolveOnlyError } from '../../errors';
import { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { until } from '../helpers/until';
import { formatAddress } from '../../transport/addressText';

const rng = new SeededRng(9);
const full: TapestryNode[] = [];
let ro: TapestryNode;
const udp = { family: 4, host: '127.0.0.1', port: 0 } as const;

beforeAll(async () => {
  full.push(await createNode({ transport: udp }));
  for (let i = 0; i < 3; i++) full.push(await createNode({ transport: udp, bootstrap: [full[0].address], joinRetryMs: 300 }));
  await until(() => full.every((n) => n.status === 'ACTIVE' && n.table.size === full.length - 1), 15_000);
  for (const n of full) n.register({ id: 0, name: 'who', deliver: (d) => (d.request ? n.guid.hex : undefined) });
  ro = await createNode({ transport: udp, resolveOnly: true, bootstrap: [full[0].address, full[1].address], joinRetryMs: 300 });
  await ro.whenStatus('ACTIVE');
}, 30_000);
afterAll(() => Promise.all([...full, ro].map((n) => n.close())));

const live = () => full.filter((n) => n.status !== 'CLOSED');
const rootOf = (dest: Guid) => {
  const nodes = live();
  return nodes[bruteForceRoot(nodes.map((n) => n.guid), dest, ro.space)];
};

async function checkRequests(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dest = Guid.random(() => rng.int(256), 160);
    const fuzzy = await ro.request(dest, 'who', { fuzzy: true, timeoutMs: 5_000 });
    expect(Buffer.from(fuzzy.payload).toString()).toBe(rootOf(dest).guid.hex);
    const target = live()[i % live().length];
    const exact = await ro.request(target.guid, 'who', { timeoutMs: 5_000 });
    expect(exact.from.guid.hex).toBe(target.guid.hex);
  }
}

test('requests and locates through the gateway over UDP; no full node lists the resolve-only node', async () => {
  expect(ro.stats.resolveOnly.gateways).toEqual([full[0], full[1]].map((n) => formatAddress(n.handle.address)));
  await checkRequests(8);
  const object = Guid.fromName('udp-object');
  full[2].publish(object);
  let found: string[] = [];
  // The publish takes a few datagrams to reach the salted roots: tried again, spaced, until it is there.
  for (let tries = 0; tries < 40 && found.length === 0; tries++) {
    try {
      for await (const r of ro.locate(object)) found.push(r.server.guid.hex);
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  expect(found).toEqual([full[2].guid.hex]);
  expect(() => ro.publish(object)).toThrow(ResolveOnlyError);
  for (const n of full) {
    const t = routingTableOf(n);
    const all = [...t.neighbours(), ...t.backpointers(), ...n.leafSet.smaller, ...n.leafSet.larger];
    expect(all.filter((h) => h.guid.equals(ro.guid))).toEqual([]);
  }
  expect(ro.stats.resolveOnly.refusedAsHop).toBe(0);
}, 60_000);

test('its gateway closes: the next bootstrap address carries its requests', async () => {
  await full[0].close();
  // The first request after the close finds out (an unacknowledged hop) and fails over; all are answered.
  await checkRequests(5);
  expect(ro.stats.resolveOnly.gatewaysLost).toBeGreaterThanOrEqual(1);
  expect(ro.stats.resolveOnly.gateways![0]).toBe(formatAddress(full[1].handle.address));
}, 60_000);
