/** Object location over real UDP sockets on loopback: 10 nodes publish, locate, unpublish. */
import { createNode, type TapestryNode } from '../../api/node';
import { introduceAll } from '../../api/introduce';
import { NotFoundError } from '../../errors';
import { Guid } from '../../routing/guid';
import { collect } from '../helpers/collect';

let nodes: TapestryNode[];

beforeAll(async () => {
  nodes = [];
  for (let i = 0; i < 10; i++) nodes.push(await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, locateAttemptTimeoutMs: 1_000 }));
  await introduceAll(nodes);
});
afterAll(() => Promise.all(nodes.map((n) => n.close())));

const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));

test('published objects are located from every node, with N replicas and tag queries', async () => {
  const objects = Array.from({ length: 20 }, (_, i) => ({ guid: Guid.fromName(`udp object ${i}`), servers: [i % 10, (i * 3 + 1) % 10], tag: `t${i % 3}` }));
  // Changed by design (object ownership, on by default under `signed`): two independent servers of one
  // object publish it open; otherwise the first would own it and the second would need its grant.
  for (const o of objects) for (const s of new Set(o.servers)) nodes[s].publish(o.guid, { tag: o.tag, owner: false });
  await settle();
  for (const o of objects) {
    const servers = new Set(o.servers.map((s) => nodes[s].guid.hex));
    for (const client of nodes) {
      const one = await collect(client.locate(o.guid));
      expect(one.error).toBeUndefined();
      expect(servers.has(one.results[0].server.guid.hex)).toBe(true);
    }
    const all = await collect(nodes[0].locate(o.guid, { replicas: servers.size, query: o.tag }));
    expect(new Set(all.results.map((r) => r.server.guid.hex))).toEqual(servers);
    const wrong = await collect(nodes[0].locate(o.guid, { query: 'no such tag' }));
    expect(wrong.error).toBeInstanceOf(NotFoundError);
  }
});

test('sendToObject reaches a replica, and an unpublished object is no longer found', async () => {
  const o = Guid.fromName('udp withdrawn object');
  nodes[7].publish(o);
  await settle();
  const got: string[] = [];
  const off = nodes[7].register({ id: 5, name: 'sink', deliver: (d) => got.push(Buffer.from(d.payload).toString()) });
  const reached = await nodes[2].sendToObject(o, 'over udp', { module: 5 });
  expect(reached.map((r) => r.server.guid.hex)).toEqual([nodes[7].guid.hex]);
  await settle(50);
  expect(got).toEqual(['over udp']);
  off();
  nodes[7].unpublish(o);
  await settle();
  expect(nodes.every((n) => n.localLookup(o).length === 0)).toBe(true);
  expect((await collect(nodes[3].locate(o))).error).toBeInstanceOf(NotFoundError);
});
