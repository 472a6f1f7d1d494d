/**
 * Pointer hand-over (location/handOver.ts) against a brute-force oracle of who roots each salted GUID
 * in a consistent mesh, and against a second code path: the hand-over membership has sent so far
 * (actors/membershipCore.ts, handOverRooted), whose messages must come out byte for byte the same.
 */
import { DEFAULTS } from '../../defaults';
import { DEFAULT_SPACE, Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { nextHop, rootWithout } from '../../routing/nextHop';
import type { RoutingTable } from '../../routing/routingTable';
import { handOverBatches, type HandOverBatch } from '../../location/handOver';
import type { PublishMsg } from '../../location/messages';
import { PointerStore, type Pointer } from '../../location/pointerStore';
import { saltedRoot } from '../../location/saltedRoots';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import { encodeLocation } from '../../wire/locationCodec';

const space = DEFAULT_SPACE;

function mesh(rng: SeededRng, n: number): { handles: NodeHandle[]; pos: Array<[number, number]> } {
  const handles = Array.from({ length: n }, (_, i): NodeHandle => ({
    guid: Guid.random(() => rng.int(256)),
    address: { family: 4, ip: Uint8Array.of(10, 1, i >> 8, i & 255), port: 4000 },
  }));
  const pos = handles.map((): [number, number] => [rng.int(1000), rng.int(1000)]);
  return { handles, pos };
}
const distance = (pos: Array<[number, number]>) => (i: number, j: number) => Math.hypot(pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]);

/** A store with pointers for many objects and salts: some extra copies, some expired at `now`, some signed. */
function fillStore(rng: SeededRng, servers: readonly NodeHandle[], now: number, objects: number): PointerStore {
  const store = new PointerStore({ maxPerObject: 8, maxTotal: 100_000, maxPerPublisher: 100_000 });
  for (let o = 0; o < objects; o++) {
    const object = Guid.random(() => rng.int(256));
    const holders = 1 + rng.int(3);
    for (let h = 0; h < holders; h++) {
      const signed = rng.int(3) === 0;
      const p: Pointer = {
        object,
        server: servers[rng.int(servers.length)],
        tag: rng.int(2) ? 'video' : '',
        sequence: 1 + rng.int(1000),
        expiresAt: now - 50 + rng.int(100_000) + rng.next(),
        latency: rng.int(200) + rng.next(),
        saltIndex: rng.int(DEFAULTS.salts),
        extra: rng.int(6) === 0,
        ...(signed ? { signed: { publisherKey: Uint8Array.of(7, 7, rng.int(256)), signature: Uint8Array.of(9, rng.int(256)), lifetimeMs: 1 + rng.int(90_000) } } : {}),
      };
      store.put(p, 0);
    }
  }
  return store;
}

/** The hand-over as actors/membershipCore.ts builds it today, copied as the second code path. */
function legacyHandOver(store: PointerStore, now: number, self: NodeHandle, newRoot: (g: Guid) => NodeHandle | undefined): Array<{ to: NodeHandle; pointers: PublishMsg[] }> {
  const sent: Array<{ to: NodeHandle; pointers: PublishMsg[] }> = [];
  const byTarget = new Map<string, { to: NodeHandle; pointers: PublishMsg[] }>();
  for (const p of store.all(now)) {
    if (p.extra) continue;
    const to = newRoot(saltedRoot(p.object, p.saltIndex));
    if (!to || to.guid.equals(self.guid)) continue;
    let batch = byTarget.get(to.guid.hex);
    if (!batch) byTarget.set(to.guid.hex, (batch = { to, pointers: [] }));
    const left = Math.max(1, Math.min(DEFAULTS.maxPointerLifetimeMs, Math.round(p.expiresAt - now)));
    batch.pointers.push({
      object: p.object, server: p.server, tag: p.tag, saltIndex: p.saltIndex, sequence: p.sequence,
      lifetimeMs: p.signed ? p.signed.lifetimeMs : left,
      pathLatency: p.latency, extra: false,
      ...(p.signed ? { publisherKey: p.signed.publisherKey, signature: p.signed.signature } : {}),
    });
  }
  for (const { to, pointers } of byTarget.values()) {
    for (let i = 0; i < pointers.length; i += DEFAULTS.maxHandOverPointers) sent.push({ to, pointers: pointers.slice(i, i + DEFAULTS.maxHandOverPointers) });
  }
  return sent;
}

function expectSameAsLegacy(batches: HandOverBatch[], legacy: Array<{ to: NodeHandle; pointers: PublishMsg[] }>): void {
  expect(batches.map((b) => b.to.guid.hex)).toEqual(legacy.map((b) => b.to.guid.hex));
  batches.forEach((b, i) => {
    const mine = Buffer.from(encodeLocation({ kind: 'handOver', handOver: b.handOver }));
    const theirs = Buffer.from(encodeLocation({ kind: 'handOver', handOver: { pointers: legacy[i].pointers } }));
    expect(mine.equals(theirs)).toBe(true);
  });
}

/** Walks surrogate routing from node `from` over `tables` to the node that roots `dest`. */
function walk(tables: readonly RoutingTable[], index: Map<string, number>, from: number, dest: Guid): number {
  let at = from;
  let level = 0;
  for (let hops = 0; hops <= space.digits; hops++) {
    const hop = nextHop(tables[at], dest, level);
    if (hop.kind === 'root') return at;
    at = index.get(hop.to.guid.hex)!;
    level = hop.level + 1;
  }
  return -1;
}

