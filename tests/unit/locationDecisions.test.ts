import { InvalidArgumentError } from '../../errors';
import { Guid, idSpace } from '../../routing/guid';
import { RoutingTable, type RoutingEntry } from '../../routing/routingTable';
import { extraPointerTargets, latencyEstimate, locateHop, publishHop, unpublishHop, type ExtraPointerOptions } from '../../location/decisions';
import { PointerStore } from '../../location/pointerStore';
import { SeededRng } from '../../sim/random';
import type { LocateMsg, PublishMsg, UnpublishMsg } from '../../location/messages';
import type { NodeHandle } from '../../routing/messages';

const SPACE = idSpace(160, 4);
let port = 7000;

function handle(hexPrefix: string): NodeHandle {
  return { guid: Guid.fromHex(hexPrefix.padEnd(40, '0')), address: { family: 4, ip: Uint8Array.of(10, 1, 0, 1), port: port++ } };
}

const OBJECT = Guid.fromName('object');
const SERVER_A = handle('11');
const SERVER_B = handle('22');
const SERVER_C = handle('33');

function publish(server: NodeHandle, over: Partial<PublishMsg> = {}): PublishMsg {
  return { object: OBJECT, server, tag: '', saltIndex: 0, sequence: 1, lifetimeMs: 1000, pathLatency: 0, extra: false, ...over };
}

function unpublish(server: NodeHandle, sequence: number): UnpublishMsg {
  return { object: OBJECT, server, saltIndex: 0, sequence, extra: false };
}

function locate(over: Partial<LocateMsg> = {}): LocateMsg {
  return {
    locateId: 1, locateKey: 2, object: OBJECT, origin: handle('ee'), query: '', wanted: 1, exclude: [], saltIndex: 0,
    pathLatency: 0, moduleId: 0, payload: new Uint8Array(0), diverted: false, ...over,
  };
}

describe('publishHop', () => {
  it('stores a pointer living lifetimeMs from now, at the given latency, remembering the previous hop', () => {
    const store = new PointerStore();
    const prev = handle('44');
    expect(publishHop(store, publish(SERVER_A, { tag: 't', saltIndex: 2, sequence: 4, lifetimeMs: 500, extra: true }), 17, prev, 100)).toBe('added');
    expect(store.get(OBJECT, 100)).toEqual([
      { object: OBJECT, server: SERVER_A, tag: 't', sequence: 4, expiresAt: 600, latency: 17, saltIndex: 2, extra: true, from: prev },
    ]);
    expect(store.has(OBJECT, SERVER_A.guid, 599)).toBe(true);
    expect(store.has(OBJECT, SERVER_A.guid, 600)).toBe(false);
  });

  it('leaves `from` out at the server itself, and returns the store outcome (refresh, replay)', () => {
    const store = new PointerStore();
    publishHop(store, publish(SERVER_A, { sequence: 3 }), 0, undefined, 0);
    expect('from' in store.get(OBJECT, 0)[0]).toBe(false);
    expect(publishHop(store, publish(SERVER_A, { sequence: 3 }), 0, undefined, 10)).toBe('refreshed');
    expect(publishHop(store, publish(SERVER_A, { sequence: 2 }), 0, undefined, 20)).toBe('replay');
    expect(store.get(OBJECT, 20)[0].expiresAt).toBe(1010);
  });
});

describe('unpublishHop', () => {
  it('removes pointers of the unpublished sequence or older, never a newer one', () => {
    const store = new PointerStore();
    publishHop(store, publish(SERVER_A, { sequence: 5 }), 1, undefined, 0);
    expect(unpublishHop(store, unpublish(SERVER_A, 4))).toBe(false);
    expect(store.has(OBJECT, SERVER_A.guid, 0)).toBe(true);
    expect(unpublishHop(store, unpublish(SERVER_A, 5))).toBe(true);
    expect(store.has(OBJECT, SERVER_A.guid, 0)).toBe(false);
    expect(unpublishHop(store, unpublish(SERVER_B, 9))).toBe(false);
  });
});

