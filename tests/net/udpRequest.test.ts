/**
 * node.request over real UDP sockets on 127.0.0.1: three nodes joined through the first one's
 * address; replies checked against SHA-256 of the request (computed again here) and the fuzzy one
 * against the brute-force root; a timeout on the wall clock, an abort, a GUID no node holds, and a
 * fragmented reply.
 */
import { createHash } from 'node:crypto';
import { createNode, type TapestryNode } from '../../api/node';
import { AbortedError, NoSuchNodeError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { until } from '../helpers/until';

const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const rng = new SeededRng(4);
const nodes: TapestryNode[] = [];

beforeAll(async () => {
  const udp = { family: 4, host: '127.0.0.1', port: 0 } as const;
  nodes.push(await createNode({ transport: udp }));
  for (let i = 0; i < 2; i++) nodes.push(await createNode({ transport: udp, bootstrap: [nodes[0].address], joinRetryMs: 300 }));
  await until(() => nodes.every((n) => n.status === 'ACTIVE' && n.table.size === nodes.length - 1), 10_000);
  for (const node of nodes) {
    node.register({
      id: 0, name: 'sha',
      deliver: (d) => {
        const text = Buffer.from(d.payload).toString();
        return text.startsWith('big:') ? Buffer.alloc(Number(text.slice(4)), text) : sha(d.payload);
      },
    });
    node.register({ id: 1, name: 'never', deliver: () => new Promise(() => {}) });
  }
}, 20_000);
afterAll(() => Promise.all(nodes.map((n) => n.close())));

test('exact and fuzzy requests get their reply over UDP', async () => {
  for (let i = 0; i < nodes.length; i++) {
    const to = nodes[(i + 1) % nodes.length];
    const payload = Buffer.from(`ping ${i}`);
    const reply = await nodes[i].request(to.guid, payload);
    expect(Buffer.from(reply.payload).equals(sha(payload))).toBe(true);
    expect(reply.from.guid.hex).toBe(to.guid.hex);
    // Direct neighbours: one hop, unless a hop acknowledgement missed its fixed timeout on a loaded
    // machine and the hop failed over through the third node (seen once in CI; issue 14's timers).
    expect(reply.hops).toBeGreaterThanOrEqual(1);
    expect(reply.hops).toBeLessThanOrEqual(nodes.length - 1);
    expect(reply.rttMs).toBeGreaterThanOrEqual(0);
  }
  const dest = Guid.random(() => rng.int(256), 160);
  const root = bruteForceRoot(nodes.map((n) => n.guid), dest, nodes[0].space);
  const reply = await nodes[1].request(dest, 'fuzzy', { fuzzy: true });
  expect(reply.from.guid.hex).toBe(nodes[root].guid.hex);
});

test('a 50 kB reply arrives whole over UDP', async () => {
  const reply = await nodes[2].request(nodes[0].guid, 'big:50000');
  expect(Buffer.from(reply.payload).equals(Buffer.alloc(50_000, 'big:50000'))).toBe(true);
  expect(nodes[0].stats.router.fragmentsSent).toBeGreaterThan(40);
});

test('no reply: TimeoutError after timeoutMs; abort: AbortedError; no such node: NoSuchNodeError', async () => {
  const started = Date.now();
  await expect(nodes[0].request(nodes[1].guid, 'x', { module: 1, timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  const ctl = new AbortController();
  const p = nodes[0].request(nodes[2].guid, 'x', { module: 1, signal: ctl.signal });
  setTimeout(() => ctl.abort(), 50);
  await expect(p).rejects.toBeInstanceOf(AbortedError);
  await expect(nodes[1].request(Guid.random(() => rng.int(256), 160), 'x', { timeoutMs: 3_000 })).rejects.toBeInstanceOf(NoSuchNodeError);
});
