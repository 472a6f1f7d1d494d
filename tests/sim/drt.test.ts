/**
 * The DRT key registry on a simulated 256-bit mesh (repair, heartbeats and hop acknowledgements on).
 * The mesh first runs until every leaf set is exact (the placement reads them). Oracles: the brute-force ring (a key's successor is the node with the smallest GUID ≥ key,
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
import { virtualTime } from '../helpers/virtualTime';

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

const { advance, settle } = virtualTime(() => net);

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
  // Keys are placed by the leaf sets: a fresh testnet's are close but not exact (a few nodes know
  // neither their ring predecessor nor successor yet) until membership repair rounds make them so.
  await untilLeafSetsExact();
}, 300_000);

async function untilLeafSetsExact(): Promise<void> {
  for (let waited = 0; leafSetAccuracy(liveNodes()).exactNodes < liveNodes().length && waited < 600_000; waited += 10_000) await advance(10_000);
  expect(leafSetAccuracy(liveNodes()).exactNodes).toBe(liveNodes().length);
}
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

/** Nodes asked by iterative exact searches that found their key (a figure, printed per batch). */
const exactHops: number[] = [];

/** Random exact / nearest / range searches from random nodes against the oracle. */
async function randomSearches(count: number, label: string): Promise<void> {
  exactHops.length = 0;
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
      if (iterative && got.length > 0) {
        expect(got[0].hops!.at(-1)!.guid.hex).toBe(net.nodes[successor(key)].guid.hex);
        exactHops.push(got[0].hops!.length);
      }
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
  if (exactHops.length > 0) {
    const mean = exactHops.reduce((a, b) => a + b, 0) / exactHops.length;
    console.log(`${label}: iterative exact searches asked ${mean.toFixed(2)} nodes on average (the searcher included), at most ${Math.max(...exactHops)}, over ${exactHops.length} searches`);
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

describe('changes, refusals and events', () => {
  const pick = () => [...registered.values()][rng.int(registered.size)];
  const other = (not: number) => {
    let i = live();
    while (i === not) i = live();
    return i;
  };

  test('update changes the appData found; only the publisher may change a key; unregister removes it from every search', async () => {
    const reg = pick();
    const fresh = randomData();
    await settle(d[reg.by].update(reg.key, fresh));
    reg.appData = fresh;
    expectSame(await searchAll(live(), reg.key, { match: 'exact' }), exactMatch(oracleKeys(), reg.key), 'updated');
    const stranger = other(reg.by);
    await expect(settle(d[stranger].update(reg.key, Uint8Array.of(1)))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(settle(d[stranger].unregister(reg.key))).rejects.toBeInstanceOf(InvalidArgumentError);
    // The successor refuses another node's register of a held key.
    await expect(settle(d[stranger].register(reg.key, Uint8Array.of(1)))).rejects.toThrow(/registered by another node/);
    await expect(settle(d[reg.by].register(reg.key, Uint8Array.of(1)))).rejects.toThrow(/update it instead/);
    expectSame(await searchAll(live(), reg.key, { match: 'exact' }), exactMatch(oracleKeys(), reg.key), 'still theirs');

    await settle(d[reg.by].unregister(reg.key));
    registered.delete(reg.key.hex);
    expect(await searchAll(live(), reg.key, { match: 'exact' })).toEqual([]);
    expectSame(await searchAll(live(), reg.key, { match: 'nearest', maxEndpoints: 4 }), nearestMatches(oracleKeys(), reg.key, 4), 'after unregister');
    // Now another node may take the key.
    const taker = other(reg.by);
    const data = randomData();
    await settle(d[taker].register(reg.key, data));
    registered.set(reg.key.hex, { key: reg.key, appData: data, by: taker });
    expectSame(await searchAll(live(), reg.key, { match: 'exact', iterative: true }), exactMatch(oracleKeys(), reg.key), 'taken over');
  }, 300_000);

  test('bad input is refused by name and nothing is registered', async () => {
    const at = live();
    const key = randomKey();
    await expect(d[at].register(key, new Uint8Array(DEFAULTS.drtMaxAppDataBytes + 1))).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(d[at].register(key, new Uint8Array(0))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(d[at].register(key, 'text' as unknown as Uint8Array)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(d[at].register(Guid.fromName('narrow', 160), Uint8Array.of(1))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(d[at].register('00' as unknown as Guid, Uint8Array.of(1))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(d[at].unregister(key)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => d[at].search(key, { match: 'nearest', maxEndpoints: DEFAULTS.drtMaxEndpoints + 1 })).toThrow(InvalidArgumentError);
    expect(() => d[at].search(key, { match: 'nearest', maxEndpoints: 0 })).toThrow(InvalidArgumentError);
    expect(() => d[at].search(key, { match: 'closest' as never })).toThrow(InvalidArgumentError);
    expect(() => d[at].search(key, { match: { min: key, max: Guid.fromName('narrow', 160) } })).toThrow(InvalidArgumentError);
    expect(() => d[at].search(Guid.fromName('narrow', 160))).toThrow(InvalidArgumentError);
    expect(() => drt({ refreshMs: 10_000, lifetimeMs: 5_000 })).toThrow(InvalidArgumentError);
    expect(() => drt({ lifetimeMs: DEFAULTS.drtMaxLifetimeMs + 1 })).toThrow(InvalidArgumentError);
    expect(() => drt({ colour: 'red' } as never)).toThrow(InvalidArgumentError);
    expect(await searchAll(live(), key, { match: 'exact' })).toEqual([]);
    expect(d.reduce((s, x) => s + x.stats().keys, 0)).toBe(registered.size);
  }, 120_000);

  test('a search can be aborted', async () => {
    const ac = new AbortController();
    const it = d[live()].search(randomKey(), { match: 'nearest', maxEndpoints: 8, signal: ac.signal })[Symbol.asyncIterator]();
    const first = it.next();
    ac.abort();
    await expect(settle(first)).rejects.toThrow(/aborted/);
  });

  test('leaf-set events fire when a neighbouring key registers and unregisters (checked against search.ts leafSet)', async () => {
    const { leafSet } = await import('../../upcalls/drt/search');
    const a = live();
    const key = randomKey();
    const data = randomData();
    await settle(d[a].register(key, data));
    registered.set(key.hex, { key, appData: data, by: a });
    const events: { smaller: string[]; larger: string[] }[] = [];
    // Node a reports the leaf sets of every key it registered; this test follows one of them.
    const stop = d[a].onLeafSetChange((e) => {
      if (e.key.equals(key)) events.push({ smaller: e.smaller.map((k) => k.hex), larger: e.larger.map((k) => k.hex) });
    });
    const expected = () => {
      const ls = leafSet(key, oracleKeys(), DEFAULTS.drtLeafSetHalf);
      return { smaller: ls.smaller.map((k) => k.hex), larger: ls.larger.map((k) => k.hex) };
    };
    await advance(5_000);
    expect(events).toEqual([expected()]);
    // A key right above it, registered by another node, becomes its nearest larger key.
    const b = other(a);
    const neighbour = keyFromValue((keyValue(key) + 1n) % KEY_SPACE);
    await settle(d[b].register(neighbour, Uint8Array.of(7)));
    registered.set(neighbour.hex, { key: neighbour, appData: Uint8Array.of(7), by: b });
    await advance(DEFAULTS.drtLeafSetPollMs + 5_000);
    expect(events.length).toBe(2);
    expect(events[1]).toEqual(expected());
    expect(events[1].larger[0]).toBe(neighbour.hex);
    await settle(d[b].unregister(neighbour));
    registered.delete(neighbour.hex);
    await advance(DEFAULTS.drtLeafSetPollMs + 5_000);
    expect(events.length).toBe(3);
    expect(events[2]).toEqual(events[0]);
    expect(events[2]).toEqual(expected());
    stop();
  }, 300_000);
});

test('a node crashes: after repair and a refresh period the searches are right again, and its own keys have lapsed', async () => {
  // A victim that published keys and is the successor of others' keys.
  const held = d.map((x) => x.stats().keys);
  let victim = live();
  while (held[victim] === 0 || ![...registered.values()].some((r) => r.by === victim)) victim = live();
  const theirs = [...registered.values()].filter((r) => r.by === victim);
  down.add(victim);
  net.network.setDown(victim, true);
  for (const r of theirs) registered.delete(r.key.hex);
  await untilLeafSetsExact();
  // A lifetime later every registration was refreshed at its current successor, and the victim's lapsed.
  await advance(LIFETIME_MS + REFRESH_MS);
  const perNode = new Array<number>(N).fill(0);
  for (const r of registered.values()) perNode[successor(r.key)]++;
  expect(d.map((x, i) => (down.has(i) ? 0 : x.stats().keys))).toEqual(perNode);
  for (const r of theirs.slice(0, 5)) expect(await searchAll(live(), r.key, { match: 'exact' })).toEqual([]);
  await randomSearches(45, 'after the crash');
}, 900_000);