describe('locateHop', () => {
  function filled(): PointerStore {
    const store = new PointerStore();
    publishHop(store, publish(SERVER_A, { tag: 'red' }), 30, undefined, 0);
    publishHop(store, publish(SERVER_B, { tag: 'blue' }), 10, undefined, 0);
    publishHop(store, publish(SERVER_C, { tag: 'red' }), 20, undefined, 0);
    return store;
  }
  const servers = (ps: { server: NodeHandle }[]) => ps.map((p) => p.server);

  it('never returns a pointer whose tag differs from the query', () => {
    const store = filled();
    expect(servers(locateHop(store, locate({ query: 'red', wanted: 5 }), 0))).toEqual([SERVER_C, SERVER_A]);
    expect(servers(locateHop(store, locate({ query: 'blue', wanted: 5 }), 0))).toEqual([SERVER_B]);
    expect(locateHop(store, locate({ query: 'green', wanted: 5 }), 0)).toEqual([]);
  });

  it('returns at most `wanted`, nearest first; an empty query matches any tag', () => {
    const store = filled();
    expect(servers(locateHop(store, locate({ wanted: 1 }), 0))).toEqual([SERVER_B]);
    expect(servers(locateHop(store, locate({ wanted: 2 }), 0))).toEqual([SERVER_B, SERVER_C]);
    expect(servers(locateHop(store, locate({ wanted: 32 }), 0))).toEqual([SERVER_B, SERVER_C, SERVER_A]);
  });

  it('skips excluded servers and expired pointers; empty means continue toward the root', () => {
    const store = filled();
    expect(servers(locateHop(store, locate({ wanted: 2, exclude: [SERVER_B.guid] }), 0))).toEqual([SERVER_C, SERVER_A]);
    // Excluded by an equal GUID decoded separately, not by object identity.
    const copy = Guid.fromHex(SERVER_C.guid.hex);
    expect(servers(locateHop(store, locate({ query: 'red', wanted: 2, exclude: [copy] }), 0))).toEqual([SERVER_A]);
    expect(locateHop(store, locate({ query: 'red', exclude: [SERVER_A.guid, SERVER_C.guid] }), 0)).toEqual([]);
    expect(locateHop(store, locate({ wanted: 3 }), 1000)).toEqual([]);
    expect(locateHop(store, locate({ object: Guid.fromName('other') }), 0)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Pointer caching targets, checked against a brute force over every entry of the table.

function allEntries(table: RoutingTable): { entry: RoutingEntry; level: number; digit: number; rank: number }[] {
  const out: { entry: RoutingEntry; level: number; digit: number; rank: number }[] = [];
  for (let level = 0; level < table.levels; level++) {
    for (let digit = 0; digit < table.base; digit++) {
      if (digit === table.selfDigit(level)) continue;
      table.slot(level, digit).forEach((entry, rank) => out.push({ entry, level, digit, rank }));
    }
  }
  return out;
}

function bruteForceTargets(table: RoutingTable, nextHop: NodeHandle | undefined, hopIndex: number, opts: ExtraPointerOptions): string[] {
  if (hopIndex >= opts.hops) return [];
  const all = allEntries(table);
  const chosen: string[] = [];
  const self = table.self.guid.hex;
  const next = nextHop?.guid.hex;
  const home = all.find((e) => e.entry.handle.guid.hex === next);
  if (home) {
    const backups = all
      .filter((e) => e.level === home.level && e.digit === home.digit && e.rank > home.rank)
      .sort((a, b) => a.rank - b.rank)
      .slice(0, opts.backups);
    for (const b of backups) chosen.push(b.entry.handle.guid.hex);
  }
  const nearest = all
    .map((e) => e.entry)
    .filter((e) => ![self, next, ...chosen].includes(e.handle.guid.hex))
    .sort((a, b) => a.latency - b.latency || Buffer.compare(a.handle.guid.bytes, b.handle.guid.bytes))
    .slice(0, opts.neighbours);
  return [...chosen, ...nearest.map((e) => e.handle.guid.hex)];
}

describe('extraPointerTargets', () => {
  const self = handle('a5c3');
  const primary = handle('1a');
  const backup1 = handle('1b');
  const backup2 = handle('1c');
  const near1 = handle('7');
  const near2 = handle('a1');
  const near3 = handle('a59');
  const far = handle('f');

  function table(): RoutingTable {
    const t = new RoutingTable(self, SPACE);
    // Slot (0, 1): primary 30 ms, backups 40 and 50 ms.
    t.add(backup2, 50);
    t.add(primary, 30);
    t.add(backup1, 40);
    // Elsewhere: the nearest neighbours are 5, 8 and 8 ms (a tie, broken by GUID), then far away.
    t.add(near1, 5);
    t.add(near3, 8);
    t.add(near2, 8);
    t.add(far, 90);
    return t;
  }
  const hexes = (hs: NodeHandle[]) => hs.map((h) => h.guid.hex);

  it('the hand-built slot is as intended', () => {
    const t = table();
    expect(t.slot(0, 1).map((e) => e.handle)).toEqual([primary, backup1, backup2]);
    expect(t.primary(0, 1)).toBe(primary);
  });

  it('gives the next hop’s backups in latency order, then the nearest neighbours', () => {
    const t = table();
    expect(extraPointerTargets(t, primary, 0, { backups: 1, neighbours: 1, hops: 1 })).toEqual([backup1, near1]);
    expect(extraPointerTargets(t, primary, 0, { backups: 2, neighbours: 3, hops: 1 })).toEqual([backup1, backup2, near1, near2, near3]);
    expect(extraPointerTargets(t, primary, 0, { backups: 5, neighbours: 0, hops: 1 })).toEqual([backup1, backup2]);
    expect(extraPointerTargets(t, primary, 0, { backups: 0, neighbours: 2, hops: 1 })).toEqual([near1, near2]);
  });

  it('never targets this node or the next hop, and never names a node twice', () => {
    const t = table();
    // near1 is the nearest neighbour: as the next hop it is skipped, and the next nearest take its place.
    expect(extraPointerTargets(t, near1, 0, { backups: 2, neighbours: 2, hops: 1 })).toEqual([near2, near3]);
    // A backup that is also among the nearest is listed once, and another neighbour fills in.
    const u = table();
    u.add(backup1, 1);
    expect(u.slot(0, 1).map((e) => e.handle)).toEqual([backup1, primary, backup2]);
    expect(extraPointerTargets(u, backup1, 0, { backups: 1, neighbours: 2, hops: 1 })).toEqual([primary, near1, near2]);
    expect(extraPointerTargets(u, primary, 0, { backups: 1, neighbours: 1, hops: 1 })).toEqual([backup2, backup1]);
    const all = extraPointerTargets(t, primary, 0, { backups: 9, neighbours: 99, hops: 1 });
    expect(new Set(hexes(all)).size).toBe(all.length);
    expect(hexes(all)).not.toContain(self.guid.hex);
    expect(hexes(all)).not.toContain(primary.guid.hex);
    expect(all).toHaveLength(t.size - 1);
  });

  it('backups are the entries after the next hop in its slot; none when it is not in the table or absent', () => {
    const t = table();
    expect(extraPointerTargets(t, backup1, 0, { backups: 2, neighbours: 0, hops: 1 })).toEqual([backup2]);
    expect(extraPointerTargets(t, backup2, 0, { backups: 2, neighbours: 0, hops: 1 })).toEqual([]);
    expect(extraPointerTargets(t, handle('1d'), 0, { backups: 2, neighbours: 0, hops: 1 })).toEqual([]);
    expect(extraPointerTargets(t, undefined, 0, { backups: 2, neighbours: 1, hops: 1 })).toEqual([near1]);
    expect(extraPointerTargets(t, self, 0, { backups: 2, neighbours: 1, hops: 1 })).toEqual([near1]);
  });

  it('applies only on the first `hops` hops; hops = 0 turns it off', () => {
    const t = table();
    const opts = { backups: 1, neighbours: 1, hops: 3 };
    for (const hop of [0, 1, 2]) expect(extraPointerTargets(t, primary, hop, opts)).toHaveLength(2);
    for (const hop of [3, 4, 100]) expect(extraPointerTargets(t, primary, hop, opts)).toEqual([]);
    expect(extraPointerTargets(t, primary, 0, { backups: 5, neighbours: 5, hops: 0 })).toEqual([]);
  });

  it('agrees with the brute force on the hand-built table for every next hop and knob setting', () => {
    const t = table();
    for (const nextHop of [undefined, self, primary, backup1, backup2, near1, near2, near3, far]) {
      for (let backups = 0; backups <= 3; backups++) {
        for (let neighbours = 0; neighbours <= 8; neighbours++) {
          for (const hopIndex of [0, 1, 2]) {
            const opts = { backups, neighbours, hops: 2 };
            expect(hexes(extraPointerTargets(t, nextHop, hopIndex, opts))).toEqual(bruteForceTargets(t, nextHop, hopIndex, opts));
          }
        }
      }
    }
  });

  it('agrees with the brute force on random tables', () => {
    const rng = new SeededRng(21);
    for (let round = 0; round < 30; round++) {
      const me = { guid: Guid.random(() => rng.int(256)), address: self.address };
      const t = new RoutingTable(me, SPACE);
      const nodes: NodeHandle[] = [];
      for (let i = 0; i < 300; i++) {
        // 300 random GUIDs put ~19 under each level-0 digit, so those slots fill to primary + 2 backups.
        const h = { guid: Guid.random(() => rng.int(256)), address: self.address };
        nodes.push(h);
        // Few distinct latencies, so GUID tie-breaks matter.
        t.add(h, rng.int(20));
      }
      const listed = nodes.filter((h) => t.has(h.guid));
      for (let q = 0; q < 20; q++) {
        const nextHop = listed[rng.int(listed.length)];
        const opts = { backups: rng.int(4), neighbours: rng.int(7), hops: 1 + rng.int(3) };
        const hopIndex = rng.int(4);
        expect(hexes(extraPointerTargets(t, nextHop, hopIndex, opts))).toEqual(bruteForceTargets(t, nextHop, hopIndex, opts));
      }
    }
  });

  it('rejects negative or fractional knobs', () => {
    const t = table();
    expect(() => extraPointerTargets(t, primary, -1, { backups: 1, neighbours: 1, hops: 1 })).toThrow(InvalidArgumentError);
    expect(() => extraPointerTargets(t, primary, 0, { backups: -1, neighbours: 1, hops: 1 })).toThrow(InvalidArgumentError);
    expect(() => extraPointerTargets(t, primary, 0, { backups: 1, neighbours: 0.5, hops: 1 })).toThrow(InvalidArgumentError);
    expect(() => extraPointerTargets(t, primary, 0, { backups: 1, neighbours: 1, hops: NaN })).toThrow(InvalidArgumentError);
  });
});

describe('latencyEstimate', () => {
  it('uses the measured latency for a neighbour, the path latency otherwise, and 0 for this node', () => {
    const self = handle('a5c3');
    const neighbour = handle('b2');
    const t = new RoutingTable(self, SPACE);
    t.add(neighbour, 12);
    expect(latencyEstimate(t, neighbour, 80)).toBe(12);
    expect(latencyEstimate(t, handle('c4'), 80)).toBe(80);
    expect(latencyEstimate(t, self, 80)).toBe(0);
  });
});
