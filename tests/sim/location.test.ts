/**
 * Object location on a 1,000-node simulated mesh: publish, locate (nearest replica, N replicas,
 * tag queries), unpublish, soft-state expiry and republish, salted-root fallback, NotFound, abort.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import type { LocateResult } from '../../api/node';
import { DEFAULTS } from '../../defaults';
import { AbortedError, NotFoundError } from '../../errors';
import { Guid } from '../../routing/guid';
import { saltedRoot } from '../../location/saltedRoots';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { collect } from '../helpers/collect';

const N = 1000;
const rng = new SeededRng(77);
let net: Testnet;

beforeAll(async () => {
  net = await createTestnet({ nodes: N, frozen: true, seed: 13 });
});
afterAll(() => net.close());

const idx = (r: LocateResult) => net.indexOf(r.server.guid)!;
const randomObject = () => Guid.random(() => rng.int(256));
/** Distinct random node indices. */
function pick(k: number): number[] {
  const set = new Set<number>();
  while (set.size < k) set.add(rng.int(N));
  return [...set];
}

describe('1,000 objects with 1 to 5 replicas', () => {
  const objects: Array<{ guid: Guid; servers: number[]; tag: string }> = [];
  beforeAll(() => {
    for (let i = 0; i < 1000; i++) {
      const o = { guid: randomObject(), servers: pick(1 + rng.int(5)), tag: i % 2 ? 'even' : 'odd' };
      objects.push(o);
      for (const s of o.servers) net.nodes[s].publish(o.guid, { tag: o.tag });
    }
    net.run(5_000);
  });

  test('every object is located, and the nearest replica is returned in most locates', async () => {
    const pending = objects.map((o) => {
      const client = rng.int(N);
      return { o, client, done: collect(net.nodes[client].locate(o.guid)) };
    });
    net.run(20_000);
    let nearest = 0;
    for (const { o, client, done } of pending) {
      const { results, error } = await done;
      expect(error).toBeUndefined();
      expect(results).toHaveLength(1);
      expect(o.servers).toContain(idx(results[0]));
      const best = Math.min(...o.servers.map((s) => net.latency(client, s)));
      if (net.latency(client, idx(results[0])) <= best + 1e-9) nearest++;
    }
    const share = nearest / pending.length;
    console.log(`nearest replica returned in ${(100 * share).toFixed(1)}% of 1,000 locates`);
    // Measured: 85.1% (seed 13, all three salted roots tried at once). The floor sits just under it.
    expect(share).toBeGreaterThanOrEqual(0.83);
  });

  test('replicas: N reaches N distinct replicas, nearest first', async () => {
    const multi = objects.filter((o) => o.servers.length >= 3).slice(0, 100);
    const pending = multi.map((o) => ({ o, done: collect(net.nodes[rng.int(N)].locate(o.guid, { replicas: o.servers.length })) }));
    net.run(30_000);
    for (const { o, done } of pending) {
      const { results, error } = await done;
      expect(error).toBeUndefined();
      expect(new Set(results.map(idx))).toEqual(new Set(o.servers));
    }
  });

  test('a query only ever matches replicas with that tag', async () => {
    const sample = objects.slice(0, 200);
    const pending = sample.map((o) => ({
      o,
      right: collect(net.nodes[rng.int(N)].locate(o.guid, { query: o.tag })),
      wrong: collect(net.nodes[rng.int(N)].locate(o.guid, { query: o.tag === 'odd' ? 'even' : 'odd' })),
    }));
    net.run(30_000);
    for (const p of pending) {
      const right = await p.right;
      expect(right.results.map((r) => r.tag)).toEqual([p.o.tag]);
      const wrong = await p.wrong;
      expect(wrong.results).toHaveLength(0);
      expect(wrong.error).toBeInstanceOf(NotFoundError);
    }
  });

  test('sendToObject delivers to the nearest replica, or to the N nearest', async () => {
    const got: Array<{ at: number; text: string }> = [];
    const unregister = net.nodes.map((n, at) => n.register({ id: 3, name: 'obj', deliver: (d) => got.push({ at, text: Buffer.from(d.payload).toString() }) }));
    const o = objects.find((x) => x.servers.length >= 3)!;
    const one = net.nodes[0].sendToObject(o.guid, 'hello replica', { module: 3 });
    const three = net.nodes[1].sendToObject(o.guid, 'hello all', { module: 3, replicas: 3 });
    net.run(20_000);
    const [r1, r3] = await Promise.all([one, three]);
    expect(got.filter((g) => g.text === 'hello replica').map((g) => g.at)).toEqual([idx(r1[0])]);
    expect(new Set(got.filter((g) => g.text === 'hello all').map((g) => g.at))).toEqual(new Set(r3.map(idx)));
    expect(r3).toHaveLength(3);
    unregister.forEach((u) => u());
  });
});

