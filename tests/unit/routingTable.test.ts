import { Guid, idSpace, sharedPrefixLength } from '../../routing/guid';
import { RoutingTable, type RoutingEntry } from '../../routing/routingTable';
import { InvalidArgumentError } from '../../errors';
import { SeededRng } from '../../sim/random';
import type { NodeHandle } from '../../routing/messages';

const SPACE = idSpace(160, 4);
let port = 1000;

function handle(hex: string): NodeHandle {
  const g = hex.length === 40 || hex.length === 64 ? Guid.fromHex(hex) : Guid.fromHex(hex.padEnd(40, '0'));
  return { guid: g, address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: port++ } };
}

function hexes(entries: readonly RoutingEntry[]): string[] {
  return entries.map((e) => e.handle.guid.hex.slice(0, 4));
}

const SELF = handle('a5c3');

describe('RoutingTable shape', () => {
  it('has one level per digit and base slots per level', () => {
    const t = new RoutingTable(SELF, SPACE);
    expect(t.levels).toBe(40);
    expect(t.base).toBe(16);
    expect(t.slotSize).toBe(3);
    expect(t.size).toBe(0);
    const t8 = new RoutingTable(handle('ab'.repeat(32)), idSpace(256, 8));
    expect([t8.levels, t8.base]).toEqual([32, 256]);
  });

  it('holds itself, alone and with latency 0, in its own digit slot at every level', () => {
    const t = new RoutingTable(SELF, SPACE);
    for (let level = 0; level < t.levels; level++) {
      const own = SELF.guid.digit(level, 4);
      expect(t.selfDigit(level)).toBe(own);
      expect(t.slot(level, own)).toEqual([{ handle: SELF, latency: 0 }]);
      expect(t.primary(level, own)).toBe(SELF);
      for (let d = 0; d < 16; d++) if (d !== own) expect(t.slot(level, d)).toHaveLength(0);
    }
    expect(t.has(SELF.guid)).toBe(false);
    expect([...t.neighbours()]).toEqual([]);
  });

  it('rejects out-of-range slots and bad options', () => {
    const t = new RoutingTable(SELF, SPACE);
    for (const [l, d] of [[-1, 0], [40, 0], [0, 16], [0, -1], [0.5, 0], [0, NaN]]) {
      expect(() => t.slot(l, d)).toThrow(InvalidArgumentError);
      expect(() => t.primary(l, d)).toThrow(InvalidArgumentError);
    }
    expect(() => new RoutingTable(SELF, SPACE, { slotSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => new RoutingTable(SELF, SPACE, { maxBackpointers: -1 })).toThrow(InvalidArgumentError);
    expect(() => new RoutingTable(SELF, idSpace(256, 4))).toThrow(InvalidArgumentError);
  });
});

describe('RoutingTable.add', () => {
  it('files a node at level = shared prefix, slot = its next digit', () => {
    const t = new RoutingTable(SELF, SPACE);
    const n0 = handle('1234');
    const n2 = handle('a5f0');
    expect(t.add(n0, 10)).toBe(true);
    expect(t.add(n2, 20)).toBe(true);
    expect(t.primary(0, 1)).toBe(n0);
    expect(t.primary(2, 0xf)).toBe(n2);
    expect(t.size).toBe(2);
    expect(t.has(n0.guid)).toBe(true);
    expect(t.get(n2.guid)).toEqual({ handle: n2, latency: 20 });
  });

  it('keeps at most slotSize nodes per slot, the lowest latencies, best first', () => {
    const t = new RoutingTable(SELF, SPACE);
    const rng = new SeededRng(3);
    const offered: RoutingEntry[] = [];
    for (let i = 0; i < 40; i++) {
      const h = handle('3' + (0x100000 + i).toString(16));
      const latency = rng.int(1000);
      offered.push({ handle: h, latency });
      t.add(h, latency);
      const slot = t.slot(0, 3);
      expect(slot.length).toBeLessThanOrEqual(3);
      for (let k = 1; k < slot.length; k++) expect(slot[k - 1].latency).toBeLessThanOrEqual(slot[k].latency);
    }
    const best = [...offered].sort((a, b) => a.latency - b.latency || a.handle.guid.hex.localeCompare(b.handle.guid.hex));
    expect(t.slot(0, 3).map((e) => e.handle.guid.hex)).toEqual(best.slice(0, 3).map((e) => e.handle.guid.hex));
    expect(t.size).toBe(3);
  });

  it('orders equal latencies by GUID, whatever the insertion order', () => {
    const hs = ['7c', '71', '7a'].map(handle);
    const a = new RoutingTable(SELF, SPACE);
    const b = new RoutingTable(SELF, SPACE);
    for (const h of hs) a.add(h, 5);
    for (const h of [...hs].reverse()) b.add(h, 5);
    expect(hexes(a.slot(0, 7))).toEqual(['7100', '7a00', '7c00']);
    expect(hexes(b.slot(0, 7))).toEqual(['7100', '7a00', '7c00']);
  });

  it('reports the evicted node, and refuses a node no better than the worst', () => {
    const t = new RoutingTable(SELF, SPACE, { slotSize: 2 });
    const [x, y, z, w] = ['20', '21', '22', '23'].map(handle);
    expect(t.addDetailed(x, 10)).toEqual({ added: true, isNew: true });
    expect(t.addDetailed(y, 30)).toEqual({ added: true, isNew: true });
    expect(t.addDetailed(z, 20)).toEqual({ added: true, isNew: true, evicted: y });
    expect(t.has(y.guid)).toBe(false);
    expect(t.addDetailed(w, 20)).toEqual({ added: false, isNew: false }); // ties with z, loses on GUID
    expect(t.addDetailed(w, 99)).toEqual({ added: false, isNew: false });
    expect(hexes(t.slot(0, 2))).toEqual(['2000', '2200']);
    expect(t.size).toBe(2);
  });

  it('refreshes a known node in place: new latency, re-sorted, no duplicate', () => {
    const t = new RoutingTable(SELF, SPACE);
    const [x, y] = ['40', '41'].map(handle);
    t.add(x, 10);
    t.add(y, 20);
    const moved = { guid: x.guid, address: { family: 4 as const, ip: Uint8Array.of(10, 9, 9, 9), port: 1 } };
    expect(t.addDetailed(moved, 30)).toEqual({ added: true, isNew: false });
    expect(t.slot(0, 4).map((e) => [e.handle, e.latency])).toEqual([[y, 20], [moved, 30]]);
    expect(t.size).toBe(2);
  });

  it('rejects itself, GUIDs of another width and bad latencies', () => {
    const t = new RoutingTable(SELF, SPACE);
    expect(t.add(SELF, 1)).toBe(false);
    expect(t.add({ guid: Guid.fromHex(SELF.guid.hex), address: SELF.address }, 1)).toBe(false);
    expect(() => t.add(handle('12'.repeat(32)), 1)).toThrow(InvalidArgumentError);
    for (const bad of [-1, NaN, Infinity]) expect(() => t.add(handle('12'), bad)).toThrow(InvalidArgumentError);
    expect(t.size).toBe(0);
    expect(t.slot(0, 0xa)).toEqual([{ handle: SELF, latency: 0 }]);
  });
});

describe('RoutingTable.remove / has / neighbours', () => {
  it('removes by GUID, empties the slot, and answers has() for any GUID', () => {
    const t = new RoutingTable(SELF, SPACE);
    const hs = ['10', '11', 'a0', 'a5c4', 'f0'].map(handle);
    hs.forEach((h, i) => t.add(h, i));
    expect(t.size).toBe(5);
    expect(new Set(t.neighbours())).toEqual(new Set(hs));
    expect(t.remove(hs[3].guid)).toBe(true);
    expect(t.remove(hs[3].guid)).toBe(false);
    expect(t.has(hs[3].guid)).toBe(false);
    expect(t.slot(3, 4)).toHaveLength(0);
    expect(t.primary(3, 4)).toBeUndefined();
    expect(t.remove(hs[0].guid)).toBe(true);
    expect(t.primary(0, 1)).toBe(hs[1]);
    expect(t.remove(SELF.guid)).toBe(false);
    expect(t.has(handle('12'.repeat(32)).guid)).toBe(false);
    expect(t.remove(handle('99').guid)).toBe(false);
    expect(t.size).toBe(3);
    expect([...t.neighbours()]).toEqual([hs[1], hs[4], hs[2]]); // level 0 (1…, f…) before level 1 (a0…)
  });

  it('agrees with a plain reference model under random adds and removes', () => {
    const rng = new SeededRng(11);
    const t = new RoutingTable(SELF, SPACE);
    const pool = Array.from({ length: 60 }, () => ({ guid: Guid.random(() => rng.int(256)), address: SELF.address }));
    // Force some deep levels: half the pool shares 1–4 leading digits with self.
    for (let i = 0; i < 30; i++) {
      const keep = 1 + (i % 4);
      pool[i] = { guid: Guid.fromHex(SELF.guid.hex.slice(0, keep) + pool[i].guid.hex.slice(keep)), address: SELF.address };
    }
    const model = new Map<string, number>();
    let evictions = 0;
    for (let step = 0; step < 2000; step++) {
      const h = pool[rng.int(pool.length)];
      if (h.guid.hex === SELF.guid.hex) continue;
      if (rng.int(3) === 0) {
        // A GUID decoded from the wire is a different object with the same bytes: found all the same.
        const probe = rng.int(2) === 0 ? h.guid : Guid.fromBytes(h.guid.bytes);
        expect(t.remove(probe)).toBe(model.delete(h.guid.hex));
      } else {
        const latency = rng.int(50);
        const r = t.addDetailed(h, latency);
        if (r.added) model.set(h.guid.hex, latency);
        if (r.evicted) {
          evictions++;
          model.delete(r.evicted.guid.hex);
        }
      }
    }
    expect(evictions).toBeGreaterThan(10);
    // Every slot: the model's members filed there, best first, never more than slotSize.
    const bySlot = new Map<string, [string, number][]>();
    for (const [hex, latency] of model) {
      const g = Guid.fromHex(hex);
      const level = sharedPrefixLength(SELF.guid, g, 4);
      const key = `${level}/${g.digit(level, 4)}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), [hex, latency]]);
    }
    for (let level = 0; level < t.levels; level++) {
      for (let d = 0; d < t.base; d++) {
        if (d === t.selfDigit(level)) continue;
        const want = (bySlot.get(`${level}/${d}`) ?? []).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
        expect(want.length).toBeLessThanOrEqual(3);
        expect(t.slot(level, d).map((e) => [e.handle.guid.hex, e.latency])).toEqual(want);
      }
    }
    expect(t.size).toBe(model.size);
    expect(pool.map((h) => t.get(Guid.fromBytes(h.guid.bytes))?.latency)).toEqual(pool.map((h) => model.get(h.guid.hex)));
    const perLevel = Array.from({ length: t.levels }, (_, level) => t.levelSize(level));
    expect(perLevel.reduce((a, b) => a + b, 0)).toBe(model.size);
    for (let level = 0; level < t.levels; level++) {
      expect(perLevel[level]).toBe([...bySlot.keys()].filter((k) => k.startsWith(`${level}/`)).reduce((a, k) => a + bySlot.get(k)!.length, 0));
    }
  });
});

/**
 * Random records and removals of `pool`'s GUIDs, each by the pooled GUID object or a copy (as one
 * decoded from the wire would be), checked after every step against a model: handles in
 * first-recorded order, a refresh taking the new handle in place. Each record is a new handle object
 * (another port), so a refresh is visible. Returns the overflows and refreshes seen.
 */
function checkBackpointerRun(t: RoutingTable, pool: Guid[], steps: number, rng: SeededRng): { overflow: number; refreshed: number } {
  const self = t.self.guid;
  const levelOf = (h: NodeHandle): number => sharedPrefixLength(self, h.guid, t.space.digitBits);
  const probe = (g: Guid): Guid => (rng.int(2) === 0 ? g : Guid.fromBytes(g.bytes));
  const model: NodeHandle[] = [];
  let overflow = 0;
  let refreshed = 0;
  for (let step = 0; step < steps; step++) {
    const guid = pool[rng.int(pool.length)];
    const at = model.findIndex((h) => h.guid.equals(guid));
    let answer: boolean;
    let expected: boolean;
    if (rng.int(4) === 0) {
      answer = t.removeBackpointer(probe(guid));
      expected = at >= 0;
      if (at >= 0) model.splice(at, 1);
    } else {
      const h: NodeHandle = { guid: probe(guid), address: { ...SELF.address, port: port++ } };
      const isSelf = guid.equals(self);
      answer = t.addBackpointer(h);
      expected = !isSelf && (at >= 0 || model.length < t.maxBackpointers);
      if (at >= 0) {
        model[at] = h;
        refreshed++;
      } else if (expected) model.push(h);
      else if (!isSelf) overflow++;
    }
    // Handles by port (one per handle object), non-empty levels only. The whole set lists level 0
    // first, then deeper levels, each in first-recorded order.
    const modelHexes = new Set(model.map((h) => h.guid.hex));
    const got = {
      step,
      answer,
      all: t.backpointers().map((h) => h.address.port),
      byLevel: {} as Record<number, number[]>,
      count: t.backpointerCount,
      has: pool.filter((g) => t.hasBackpointer(probe(g))).map((g) => g.hex),
      overflow: t.stats.backpointerOverflow,
    };
    const want = {
      step,
      answer: expected,
      all: [] as number[],
      byLevel: {} as Record<number, number[]>,
      count: model.length,
      has: pool.filter((g) => modelHexes.has(g.hex)).map((g) => g.hex),
      overflow,
    };
    for (let l = 0; l < t.levels; l++) {
      const listed = t.backpointersAt(l).map((h) => h.address.port);
      if (listed.length > 0) got.byLevel[l] = listed;
    }
    for (const h of model) (want.byLevel[levelOf(h)] ??= []).push(h.address.port);
    for (const l of Object.keys(want.byLevel).map(Number).sort((a, b) => a - b)) want.all.push(...want.byLevel[l]);
    // expect is slow under jest: compare plainly, and let it show the whole diff on a mismatch only.
    if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
  }
  return { overflow, refreshed };
}

describe('backpointers', () => {
  it('records, refreshes and removes them', () => {
    const t = new RoutingTable(SELF, SPACE);
    const [x, y] = ['30', '31'].map(handle);
    expect(t.addBackpointer(x)).toBe(true);
    expect(t.addBackpointer(y)).toBe(true);
    expect(t.addBackpointer(x)).toBe(true);
    expect(t.backpointers()).toEqual([x, y]);
    expect(t.hasBackpointer(y.guid)).toBe(true);
    expect(t.removeBackpointer(y.guid)).toBe(true);
    expect(t.removeBackpointer(y.guid)).toBe(false);
    expect(t.backpointerCount).toBe(1);
    expect(t.addBackpointer(SELF)).toBe(false);
    expect(() => t.addBackpointer(handle('30'.repeat(32)))).toThrow(InvalidArgumentError);
  });

  it('stops at maxBackpointers and counts what it refused, without throwing', () => {
    const t = new RoutingTable(SELF, SPACE, { maxBackpointers: 3 });
    const hs = ['50', '51', '52', '53', '54'].map(handle);
    expect(hs.map((h) => t.addBackpointer(h))).toEqual([true, true, true, false, false]);
    expect(t.stats.backpointerOverflow).toBe(2);
    expect(t.addBackpointer(hs[0])).toBe(true); // already known: a refresh, not an overflow
    expect(t.stats.backpointerOverflow).toBe(2);
    t.removeBackpointer(hs[1].guid);
    expect(t.addBackpointer(hs[4])).toBe(true);
    expect(t.backpointers()).toEqual([hs[0], hs[2], hs[4]]);
  });

  it('files each under its shared-prefix level, in first-recorded order, and lists them level by level (random, vs brute force)', () => {
    const rng = new SeededRng(21);
    let overflowed = 0;
    let refreshed = 0;
    for (const digitBits of [1, 4, 8]) {
      const self: NodeHandle = { guid: Guid.random(() => rng.int(256)), address: SELF.address };
      const t = new RoutingTable(self, idSpace(160, digitBits), { maxBackpointers: 30 });
      // Prefixes of self of every length, so deep levels fill too; a copy of self must be refused.
      const pool = Array.from({ length: 60 }, (_, i) => {
        const bytes = Guid.random(() => rng.int(256)).bytes;
        bytes.set(self.guid.bytes.subarray(0, i % 21));
        return Guid.fromBytes(bytes);
      });
      const run = checkBackpointerRun(t, pool, 400, rng);
      overflowed += run.overflow;
      refreshed += run.refreshed;
      expect(t.addBackpointer(self)).toBe(false);
      expect(() => t.backpointersAt(-1)).toThrow(InvalidArgumentError);
      expect(() => t.backpointersAt(t.levels)).toThrow(InvalidArgumentError);
    }
    expect(overflowed).toBeGreaterThan(20);
    expect(refreshed).toBeGreaterThan(100);
  });

  it('keeps a level right past the length where it stops being copied on each record', () => {
    // Byte digits: a level holds up to 255 × slotSize listers, beyond the copy limit of 64.
    const self: NodeHandle = { guid: Guid.fromHex('80'.repeat(20)), address: SELF.address };
    const t = new RoutingTable(self, idSpace(160, 8), { maxBackpointers: 150 });
    const rng = new SeededRng(22);
    // Level 0 and level 1 only, so both fill far past 64.
    const pool = Array.from({ length: 300 }, (_, i) => {
      const bytes = Guid.random(() => rng.int(256)).bytes;
      bytes[0] = i % 2 === 0 ? rng.int(128) : 0x80;
      if (bytes[0] === 0x80) bytes[1] = rng.int(128);
      return Guid.fromBytes(bytes);
    });
    const run = checkBackpointerRun(t, pool, 800, rng);
    expect(Math.min(t.backpointersAt(0).length, t.backpointersAt(1).length)).toBeGreaterThan(64);
    expect(run.overflow).toBeGreaterThan(20);
  });

  it('returns a copy', () => {
    const t = new RoutingTable(SELF, SPACE);
    t.addBackpointer(handle('60'));
    t.backpointers().pop();
    expect(t.backpointerCount).toBe(1);
  });
});

describe('admitBelow', () => {
  // Oracle: the same adds replayed into a second table, then the candidate actually offered to it.
  it('says exactly which latencies add() would take, for random tables and candidates', () => {
    const rng = new SeededRng(41);
    const randomHandle = (): NodeHandle => {
      // Share a short prefix with SELF often, so slots fill up and fill past their size.
      const bytes = Uint8Array.from(SELF.guid.bytes);
      const keep = rng.int(3);
      for (let i = keep; i < bytes.length; i++) bytes[i] = rng.int(256);
      return { guid: Guid.fromBytes(bytes), address: SELF.address };
    };
    let full = 0;
    for (let trial = 0; trial < 500; trial++) {
      const adds = Array.from({ length: 60 }, () => ({ h: randomHandle(), ms: 1 + rng.int(1000) / 7 }));
      const build = () => {
        const t = new RoutingTable(SELF, SPACE);
        for (const a of adds) t.add(a.h, a.ms);
        return t;
      };
      const table = build();
      const candidate = rng.int(4) === 0 ? adds[rng.int(adds.length)].h : randomHandle();
      const ms = 1 + rng.int(1000) / 7 + 1e-9; // never equal to a listed latency: no GUID tie-break
      const bound = table.admitBelow(candidate.guid);
      if (bound !== Number.POSITIVE_INFINITY && bound > 0) full++;
      expect(build().add(candidate, ms)).toBe(ms < bound);
    }
    expect(full).toBeGreaterThan(20); // full slots were exercised, not only rooms
    expect(new RoutingTable(SELF, SPACE).admitBelow(SELF.guid)).toBe(0);
  });
});
