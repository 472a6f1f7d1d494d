/**
 * The DHT tier on a 1,000-node simulated mesh (repair, heartbeats and hop acknowledgements on): 1,000
 * keys put from random nodes are all read back, with their values, from other random nodes; after 20%
 * of the nodes crash and 60 virtual seconds pass they still are. A value over the limit, a key of the
 * wrong width and an older record get named errors, and the older record is never served. The oracle
 * is the map of what was put.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { dht, type Dht } from '../../upcalls/dht';
import { SeededRng } from '../../sim/random';
import { Guid } from '../../routing/guid';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, MessageTooLargeError } from '../../errors';
import { MODULE_IDS } from '../../upcalls/moduleIds';
import type { ModuleContext } from '../../upcalls/contract';
import { saltedRoot } from '../../location/saltedRoots';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';
import type { DhtMsg } from '../../upcalls/dht/messages';

const N = 1_000;
const KEYS = 1_000;
let net: Testnet;
let d: Dht[];
const rng = new SeededRng(18);
const down = new Set<number>();
/** The node with a raw module under the DHT's id (it runs no DHT of its own). */
const RAW = N - 1;
/** Share of findProviders calls whose first provider is the nearest by the latency model: measured 0.68 (34 of 50, after the 20% crash); the floor sits just under. */
const NEAREST_FLOOR = 0.64;
let raw: ModuleContext;
const rawGot: DhtMsg[] = [];

async function advance(ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    net.run(Math.min(step, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

async function settle<T>(p: Promise<T>, ms = 120_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += 200) await advance(200);
  return watched;
}

const live = () => {
  let i = rng.int(N - 1);
  while (down.has(i)) i = rng.int(N - 1);
  return i;
};

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 18 });
  d = net.nodes.slice(0, RAW).map((n) => n.register(dht()));
  net.nodes[RAW].register({
    id: MODULE_IDS.dht, name: 'raw', attach: (ctx) => void (raw = ctx),
    deliver: (m) => void rawGot.push(decodeDht(m.payload, { idBytes: 20 })),
  });
  await advance(2_000);
}, 120_000);
afterAll(() => net.close());