test('an object nobody published ends in NotFound promptly, not by timeout', async () => {
  const start = net.now;
  let endedAt = -1;
  const done = collect(net.nodes[4].locate(randomObject())).then((r) => ((endedAt = net.now), r));
  for (let t = 0; t < 100 && endedAt < 0; t++) {
    net.run(50);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
  const { error } = await done;
  expect(error).toBeInstanceOf(NotFoundError);
  expect(endedAt - start).toBeLessThan(DEFAULTS.locateAttemptTimeoutMs);
});

test('an aborted locate ends with AbortedError', async () => {
  const ctrl = new AbortController();
  const done = collect(net.nodes[5].locate(randomObject(), { signal: ctrl.signal }));
  ctrl.abort();
  net.run(5_000);
  expect((await done).error).toBeInstanceOf(AbortedError);
  const pre = new AbortController();
  pre.abort();
  expect((await collect(net.nodes[5].locate(randomObject(), { signal: pre.signal }))).error).toBeInstanceOf(AbortedError);
});

test('after unpublish no node holds a pointer to the withdrawn replica, and locate never returns it', async () => {
  const o = randomObject();
  const [keep, gone] = pick(2);
  net.nodes[keep].publish(o);
  net.nodes[gone].publish(o);
  net.run(5_000);
  const holders = () => net.nodes.filter((n) => n.localLookup(o).some((p) => p.server.guid.equals(net.nodes[gone].guid))).length;
  expect(holders()).toBeGreaterThan(0);
  net.nodes[gone].unpublish(o);
  net.run(5_000);
  expect(holders()).toBe(0);
  const pending = Array.from({ length: 50 }, () => collect(net.nodes[rng.int(N)].locate(o)));
  net.run(20_000);
  for (const p of pending) expect((await p).results.map(idx)).toEqual([keep]);
});

describe('soft state', () => {
  test('without republish, pointers expire; with republish, they stay', async () => {
    const soft = await createTestnet({ nodes: 200, frozen: true, seed: 3, node: { republishMs: 0, pointerLifetimeMs: 20_000 } });
    const kept = await createTestnet({ nodes: 200, frozen: true, seed: 3, node: { republishMs: 8_000, pointerLifetimeMs: 20_000 } });
    const o = Guid.fromName('soft-state object');
    for (const t of [soft, kept]) t.nodes[17].publish(o);
    for (const t of [soft, kept]) t.run(1_000);
    const holding = (t: Testnet) => t.nodes.filter((n) => n.localLookup(o).length > 0).length;
    expect(holding(soft)).toBeGreaterThan(3);
    for (const t of [soft, kept]) t.run(20_000 + DEFAULTS.pointerSweepMs);
    expect(holding(soft)).toBe(0);
    expect(soft.nodes.reduce((s, n) => s + n.stats.location.pointers, 0)).toBe(0);
    expect(holding(kept)).toBeGreaterThan(3);
    const found = collect(kept.nodes[99].locate(o));
    kept.run(5_000);
    expect((await found).results.map((r) => kept.indexOf(r.server.guid))).toEqual([17]);
    await Promise.all([soft.close(), kept.close()]);
  });
});

test.each([
  ['one root at a time (fanout 1): the dead root times out, the next salt answers', 1],
  ['all roots at once (fanout 3): the live roots answer', 3],
])('a failed salted root is covered by another: %s', async (_, fanout) => {
  const t = await createTestnet({ nodes: 300, frozen: true, seed: 21, node: { locateFanout: fanout } });
  const guids = t.nodes.map((n) => n.guid);
  const o = Guid.fromName('object whose first root dies');
  const server = 10;
  t.nodes[server].publish(o);
  t.run(2_000);
  const root0 = bruteForceRoot(guids, saltedRoot(o, 0), t.space);
  expect(root0).not.toBe(server);
  t.network.setDown(root0, true); // the root crashes: it neither sends nor receives
  const clients = Array.from({ length: 60 }, (_, i) => i).filter((i) => i !== root0 && i !== server);
  const pending = clients.map((c) => collect(t.nodes[c].locate(o)));
  t.run(4 * DEFAULTS.locateAttemptTimeoutMs);
  for (const p of pending) expect((await p).results.map((r) => t.indexOf(r.server.guid))).toEqual([server]);
  // One root at a time: some locates needed the root that died, and fell back to another salt.
  if (fanout === 1) expect(t.nodes.reduce((s, n) => s + n.stats.location.attemptsTimedOut, 0)).toBeGreaterThan(0);
  await t.close();
});
