/**
 * The DRT key registry on a simulated 256-bit mesh (repair, heartbeats and hop acknowledgements on).
 * Oracles: the brute-force ring (a key's successor is the node with the smallest GUID ≥ key,
 * wrapping) for placement, and the pure core's search.ts over every registered key for searches:
 * random key sets registered from random nodes; exact, nearest and range searches (ranges that wrap
 * around the key space included) from random nodes, recursive and iterative, equal the brute-force
 * answer with each key's appData and publisher. Then update / unregister, refused inputs by name,
 * and a node crash: after repair and a refresh period the searches are right again, and the dead
 * publisher's keys have lapsed.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { drt, type Drt, type DrtSearchOptions, type DrtSearchResult } from '../../upcalls/drt';
import { exactMatch, nearestMatches, rangeMatches, type SearchMatch } from '../../upcalls/drt/search';
import { SortedKeys } from '../../upcalls/drt/sortedKeys';
import { keyFromValue, keyValue, KEY_SPACE, MAX_KEY_VALUE } from '../../upcalls/drt/keys';
import { SeededRng } from '../../sim/random';
import { Guid } from '../../routing/guid';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, MessageTooLargeError } from '../../errors';
import { leafSetAccuracy } from '../helpers/meshChecks';

const N = 150;
const KEYS = 300;
const REFRESH_MS = 30_000;
const LIFETIME_MS = 90_000;
let net: Testnet;
let d: Drt[];
const rng = new SeededRng(1818);
const down = new Set<number>();

/** What is registered: key hex → key, appData, publisher's node index. */
const registered = new Map<string, { key: Guid; appData: Uint8Array; by: number }>();

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
  for (let t = 0; t < ms && !done; t += 100) await advance(100);
  return watched;
}

async function searchAll(at: number, key: Guid, opts: DrtSearchOptions): Promise<DrtSearchResult[]> {
  return settle((async () => {
    const out: DrtSearchResult[] = [];
    for await (const r of d[at].search(key, opts)) out.push(r);
    return out;
  })());
}

const live = () => {
  let i = rng.int(N);
  while (down.has(i)) i = rng.int(N);
  return i;
};
const randomKey = () => Guid.random(() => rng.int(256), 256);
const randomData = () => Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
const liveNodes = () => net.nodes.filter((_, i) => !down.has(i));

/** The brute-force successor of `key` among the live nodes: its index. */
function successor(key: Guid): number {
  const k = keyValue(key);
  let best = -1;
  let bestDistance = KEY_SPACE;
  net.nodes.forEach((n, i) => {
    if (down.has(i)) return;
    const dist = (((keyValue(n.guid) - k) % KEY_SPACE) + KEY_SPACE) % KEY_SPACE;
    if (dist < bestDistance) {
      best = i;
      bestDistance = dist;
    }
  });
  return best;
}

function oracleKeys(): SortedKeys {
  return SortedKeys.from([...registered.values()].map((r) => r.key));
}

/** A search's results against the oracle's matches: same keys in the same order, each with its registration. */
function expectSame(got: DrtSearchResult[], want: SearchMatch[], label: string): void {
  expect({ label, keys: got.map((r) => r.key.hex) }).toEqual({ label, keys: want.map((m) => m.key.hex) });
  got.forEach((r, i) => {
    const reg = registered.get(r.key.hex)!;
    expect(r.match).toBe(want[i].match);
    expect(Buffer.from(r.appData).equals(Buffer.from(reg.appData))).toBe(true);
    expect(r.publisher.guid.hex).toBe(net.nodes[reg.by].guid.hex);
  });
}

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 1818, idBits: 256 });
  d = net.nodes.map((n) => n.register(drt({ refreshMs: REFRESH_MS, lifetimeMs: LIFETIME_MS })));
  await advance(2_000);
}, 120_000);
afterAll(() => net.close());

