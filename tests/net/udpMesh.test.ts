/**
 * Nodes on real UDP sockets in one process: 8 on 127.0.0.1 and 4 on ::1 route exact and fuzzy
 * messages; random and truncated datagrams are dropped and counted, and routing goes on.
 */
import { createSocket } from 'node:dgram';
import { createNode, type TapestryNode } from '../../api/node';
import { introduceAll } from '../../api/introduce';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { formatIp } from '../../transport/address';
import { encodeFrame } from '../../wire/codec';
import { WIRE_VERSION } from '../../routing/messages';
import { recordDeliveries, type Recorded } from '../helpers/recorder';
import { until } from '../helpers/until';

const rng = new SeededRng(21);

async function canBindV6(): Promise<boolean> {
  const s = createSocket('udp6');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => s.close(() => resolve(true)));
  });
}

async function meshOf(count: number, family: 4 | 6): Promise<TapestryNode[]> {
  const host = family === 4 ? '127.0.0.1' : '::1';
  const nodes: TapestryNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(await createNode({ transport: { family, host, port: 0 } }));
  await introduceAll(nodes);
  return nodes;
}

/**
 * How many of the other nodes node `i`'s table holds after a full introduction, by the slot rule
 * alone: a peer belongs in the slot (first hex digit where it differs from node i, its digit there),
 * and a slot keeps at most DEFAULTS.slotSize nodes. Computed on the GUIDs' hex strings, not by the table.
 */
function expectedTableSize(nodes: readonly TapestryNode[], i: number): number {
  const self = nodes[i].guid.hex;
  const slots = new Map<string, number>();
  for (const [j, n] of nodes.entries()) {
    if (j === i) continue;
    const hex = n.guid.hex;
    let level = 0;
    while (hex[level] === self[level]) level++;
    const slot = `${level}/${hex[level]}`;
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
  }
  let size = 0;
  for (const count of slots.values()) size += Math.min(count, DEFAULTS.slotSize);
  return size;
}

/** Routes sent per turn of the event loop: each hop's acknowledgement timer starts when its frame is queued. */
const ROUTES_PER_TURN = 20;

/** Sends exact and fuzzy routes between random nodes and checks where each one ended. */
async function checkRoutes(nodes: TapestryNode[], got: Recorded[], routes: number): Promise<void> {
  const guids = nodes.map((n) => n.guid);
  const expectAt = new Map<string, number>();
  for (let i = 0; i < routes; i++) {
    const dst = rng.int(nodes.length);
    expectAt.set(`e${i}`, dst);
    nodes[rng.int(nodes.length)].route(guids[dst], `e${i}`);
    const dest = Guid.random(() => rng.int(256));
    expectAt.set(`f${i}`, bruteForceRoot(guids, dest, nodes[0].space));
    nodes[rng.int(nodes.length)].route(dest, `f${i}`, { fuzzy: true });
    // Spread over turns of the event loop, as the junk below is: a burst of hundreds would queue
    // frames whose acknowledgement timers run while they still wait to be sent.
    if ((2 * (i + 1)) % ROUTES_PER_TURN === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await until(() => got.length >= 2 * routes);
  expect(got).toHaveLength(2 * routes);
  for (const d of got) expect(d.at).toBe(expectAt.get(d.text));
}

describe('UDP on 127.0.0.1', () => {
  let nodes: TapestryNode[];
  let got: Recorded[];
  beforeAll(async () => {
    nodes = await meshOf(8, 4);
    got = recordDeliveries(nodes);
  });
  afterAll(() => Promise.all(nodes.map((n) => n.close())));
  beforeEach(() => (got.length = 0));

  test('8 nodes route exact and fuzzy messages to the right nodes', async () => {
    // All 7 peers, unless more than slotSize of them share a slot (GUIDs come from fresh keys).
    expect(nodes[0].space.digitBits).toBe(4); // the oracle reads one digit per hex character
    expect(nodes.map((n) => n.table.size)).toEqual(nodes.map((_, i) => expectedTableSize(nodes, i)));
    await checkRoutes(nodes, got, 300);
  });

  test('random and truncated datagrams are dropped and counted, and the node keeps routing', async () => {
    const target = nodes[0];
    const sock = createSocket('udp4');
    const host = formatIp(target.address);
    const valid = encodeFrame({
      version: WIRE_VERSION, sender: nodes[1].handle, messageId: 1,
      body: { kind: 'route', route: { source: nodes[1].handle, dest: target.guid, fuzzy: false, ttl: 5, hops: 0, level: 0, moduleId: 0, payload: Buffer.from('ok') } },
    });
    const junk: Buffer[] = [];
    for (let i = 0; i < 300; i++) junk.push(Buffer.from(Array.from({ length: 1 + rng.int(1200) }, () => rng.int(256))));
    for (let cut = 1; cut < valid.length; cut++) junk.push(Buffer.from(valid.subarray(0, cut)));
    const errorCount = () => Object.values(target.stats.router.decodeErrors).reduce((a, b) => a + b, 0);
    const errorsBefore = errorCount();
    const receivedBefore = target.stats.transport.received;
    const framesBefore = target.stats.router.framesIn;
    // Sent in small batches so the loopback socket buffer never overflows.
    for (let i = 0; i < junk.length; i += 16) {
      for (const j of junk.slice(i, i + 16)) sock.send(j, target.address.port, host);
      await new Promise((r) => setImmediate(r));
    }
    // Other traffic (heartbeats, late acknowledgements) arrives too, so wait for the errors themselves.
    await until(() => errorCount() - errorsBefore >= junk.length, 5_000);
    await new Promise<void>((r) => sock.close(() => r()));
    // Late acknowledgements of earlier traffic may arrive too: at least the junk came in.
    expect(target.stats.transport.received - receivedBefore).toBeGreaterThanOrEqual(junk.length);
    expect(target.stats.router.framesIn - framesBefore).toBeGreaterThanOrEqual(junk.length);
    // None of this junk is a well-formed frame: every datagram is a counted decode error.
    expect(errorCount() - errorsBefore).toBe(junk.length);
    expect(target.status).toBe('ACTIVE');
    got.length = 0;
    await checkRoutes(nodes, got, 50);
  });
});

describe('UDP on ::1', () => {
  test('4 nodes route exact and fuzzy messages', async () => {
    if (!(await canBindV6())) {
      console.warn('IPv6 loopback unavailable on this machine: skipping the ::1 mesh');
      return;
    }
    const nodes = await meshOf(4, 6);
    try {
      expect(nodes.every((n) => n.address.family === 6)).toBe(true);
      const got = recordDeliveries(nodes);
      await checkRoutes(nodes, got, 100);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
