import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { InvalidArgumentError } from '../../errors';
import { LeafSet, type LeafChange } from '../../membership/leafSet';
import { SeededRng } from '../../sim/random';

let port = 1;
function handleOf(guid: Guid): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: port++ } };
}

const values = new Map<string, bigint>();
/** The GUID as a number: the oracle measures distance with bigint, independent of the byte arithmetic. */
function value(g: Guid): bigint {
  let v = values.get(g.hex);
  if (v === undefined) values.set(g.hex, (v = BigInt(`0x${g.hex}`)));
  return v;
}

/**
 * GUIDs that exercise the wrap: many near 0 and near the top of the space, some just around self,
 * the rest uniform.
 */
function guidNear(rng: SeededRng, bits: 160 | 256, self?: Guid): Guid {
  const g = Guid.random(() => rng.int(256), bits);
  const bytes = Uint8Array.from(g.bytes);
  const kind = rng.int(4);
  if (kind === 0) bytes.fill(0, 0, 1 + rng.int(3));
  else if (kind === 1) bytes.fill(0xff, 0, 1 + rng.int(3));
  else if (kind === 2 && self) bytes.set(self.bytes.subarray(0, 1 + rng.int(3)));
  return Guid.fromBytes(bytes);
}

/** Brute force: sort every known GUID by its distance in each direction and keep L/2 of each. */
function oracle(self: Guid, known: Iterable<Guid>, size: number): { smaller: string[]; larger: string[] } {
  const mod = 1n << BigInt(self.bits);
  const s = value(self);
  const all = [...known].filter((g) => g.hex !== self.hex);
  const half = size / 2;
  const nearest = (dist: (v: bigint) => bigint): string[] =>
    all
      .map((g) => ({ hex: g.hex, d: dist(value(g)) }))
      .sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0))
      .slice(0, half)
      .map((e) => e.hex);
  return {
    smaller: nearest((v) => (((s - v) % mod) + mod) % mod),
    larger: nearest((v) => (((v - s) % mod) + mod) % mod),
  };
}

/** A trial's empty leaf set: the width alternates, the size cycles through `sizes`, self is often near an end. */
function trialSet(rng: SeededRng, trial: number, sizes: number[]): { bits: 160 | 256; size: number; self: Guid; leaves: LeafSet } {
  const bits = trial % 2 === 0 ? 160 : 256;
  const size = sizes[trial % sizes.length];
  const self = guidNear(rng, bits);
  return { bits, size, self, leaves: new LeafSet(self, size) };
}

const hexesOf = (hs: readonly NodeHandle[]): string[] => hs.map((h) => h.guid.hex);

/** The change a call should report: undefined, or the set difference of the members, sorted. */
function difference(before: Set<string>, after: Set<string>): { added: string[]; removed: string[] } | undefined {
  const added = [...after].filter((h) => !before.has(h)).sort();
  const removed = [...before].filter((h) => !after.has(h)).sort();
  return added.length === 0 && removed.length === 0 ? undefined : { added, removed };
}

function normalised(change: LeafChange | undefined): { added: string[]; removed: string[] } | undefined {
  return change && { added: hexesOf(change.added).sort(), removed: hexesOf(change.removed).sort() };
}

