import { Guid, idSpace, type IdSpace } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { nextHop } from '../../routing/nextHop';
import { RoutingTable } from '../../routing/routingTable';
import { multicastChildren, needToKnowPrefixLength, tableHoles } from '../../membership/multicast';
import { closestK, levelCandidates } from '../../membership/neighbours';
import { promoteBackup, replacementFor } from '../../membership/replacement';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';

// Globals are slow to look up inside jest's sandbox; the latency function runs N² times.
const { sqrt, round: roundNumber } = Math;

function handleOf(guid: Guid, i: number): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 4000 } };
}

/** Random GUIDs, a quarter of them sharing 1–4 leading bytes with an earlier one, so deep levels fill. */
function makeGuids(rng: SeededRng, n: number, bits: 160 | 256): Guid[] {
  const out: Guid[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    let g = Guid.random(() => rng.int(256), bits);
    if (out.length > 0 && rng.int(4) === 0) {
      const bytes = Uint8Array.from(g.bytes);
      bytes.set(out[rng.int(out.length)].bytes.subarray(0, 1 + rng.int(4)));
      g = Guid.fromBytes(bytes);
    }
    if (!seen.has(g.hex)) {
      seen.add(g.hex);
      out.push(g);
    }
  }
  return out;
}

/** Digits as a string of one char per digit, from the hex form's bits: independent of digitAt. */
function digitString(g: Guid, space: IdSpace): string {
  const bitsStr = Array.from(g.hex, (c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  let out = '';
  for (let i = 0; i < space.digits; i++) out += String.fromCharCode(48 + parseInt(bitsStr.slice(i * space.digitBits, (i + 1) * space.digitBits), 2));
  return out;
}

function common(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

interface Mesh {
  space: IdSpace;
  handles: NodeHandle[];
  tables: RoutingTable[];
  digits: string[];
  index: Map<string, number>;
}

function makeMesh(seed: number, n: number, bits: 160 | 256, digitBits: 1 | 2 | 4 | 8, slotSize = 3): Mesh {
  const rng = new SeededRng(seed);
  const space = idSpace(bits, digitBits);
  const handles = makeGuids(rng, n, bits).map(handleOf);
  const xs = Array.from({ length: n }, () => rng.next() * 200);
  const ys = Array.from({ length: n }, () => rng.next() * 200);
  // Rounded to 10 ms steps: many equal latencies, so the GUID tie-break is exercised too.
  const latency = (i: number, j: number): number => roundNumber(sqrt((xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2) / 10);
  const tables = buildStaticMesh(handles, latency, space, { slotSize });
  return {
    space,
    handles,
    tables,
    digits: handles.map((h) => digitString(h.guid, space)),
    index: new Map(handles.map((h, i) => [h.guid.hex, i])),
  };
}

const MESHES: Array<[string, () => Mesh]> = [
  ['160-bit, hex digits', () => makeMesh(1, 300, 160, 4)],
  ['160-bit, 2-bit digits, one node per slot', () => makeMesh(2, 200, 160, 2, 1)],
  ['256-bit, byte digits', () => makeMesh(3, 200, 256, 8)],
  ['256-bit, binary digits', () => makeMesh(4, 120, 256, 1)],
];

/** Walks the multicast tree from `start` at `level`; each visit of a node is counted. */
function walkTree(mesh: Mesh, start: number, level: number): { visits: Map<number, number>; badLevels: number } {
  const visits = new Map<number, number>([[start, 1]]);
  let badLevels = 0;
  const stack: Array<[number, number]> = [[start, level]];
  while (stack.length > 0) {
    const [at, from] = stack.pop()!;
    for (const child of multicastChildren(mesh.tables[at], from)) {
      const j = mesh.index.get(child.to.guid.hex)!;
      // A child continues one level past the first digit where it differs from its parent.
      if (common(mesh.digits[at], mesh.digits[j]) !== child.level - 1) badLevels++;
      visits.set(j, (visits.get(j) ?? 0) + 1);
      stack.push([j, child.level]);
    }
  }
  return { visits, badLevels };
}

function surrogateOf(mesh: Mesh, start: number, dest: Guid): number {
  let at = start;
  let level = 0;
  for (;;) {
    const hop = nextHop(mesh.tables[at], dest, level);
    if (hop.kind === 'root') return at;
    at = mesh.index.get(hop.to.guid.hex)!;
    level = hop.level + 1;
  }
}

describe.each(MESHES)('on a static mesh (%s)', (_name, build) => {
  let mesh: Mesh;
  beforeAll(() => {
    mesh = build();
  });

  it('multicastChildren: the tree from the surrogate of a joining GUID reaches exactly the nodes sharing its prefix, each once', () => {
    const rng = new SeededRng(21);
    for (let trial = 0; trial < 25; trial++) {
      // Half the joining GUIDs share some bytes with a member, so the prefix is often long.
      const joining =
        trial % 2 === 0 ? makeGuids(rng, 1, mesh.space.bits)[0] : makeGuids(rng, 2, mesh.space.bits).find((g) => !mesh.index.has(g.hex))!;
      const s = surrogateOf(mesh, rng.int(mesh.handles.length), joining);
      const p = needToKnowPrefixLength(mesh.handles[s].guid, joining, mesh.space.digitBits);
      const joiningDigits = digitString(joining, mesh.space);
      expect(p).toBe(common(mesh.digits[s], joiningDigits));
      const { visits, badLevels } = walkTree(mesh, s, p);
      const want = mesh.digits.flatMap((d, i) => (common(d, joiningDigits) >= p ? [i] : []));
      // The surrogate shares the longest prefix any node shares with the joining GUID.
      expect(mesh.digits.every((d) => common(d, joiningDigits) <= p)).toBe(true);
      expect([...visits.keys()].sort((a, b) => a - b)).toEqual(want);
      expect([...visits.values()].every((c) => c === 1)).toBe(true);
      expect(badLevels).toBe(0);
    }
  });

  it('multicastChildren: from any node at any level, the tree covers exactly the nodes sharing that many digits, each once', () => {
    const rng = new SeededRng(22);
    let groupsLargerThanOne = 0;
    for (let trial = 0; trial < 40; trial++) {
      const start = rng.int(mesh.handles.length);
      const level = rng.int(5);
      const prefix = mesh.digits[start].slice(0, level);
      const { visits, badLevels } = walkTree(mesh, start, level);
      const want = mesh.digits.flatMap((d, i) => (d.startsWith(prefix) ? [i] : []));
      expect({ reached: [...visits.keys()].sort((a, b) => a - b), once: [...visits.values()].every((c) => c === 1), badLevels }).toEqual({
        reached: want,
        once: true,
        badLevels: 0,
      });
      if (want.length > 1) groupsLargerThanOne++;
    }
    expect(groupsLargerThanOne).toBeGreaterThan(10);
  });

  it('tableHoles: exactly the empty slots, which are exactly the prefixes no node has', () => {
    const prefixes = new Set<string>();
    for (const d of mesh.digits) for (let l = 1; l <= d.length; l++) prefixes.add(d.slice(0, l));
    const { base, digits } = mesh.space;
    const key = (h: { level: number; digit: number }): string => `${h.level}.${h.digit}`;
    // About a dozen tables per mesh; holes compared as one string each (big arrays are slow to diff).
    const step = Math.ceil(mesh.handles.length / 12);
    for (let i = 0; i < mesh.handles.length; i += step) {
      const own = mesh.digits[i];
      const table = mesh.tables[i];
      const want: string[] = [];
      const empty: string[] = [];
      for (let l = 0; l < digits; l++) {
        const ownPrefix = own.slice(0, l);
        for (let d = 0; d < base; d++) {
          const c = String.fromCharCode(48 + d);
          if (c === own[l]) continue;
          if (!prefixes.has(ownPrefix + c)) want.push(`${l}.${d}`);
          if (table.slot(l, d).length === 0) empty.push(`${l}.${d}`);
        }
      }
      const holes = tableHoles(table).map(key).join(' ');
      expect(holes).toBe(want.join(' '));
      expect(holes).toBe(empty.join(' '));
      const inRange = want.filter((h) => {
        const l = Number(h.split('.')[0]);
        return l >= 2 && l < 5;
      });
      expect(tableHoles(table, 2, 5).map(key).join(' ')).toBe(inRange.join(' '));
    }
  });

  it('replacementFor: the fastest entry with the leaving node’s next digit too, undefined exactly when none exists', () => {
    const rng = new SeededRng(23);
    const counts = { defined: 0, undefined: 0 };
    for (let n = 0; n < mesh.handles.length; n += 5) {
      const table = mesh.tables[n];
      const entries = [...table.neighbours()].map((h) => ({ hex: h.guid.hex, latency: table.get(h.guid)!.latency }));
      // Backpointers, plus arbitrary GUIDs (some sharing a long prefix with N).
      // In a small byte-digit mesh nearly everyone lists everyone: a sample of backpointers does.
      const asking = table.backpointers().slice(0, 25).map((h) => h.guid);
      for (let k = 0; k < 5; k++) {
        const bytes = Uint8Array.from(makeGuids(rng, 1, mesh.space.bits)[0].bytes);
        bytes.set(mesh.handles[n].guid.bytes.subarray(0, rng.int(5)));
        asking.push(Guid.fromBytes(bytes));
      }
      for (const x of asking) {
        const level = common(mesh.digits[n], digitString(x, mesh.space));
        const fits = entries
          .filter((e) => e.hex !== x.hex && common(mesh.digits[n], mesh.digits[mesh.index.get(e.hex)!]) >= level + 1)
          .sort((a, b) => a.latency - b.latency || (a.hex < b.hex ? -1 : 1));
        const inNetwork = mesh.digits.some((d, j) => j !== n && common(mesh.digits[n], d) >= level + 1);
        const got = replacementFor(table, x);
        expect({ got: got?.guid.hex, inNetwork }).toEqual({ got: fits[0]?.hex, inNetwork: fits.length > 0 });
        counts[got === undefined ? 'undefined' : 'defined']++;
      }
    }
    expect(counts.defined).toBeGreaterThan(20);
    expect(counts.undefined).toBeGreaterThan(20);
  });

  it('promoteBackup: drops a failed neighbour and its slot’s next entry takes over', () => {
    const rng = new SeededRng(24);
    let promotions = 0;
    for (let trial = 0; trial < 30; trial++) {
      const i = rng.int(mesh.handles.length);
      const table = mesh.tables[i];
      const listed = [...table.neighbours()];
      const failed = listed[rng.int(listed.length)];
      const level = common(mesh.digits[i], mesh.digits[mesh.index.get(failed.guid.hex)!]);
      const digit = mesh.digits[mesh.index.get(failed.guid.hex)!].charCodeAt(level) - 48;
      const before = table.slot(level, digit).map((e) => e.handle);
      const wasPrimary = before[0] === failed;
      const latency = table.get(failed.guid)!.latency;
      const result = promoteBackup(table, failed.guid);
      const after = table.slot(level, digit).map((e) => e.handle);
      expect(after).toEqual(before.filter((h) => h !== failed));
      const want: Record<string, unknown> = { level, digit, wasPrimary };
      if (wasPrimary && before.length > 1) want.promoted = before[1];
      expect(result).toEqual(want);
      expect(table.has(failed.guid)).toBe(false);
      if (want.promoted) promotions++;
      // Put it back with its latency, so the slot is as it was for later tests.
      table.add(failed, latency);
    }
    // With one node per slot there is never a backup to promote.
    if (mesh.tables[0].slotSize > 1) expect(promotions).toBeGreaterThan(0);
    else expect(promotions).toBe(0);
  });
});

describe('promoteBackup on a hand-built slot', () => {
  const space = idSpace(160, 4);
  const h = (hex: string, i: number): NodeHandle => handleOf(Guid.fromHex(hex.padEnd(40, '0')), i);
  it('promotes the first backup, reports a removed backup and an emptied slot, and ignores unknown nodes', () => {
    const table = new RoutingTable(h('a5c3', 0), space);
    const [x, y, z] = [h('31', 1), h('32', 2), h('33', 3)];
    table.add(x, 5);
    table.add(y, 10);
    table.add(z, 15);
    expect(promoteBackup(table, x.guid)).toEqual({ level: 0, digit: 3, wasPrimary: true, promoted: y });
    expect(table.primary(0, 3)).toBe(y);
    expect(promoteBackup(table, z.guid)).toEqual({ level: 0, digit: 3, wasPrimary: false });
    expect(promoteBackup(table, y.guid)).toEqual({ level: 0, digit: 3, wasPrimary: true });
    expect(table.slot(0, 3)).toHaveLength(0);
    expect(promoteBackup(table, y.guid)).toBeUndefined();
    expect(promoteBackup(table, table.self.guid)).toBeUndefined();
  });

  it('replacementFor ignores the asking node itself and takes the fastest of deeper levels', () => {
    const table = new RoutingTable(h('a5c3', 0), space);
    const far = h('31', 1);
    const deepSlow = h('a5c4', 2);
    const deepFast = h('a6', 3);
    table.add(far, 1);
    table.add(deepSlow, 30);
    table.add(deepFast, 20);
    // X = 0x3… lists N at level 0: anything with N's first digit (a) qualifies.
    expect(replacementFor(table, far.guid)).toBe(deepFast);
    // X = 0xa7… lists N at level 1: only a5… nodes qualify.
    expect(replacementFor(table, Guid.fromHex('a7'.padEnd(40, '0')))).toBe(deepSlow);
    // X = 0xa5c5… lists N at level 3: N knows no a5c3… node.
    expect(replacementFor(table, Guid.fromHex('a5c5'.padEnd(40, '0')))).toBeUndefined();
    expect(() => replacementFor(table, Guid.fromName('wide', 256))).toThrow();
  });
});

describe('closestK', () => {
  const g = (i: number): Guid => Guid.fromHex(i.toString(16).padStart(2, '0').padEnd(40, '0'));
  const hh = (i: number): NodeHandle => handleOf(g(i), i);

  it('takes the k lowest round trips, ties by GUID, each node once with its best sample (random, vs brute force)', () => {
    const rng = new SeededRng(31);
    for (let trial = 0; trial < 200; trial++) {
      const samples = Array.from({ length: rng.int(40) }, () => ({ handle: hh(rng.int(30)), rtt: rng.int(20) }));
      const k = rng.int(12);
      const best = new Map<string, number>();
      for (const s of samples) best.set(s.handle.guid.hex, Math.min(best.get(s.handle.guid.hex) ?? Infinity, s.rtt));
      const want = [...best.entries()]
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, k)
        .map(([hex]) => hex);
      expect(closestK(samples, k).map((h) => h.guid.hex)).toEqual(want);
    }
  });

  it('skips unanswered probes and answers [] for k < 1', () => {
    const samples = [
      { handle: hh(1), rtt: Number.NaN },
      { handle: hh(2), rtt: -1 },
      { handle: hh(3), rtt: Infinity },
      { handle: hh(4), rtt: 7 },
    ];
    expect(closestK(samples, 5)).toEqual([samples[3].handle]);
    expect(closestK(samples, 0)).toEqual([]);
    expect(closestK([], 3)).toEqual([]);
  });
});

describe('levelCandidates', () => {
  it('keeps the handles sharing at least `level` digits with the joining node, once each, in first-seen order (random, vs brute force)', () => {
    const rng = new SeededRng(41);
    for (const digitBits of [1, 2, 4, 8] as const) {
      const space = idSpace(160, digitBits);
      for (let trial = 0; trial < 40; trial++) {
        const joining = makeGuids(rng, 1, 160)[0];
        const pool = makeGuids(rng, 30, 160).map((guid, i) => {
          const bytes = Uint8Array.from(guid.bytes);
          bytes.set(joining.bytes.subarray(0, rng.int(4)));
          return handleOf(Guid.fromBytes(bytes), i);
        });
        pool.push(handleOf(joining, 99), handleOf(Guid.fromName('wide', 256), 98));
        const lists = Array.from({ length: 1 + rng.int(4) }, () => Array.from({ length: rng.int(15) }, () => pool[rng.int(pool.length)]));
        const level = rng.int(space.digits / 4);
        const jd = digitString(joining, space);
        const want: string[] = [];
        for (const list of lists) {
          for (const h of list) {
            if (h.guid.bits !== 160 || h.guid.hex === joining.hex || want.includes(h.guid.hex)) continue;
            if (common(jd, digitString(h.guid, space)) >= level) want.push(h.guid.hex);
          }
        }
        expect(levelCandidates(joining, level, lists, digitBits).map((h) => h.guid.hex)).toEqual(want);
      }
    }
  });
});