async function registerMany(keys: Guid[]): Promise<void> {
  const ops = keys.map((key) => {
    const by = live();
    const appData = randomData();
    registered.set(key.hex, { key, appData, by });
    return d[by].register(key, appData);
  });
  const done = await settle(Promise.allSettled(ops), 300_000);
  expect(done.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
}

/** Random exact / nearest / range searches from random nodes against the oracle. */
async function randomSearches(count: number, label: string): Promise<void> {
  const keys = oracleKeys();
  const all = keys.keys();
  for (let q = 0; q < count; q++) {
    const at = live();
    const iterative = rng.int(2) === 0;
    const kind = q % 3;
    if (kind === 0) {
      // Half of them registered keys, half random ones (found nowhere).
      const key = rng.int(2) === 0 ? all[rng.int(all.length)] : randomKey();
      const got = await searchAll(at, key, { match: 'exact', iterative });
      expectSame(got, exactMatch(keys, key), `${label} exact ${q}`);
      if (iterative && got.length > 0) expect(got[0].hops!.at(-1)!.guid.hex).toBe(net.nodes[successor(key)].guid.hex);
    } else if (kind === 1) {
      // A random target, or one right beside a registered key, or next to the top or bottom of the space.
      const r = rng.int(4);
      const target = r === 0 ? randomKey() : r === 1 ? keyFromValue((keyValue(all[rng.int(all.length)]) + 1n) % KEY_SPACE) : r === 2 ? keyFromValue(BigInt(rng.int(1000))) : keyFromValue(MAX_KEY_VALUE - BigInt(rng.int(1000)));
      const max = 1 + rng.int(8);
      const got = await searchAll(at, target, { match: 'nearest', maxEndpoints: max, iterative });
      expectSame(got, nearestMatches(keys, target, max), `${label} nearest ${q}`);
    } else {
      // A range from a random start over a random share of the space; a third of them wrap past the top.
      const min = rng.int(3) === 0 ? keyFromValue(MAX_KEY_VALUE - (KEY_SPACE >> BigInt(3 + rng.int(5)))) : randomKey();
      const width = KEY_SPACE >> BigInt(2 + rng.int(6));
      const max = keyFromValue((keyValue(min) + width) % KEY_SPACE);
      const maxEndpoints = 1 + rng.int(DEFAULTS.drtMaxEndpoints);
      const got = await searchAll(at, min, { match: { min, max }, maxEndpoints, iterative });
      expectSame(got, rangeMatches(keys, min, max, maxEndpoints), `${label} range ${q}`);
      if (iterative) for (const r of got) expect(r.hops!.at(-1)!.guid.hex).toBe(net.nodes[successor(r.key)].guid.hex);
    }
  }
}

describe(`${KEYS} keys on ${N} nodes`, () => {
  test('each registration is held by its key\'s ring successor (brute force over the node ring)', async () => {
    // Random keys, and a few at each end of the key space for the searches that wrap.
    const keys = Array.from({ length: KEYS - 6 }, randomKey);
    for (let i = 0; i < 3; i++) keys.push(keyFromValue(BigInt(rng.int(1 << 30))), keyFromValue(MAX_KEY_VALUE - BigInt(rng.int(1 << 30))));
    await registerMany(keys);
    const perNode = new Array<number>(N).fill(0);
    for (const r of registered.values()) perNode[successor(r.key)]++;
    expect(d.map((x) => x.stats().keys)).toEqual(perNode);
  }, 600_000);

  test('exact, nearest and range searches from random nodes equal the brute-force answer', async () => {
    await randomSearches(90, 'first');
  }, 600_000);

  test('a range covering the whole space, and one wrapping past the top, list every key in order', async () => {
    const keys = oracleKeys();
    const all = keys.keys();
    // [k, k − 1] is the whole key space, ascending from k; capped at drtMaxEndpoints.
    const start = all[rng.int(all.length)];
    const whole = { min: start, max: keyFromValue((keyValue(start) - 1n + KEY_SPACE) % KEY_SPACE) };
    expectSame(await searchAll(live(), start, { match: whole, maxEndpoints: 64 }), rangeMatches(keys, whole.min, whole.max, 64), 'whole');
    const wrap = { min: keyFromValue(MAX_KEY_VALUE - (1n << 250n)), max: keyFromValue(1n << 249n) };
    const want = rangeMatches(keys, wrap.min, wrap.max, 64);
    expect(want.some((m) => keyValue(m.key) < 1n << 249n) && want.some((m) => keyValue(m.key) > 1n << 255n)).toBe(true);
    expectSame(await searchAll(live(), wrap.min, { match: wrap, maxEndpoints: 64, iterative: true }), want, 'wrap');
  }, 300_000);
});