describe('LeafSet', () => {
  it('refuses a size that is not an even integer ≥ 2', () => {
    const self = Guid.fromName('self');
    for (const bad of [0, 1, 3, 2.5, -2, Number.NaN]) expect(() => new LeafSet(self, bad)).toThrow(InvalidArgumentError);
    expect(new LeafSet(self).capacity).toBe(10);
  });

  it('keeps the nearest L/2 on each side of every GUID added, wrapping around the space (random, vs brute force)', () => {
    const rng = new SeededRng(11);
    let wrapped = 0;
    for (let trial = 0; trial < 60; trial++) {
      const bits = trial % 3 === 0 ? 256 : 160;
      const size = [2, 4, 10, 16][trial % 4];
      const self = guidNear(rng, bits);
      const leaves = new LeafSet(self, size);
      const known: Guid[] = [];
      const n = 1 + rng.int(60);
      for (let i = 0; i < n; i++) {
        const g = guidNear(rng, bits, self);
        if (g.hex === self.hex) continue;
        known.push(g);
        leaves.add(handleOf(g));
        const want = oracle(self, known, size);
        expect(hexesOf(leaves.smaller())).toEqual(want.smaller);
        expect(hexesOf(leaves.larger())).toEqual(want.larger);
      }
      const s = value(self);
      if (leaves.smaller().some((h) => value(h.guid) > s) || leaves.larger().some((h) => value(h.guid) < s)) wrapped++;
    }
    // The generator puts nodes on both ends of the space, so many sets reach across the wrap.
    expect(wrapped).toBeGreaterThan(10);
  });

  it('follows the model under random adds and removes, and reports exactly the set difference', () => {
    const rng = new SeededRng(12);
    let removalsSeen = 0;
    let evictionsSeen = 0;
    for (let trial = 0; trial < 40; trial++) {
      const { bits, size, self, leaves } = trialSet(rng, trial, [2, 4, 6, 10]);
      const pool: Guid[] = Array.from({ length: 5 + rng.int(30) }, () => guidNear(rng, bits, self));
      // The model: the members are the nearest L/2 each way among what was known a step before.
      let members = new Map<string, Guid>();
      const stored = new Map<string, NodeHandle>();
      for (let step = 0; step < 150; step++) {
        const g = pool[rng.int(pool.length)];
        const before = new Set(members.keys());
        let change: LeafChange | undefined;
        let candidates: Guid[];
        let offered: NodeHandle | undefined;
        if (rng.int(3) === 0) {
          change = leaves.remove(g);
          candidates = [...members.values()].filter((m) => m.hex !== g.hex);
        } else {
          offered = handleOf(g);
          change = leaves.add(offered);
          candidates = members.has(g.hex) ? [...members.values()] : [...members.values(), g];
        }
        const want = oracle(self, candidates, size);
        members = new Map([...want.smaller, ...want.larger].map((h) => [h, candidates.find((c) => c.hex === h)!]));
        const after = new Set(members.keys());
        // A member keeps the handle last offered for it (a refresh), the same on both sides.
        if (offered && after.has(g.hex)) stored.set(g.hex, offered);
        const storedPorts = (hexes: string[]): number[] => hexes.map((h) => stored.get(h)!.address.port);
        // One expect per step (expect is slow under jest); a mismatch still shows the whole diff.
        expect({
          smaller: hexesOf(leaves.smaller()),
          larger: hexesOf(leaves.larger()),
          ports: [leaves.smaller(), leaves.larger()].map((side) => side.map((h) => h.address.port)),
          size: leaves.size,
          members: hexesOf(leaves.members()).sort(),
          has: pool.filter((p) => leaves.has(p)).map((p) => p.hex),
          change: normalised(change),
        }).toEqual({
          smaller: want.smaller,
          larger: want.larger,
          ports: [storedPorts(want.smaller), storedPorts(want.larger)],
          size: after.size,
          members: [...after].sort(),
          has: pool.filter((p) => after.has(p.hex)).map((p) => p.hex),
          change: difference(before, after),
        });
        if (change && change.removed.length > 0) {
          if (change.added.length > 0) evictionsSeen++;
          else removalsSeen++;
        }
      }
    }
    expect(removalsSeen).toBeGreaterThan(20);
    expect(evictionsSeen).toBeGreaterThan(20);
  });

  it('turns away exactly the offers the brute force leaves out, and reports each admission (GUIDs sharing long runs with self)', () => {
    const rng = new SeededRng(14);
    let rejected = 0;
    let admitted = 0;
    for (let trial = 0; trial < 40; trial++) {
      const { bits, size, self, leaves } = trialSet(rng, trial, [2, 4, 8, 16]);
      const known = new Map<string, Guid>();
      for (let i = 0; i < 120; i++) {
        // Self's bytes up to a point, then runs of 00, ff or self's own bytes: a distance then borrows
        // across many bytes, which the rejection test must get right without subtracting in full.
        const bytes = Uint8Array.from(self.bytes);
        for (let b = rng.int(bytes.length); b < bytes.length; b++) bytes[b] = [0, 0xff, self.bytes[b], rng.int(256)][rng.int(4)];
        const g = rng.int(4) === 0 ? guidNear(rng, bits, self) : Guid.fromBytes(bytes);
        if (g.hex === self.hex || known.has(g.hex)) continue;
        const before = new Set([...leaves.smaller(), ...leaves.larger()].map((h) => h.guid.hex));
        known.set(g.hex, g);
        const change = leaves.add(handleOf(g));
        const want = oracle(self, known.values(), size);
        const after = new Set([...want.smaller, ...want.larger]);
        if (change === undefined) rejected++;
        else admitted++;
        expect({ smaller: hexesOf(leaves.smaller()), larger: hexesOf(leaves.larger()), change: normalised(change) }).toEqual({
          smaller: want.smaller,
          larger: want.larger,
          change: difference(before, after),
        });
      }
    }
    expect(rejected).toBeGreaterThan(1000);
    expect(admitted).toBeGreaterThan(500);
  });

  it('puts the same nodes on both sides when fewer than L others exist', () => {
    const self = Guid.fromHex('80'.padEnd(40, '0'));
    const a = handleOf(Guid.fromHex('10'.padEnd(40, '0')));
    const b = handleOf(Guid.fromHex('f0'.padEnd(40, '0')));
    const leaves = new LeafSet(self, 10);
    expect(hexesOf(leaves.add(a)!.added)).toEqual([a.guid.hex]);
    expect(leaves.add(b)).toEqual({ added: [b], removed: [] });
    // Going down from 0x80: 0x10, then past 0 to 0xf0. Going up: 0xf0, then past the top to 0x10.
    expect(leaves.smaller()).toEqual([a, b]);
    expect(leaves.larger()).toEqual([b, a]);
    expect(leaves.members()).toEqual([a, b]);
    expect(leaves.size).toBe(2);
    expect(leaves.remove(a.guid)).toEqual({ added: [], removed: [a] });
    expect(leaves.smaller()).toEqual([b]);
    expect(leaves.larger()).toEqual([b]);
  });

  it('refills a short side from the other side, nearest first, without reporting them as added', () => {
    const self = Guid.fromHex('80'.padEnd(40, '0'));
    const hs = ['7f', '7e', '81', '82', '83', '84'].map((p) => handleOf(Guid.fromHex(p.padEnd(40, '0'))));
    const leaves = new LeafSet(self, 4);
    for (const h of hs) leaves.add(h);
    expect(hexesOf(leaves.smaller()).map((h) => h.slice(0, 2))).toEqual(['7f', '7e']);
    expect(hexesOf(leaves.larger()).map((h) => h.slice(0, 2))).toEqual(['81', '82']);
    // 0x83 and 0x84 were pushed out: they are farther than the side's two and on no other side.
    expect(leaves.size).toBe(4);
    expect(leaves.remove(hs[0].guid)).toEqual({ added: [], removed: [hs[0]] });
    // Going down, the known nodes past 0x7e are the larger side's (across the wrap): 0x82 is nearest.
    expect(hexesOf(leaves.smaller()).map((h) => h.slice(0, 2))).toEqual(['7e', '82']);
  });

  it('ignores self, unknown removals and GUIDs of another width, and refreshes a known address silently', () => {
    const self = Guid.fromName('self');
    const leaves = new LeafSet(self, 4);
    expect(leaves.add(handleOf(self))).toBeUndefined();
    expect(leaves.add(handleOf(Guid.fromName('wide', 256)))).toBeUndefined();
    expect(leaves.remove(Guid.fromName('nobody'))).toBeUndefined();
    const g = Guid.fromName('peer');
    const first = handleOf(g);
    leaves.add(first);
    const moved = handleOf(g);
    expect(leaves.add(moved)).toBeUndefined();
    expect(leaves.smaller()).toEqual([moved]);
    expect(leaves.larger()).toEqual([moved]);
    expect(leaves.size).toBe(1);
  });

  it('addAll reports the net change over many adds', () => {
    const rng = new SeededRng(13);
    const self = Guid.random(() => rng.int(256));
    const leaves = new LeafSet(self, 4);
    const hs = Array.from({ length: 30 }, () => handleOf(Guid.random(() => rng.int(256))));
    const first = leaves.addAll(hs.slice(0, 10))!;
    expect(new Set(hexesOf(first.added))).toEqual(new Set(hexesOf(leaves.members())));
    expect(first.removed).toEqual([]);
    const before = new Set(hexesOf(leaves.members()));
    const second = leaves.addAll(hs.slice(10));
    expect(normalised(second)).toEqual(difference(before, new Set(hexesOf(leaves.members()))));
    expect(leaves.addAll(hs)).toBeUndefined();
  });
});