describe('1,000 keys on 1,000 nodes', () => {
  const values = new Map<string, string>();

  test('every key put from a random node is read back from other random nodes', async () => {
    const puts = [];
    for (let k = 0; k < KEYS; k++) {
      values.set(`key-${k}`, `value-${k}-${rng.int(1e9)}`);
      puts.push(d[live()].putValue(`key-${k}`, values.get(`key-${k}`)!));
    }
    const stored = await settle(Promise.allSettled(puts), 300_000);
    expect(stored.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const gets = [...values.keys()].map((k) => d[live()].getValue(k));
    const got = await settle(Promise.allSettled(gets), 300_000);
    const wrong = [...values.entries()].filter(([, v], i) => got[i].status !== 'fulfilled' || new TextDecoder().decode((got[i] as PromiseFulfilledResult<{ value: Uint8Array }>).value.value) !== v);
    expect(wrong.map(([k]) => k)).toEqual([]);
    // Every salted root holds its copy; replicas add more (a node that left a replica set keeps its copy until it lapses).
    const held = d.reduce((s, x) => s + x.stats().records, 0);
    expect(held).toBeGreaterThanOrEqual(KEYS * DEFAULTS.dhtSalts);
  }, 600_000);

  test('a popular key: gets are answered on the path from copies cached outward from the roots, every answer right', async () => {
    const before = d.reduce((s, x) => s + x.stats().answeredOnPath, 0);
    for (let round = 0; round < 3; round++) {
      const got = await settle(Promise.all(Array.from({ length: 200 }, () => d[live()].getValue('key-7'))));
      for (const g of got) expect(new TextDecoder().decode(g.value)).toBe(values.get('key-7'));
    }
    expect(d.reduce((s, x) => s + x.stats().answeredOnPath, 0)).toBeGreaterThan(before);
    expect(d.reduce((s, x) => s + x.stats().cached, 0)).toBeGreaterThan(0);
  }, 300_000);

  test('after 20% of the nodes crash and 60 s, every key is still readable', async () => {
    while (down.size < N / 5) {
      const i = rng.int(N - 1);
      if (down.has(i)) continue;
      down.add(i);
      net.network.setDown(i, true);
    }
    await advance(60_000);
    const keys = [...values.keys()];
    const got = await settle(Promise.allSettled(keys.map((k) => d[live()].getValue(k))), 300_000);
    const lost = keys.filter((k, i) => got[i].status !== 'fulfilled' || new TextDecoder().decode((got[i] as PromiseFulfilledResult<{ value: Uint8Array }>).value.value) !== values.get(k));
    expect(lost).toEqual([]);
  }, 600_000);
});

test('a value over the limit and a key of the wrong width are refused by name', async () => {
  const at = live();
  await expect(d[at].putValue('big', new Uint8Array(DEFAULTS.dhtMaxValueBytes + 1))).rejects.toBeInstanceOf(MessageTooLargeError);
  await expect(d[at].getValue(Guid.fromName('wide', 256))).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(d[at].putValue('empty', '')).rejects.toBeInstanceOf(InvalidArgumentError);
});

test('an older record is refused by the roots and never served', async () => {
  const writer = live();
  await settle(d[writer].putValue('versioned', 'first'));
  await settle(d[writer].putValue('versioned', 'second'));
  const key = d[writer].keyGuid('versioned');
  const current = await settle(d[live()].getValue(key));
  expect(new TextDecoder().decode(current.value)).toBe('second');
  // A put of version 1 (older than the held one), crafted by the raw node for every salted root.
  for (let salt = 0; salt < DEFAULTS.dhtSalts; salt++) {
    raw.route(saltedRoot(key, salt), encodeDht({
      kind: 'put', key, salt, requestId: 7 + salt, requester: raw.self,
      record: { value: new TextEncoder().encode('stale'), seq: 1, publisher: current.publisher, ttlMs: 60_000 },
    }), { fuzzy: true });
  }
  await advance(5_000);
  const acks = rawGot.filter((m) => m.kind === 'ack' && m.key.equals(key));
  expect(acks.map((a) => a.status)).toEqual(Array(DEFAULTS.dhtSalts).fill('older'));
  for (let i = 0; i < 5; i++) expect(new TextDecoder().decode((await settle(d[live()].getValue(key, { quorum: DEFAULTS.dhtSalts }))).value)).toBe('second');
});

describe('providers and peers', () => {
  test('findProviders yields every provider (brute force over who provided), the nearest first in a measured share', async () => {
    const providers = new Set<number>();
    // Within what a salted root keeps per object (DEFAULTS.maxPointersPerObject, 16): every provider is findable.
    while (providers.size < 12) providers.add(live());
    await settle(Promise.all([...providers].map((p) => d[p].provide('movie'))));
    await advance(5_000); // the publishes reach the roots
    let nearestFirst = 0;
    const ASKS = 50;
    // Its own draws, so the share does not move when other tests draw more or fewer.
    const asks = new SeededRng(1812);
    for (let q = 0; q < ASKS; q++) {
      let from = asks.int(N - 1);
      while (down.has(from)) from = asks.int(N - 1);
      const found: number[] = [];
      await settle((async () => {
        for await (const p of d[from].findProviders('movie', { count: 16 })) found.push(net.indexOf(p.peer.guid)!);
      })());
      expect(new Set(found)).toEqual(providers);
      expect(found).toHaveLength(providers.size);
      const best = Math.min(...[...providers].map((p) => net.latency(from, p)));
      if (net.latency(from, found[0]) === best) nearestFirst++;
    }
    expect(nearestFirst / ASKS).toBeGreaterThanOrEqual(NEAREST_FLOOR);
    await settle(Promise.all([...providers].map((p) => d[p].unprovide('movie'))));
  }, 300_000);

  test('findPeer answers a node\'s own handle, ping a round trip; a GUID no node holds is not found', async () => {
    const from = live();
    const target = live();
    const peer = await settle(d[from].findPeer(net.nodes[target].guid));
    expect(peer.guid.equals(net.nodes[target].guid)).toBe(true);
    expect(peer.address).toEqual(net.nodes[target].handle.address);
    const rtt = await settle(d[from].ping(net.nodes[target].guid.hex));
    expect(rtt).toBeGreaterThan(0);
    await expect(settle(d[from].findPeer(Guid.fromName('nobody holds this')))).rejects.toThrow(/no node/);
  }, 120_000);
});