describe('pointer hand-over', () => {
  test.each([1, 2, 3])('leaving (seed %i): every live path pointer this node roots, and only those, reach the root without it', (seed) => {
    const rng = new SeededRng(seed);
    const { handles, pos } = mesh(rng, 40);
    const tables = buildStaticMesh(handles, distance(pos), space);
    const self = 0;
    const now = 10_000;
    const store = fillStore(rng, handles.slice(1), now, 400);
    const table = tables[self];
    const newRoot = (dest: Guid) => (nextHop(table, dest, 0).kind === 'root' ? rootWithout(table, dest) : undefined);
    const batches = handOverBatches(store.all(now), now, handles[self].guid, newRoot);

    // The mesh once this node is gone, and its oracle.
    const rest = handles.slice(1);
    const restGuids = rest.map((h) => h.guid);
    const restTables = buildStaticMesh(rest, (i, j) => distance(pos)(i + 1, j + 1), space);
    const index = new Map(rest.map((h, i) => [h.guid.hex, i]));
    const allGuids = handles.map((h) => h.guid);

    const sent = new Map<string, number>(); // pointer key → recipient (index in rest)
    for (const b of batches) {
      expect(b.handOver.pointers.length).toBeGreaterThan(0);
      expect(b.handOver.pointers.length).toBeLessThanOrEqual(DEFAULTS.maxHandOverPointers);
      for (const r of b.handOver.pointers) sent.set(`${r.object.hex}/${r.server.guid.hex}`, index.get(b.to.guid.hex)!);
    }
    let rooted = 0;
    for (const p of store.all(now)) {
      const dest = saltedRoot(p.object, p.saltIndex);
      const key = `${p.object.hex}/${p.server.guid.hex}`;
      const shouldGo = !p.extra && bruteForceRoot(allGuids, dest, space) === self;
      expect(sent.has(key)).toBe(shouldGo);
      if (!shouldGo) continue;
      rooted++;
      // Published on from the recipient, the pointer reaches the node that roots it now.
      expect(walk(restTables, index, sent.get(key)!, dest)).toBe(bruteForceRoot(restGuids, dest, space));
    }
    expect(rooted).toBeGreaterThan(5);
    expectSameAsLegacy(batches, legacyHandOver(store, now, handles[self], newRoot));
  });

  test.each([4, 5, 6])('joining (seed %i): the pointers the new node now roots go to it, byte for byte as before', (seed) => {
    const rng = new SeededRng(seed);
    const { handles, pos } = mesh(rng, 40);
    const joining = handles.length - 1;
    const before = buildStaticMesh(handles.slice(0, joining), distance(pos), space);
    const beforeGuids = handles.slice(0, joining).map((h) => h.guid);
    const allGuids = handles.map((h) => h.guid);
    const now = 5_000;
    let handedOver = 0;
    for (let self = 0; self < joining; self++) {
      const store = fillStore(rng, handles, now, 60);
      const table = before[self];
      table.add(handles[joining], distance(pos)(self, joining));
      const J = handles[joining];
      const newRoot = (dest: Guid) => {
        const hop = nextHop(table, dest, 0);
        return hop.kind === 'forward' && hop.to.guid.equals(J.guid) ? J : undefined;
      };
      const batches = handOverBatches(store.all(now), now, handles[self].guid, newRoot);
      const sent = new Set<string>();
      for (const b of batches) {
        expect(b.to).toBe(J);
        for (const r of b.handOver.pointers) sent.add(`${r.object.hex}/${r.server.guid.hex}/${r.saltIndex}`);
      }
      // Oracle: what this node rooted before the join and the joining node roots after must go to it.
      for (const p of store.all(now)) {
        const dest = saltedRoot(p.object, p.saltIndex);
        if (p.extra) continue;
        if (bruteForceRoot(beforeGuids, dest, space) === self && bruteForceRoot(allGuids, dest, space) === joining) {
          expect(sent.has(`${p.object.hex}/${p.server.guid.hex}/${p.saltIndex}`)).toBe(true);
        }
      }
      handedOver += sent.size;
      expectSameAsLegacy(batches, legacyHandOver(store, now, handles[self], newRoot));
    }
    expect(handedOver).toBeGreaterThan(0);
  });

  test('records: the time left (1 ms .. max), or a signed record as signed; the store order kept; cut into batches', () => {
    const rng = new SeededRng(9);
    const { handles } = mesh(rng, 4);
    const now = 1000;
    const store = fillStore(rng, handles.slice(1), now, 300);
    const to = handles[1];
    const live = [...store.all(now)].filter((p) => !p.extra);
    const batches = handOverBatches(store.all(now), now, handles[0].guid, () => to, 7);
    expect(batches.every((b) => b.handOver.pointers.length <= 7 && b.to === to)).toBe(true);
    expect(batches.slice(0, -1).every((b) => b.handOver.pointers.length === 7)).toBe(true);
    const records = batches.flatMap((b) => b.handOver.pointers);
    expect(records).toHaveLength(live.length);
    records.forEach((r, i) => {
      const p = live[i];
      expect(r.object).toBe(p.object);
      expect(r.server).toBe(p.server);
      expect(r.pathLatency).toBe(p.latency);
      expect(r.extra).toBe(false);
      if (p.signed) {
        expect(r.lifetimeMs).toBe(p.signed.lifetimeMs);
        expect(r.publisherKey).toBe(p.signed.publisherKey);
        expect(r.signature).toBe(p.signed.signature);
      } else {
        expect(r.lifetimeMs).toBe(Math.max(1, Math.round(p.expiresAt - now)));
        expect('signature' in r).toBe(false);
      }
    });
    // Nothing goes to this node itself, and nothing when no node is named.
    expect(handOverBatches(store.all(now), now, to.guid, () => to)).toEqual([]);
    expect(handOverBatches(store.all(now), now, handles[0].guid, () => undefined)).toEqual([]);
  });
});
