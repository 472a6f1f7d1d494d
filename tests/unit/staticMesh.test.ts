import { Guid, idSpace, type IdSpace } from '../../routing/guid';
import { InvalidArgumentError } from '../../errors';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import type { NodeHandle } from '../../routing/messages';

// Globals are slow to look up inside jest's sandbox; the latency function runs N² times.
const { sqrt, round: roundNumber } = Math;
const round20 = (d: number): number => roundNumber(d / 20);

function handleOf(guid: Guid, i: number): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 4000 } };
}

/**
 * Random GUIDs, plus clusters that share their first 5–8 bytes: pairs that agree on more than 32 bits
 * take the builder's slow path, and deep levels get populated.
 */
function makeHandles(rng: SeededRng, n: number, bits: 160 | 256): NodeHandle[] {
  const guids: Guid[] = [];
  const seen = new Set<string>();
  while (guids.length < n) {
    let g = Guid.random(() => rng.int(256), bits);
    if (guids.length > 0 && rng.int(4) === 0) {
      const bytes = Uint8Array.from(g.bytes);
      bytes.set(guids[rng.int(guids.length)].bytes.subarray(0, 5 + rng.int(4)));
      g = Guid.fromBytes(bytes);
    }
    if (!seen.has(g.hex)) {
      seen.add(g.hex);
      guids.push(g);
    }
  }
  return guids.map(handleOf);
}

/** Points on a 200×200 plane; `round` makes many equal latencies so the GUID tie-break matters. */
function planeLatency(rng: SeededRng, n: number, round: boolean): (i: number, j: number) => number {
  const xs = Array.from({ length: n }, () => rng.next() * 200);
  const ys = Array.from({ length: n }, () => rng.next() * 200);
  return (i, j) => {
    const d = sqrt((xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2);
    return round ? round20(d) : d;
  };
}

/** Digits from the hex form's bits: independent of digitAt and sharedPrefixLength. */
function digitsOf(g: Guid, space: IdSpace): number[] {
  const bitsStr = Array.from(g.hex, (c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  return Array.from({ length: space.digits }, (_, i) => parseInt(bitsStr.slice(i * space.digitBits, (i + 1) * space.digitBits), 2));
}

const byHex = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Checks every slot of every table against the definition, by brute force. */
function checkAgainstDefinition(handles: NodeHandle[], latency: (i: number, j: number) => number, space: IdSpace, slotSize: number): void {
  const tables = buildStaticMesh(handles, latency, space, { slotSize });
  const digits = handles.map((h) => digitsOf(h.guid, space));
  const problems: string[] = [];
  handles.forEach((self, i) => {
    const table = tables[i];
    // Qualifying nodes per (level, digit): exactly `level` shared digits, then `digit`.
    const qualifying = new Map<number, { hex: string; latency: number }[]>();
    handles.forEach((other, j) => {
      if (j === i) return;
      let level = 0;
      while (digits[i][level] === digits[j][level]) level++;
      const key = level * space.base + digits[j][level];
      const list = qualifying.get(key) ?? [];
      list.push({ hex: other.guid.hex, latency: latency(i, j) });
      qualifying.set(key, list);
    });
    for (let level = 0; level < space.digits; level++) {
      for (let d = 0; d < space.base; d++) {
        const got = table.slot(level, d).map((e) => ({ hex: e.handle.guid.hex, latency: e.latency }));
        if (d === digits[i][level]) {
          if (got.length !== 1 || got[0].hex !== self.guid.hex) problems.push(`node ${i} own slot (${level},${d})`);
          continue;
        }
        const want = (qualifying.get(level * space.base + d) ?? [])
          .sort((a, b) => a.latency - b.latency || byHex(a.hex, b.hex))
          .slice(0, slotSize);
        if ((got.length > 0 || want.length > 0) && JSON.stringify(got) !== JSON.stringify(want)) {
          problems.push(`node ${i} slot (${level},${d}): got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        }
      }
    }
    const listers = handles.filter((_, j) => tables[j].has(self.guid)).map((h) => h.guid.hex).sort();
    const backs = table.backpointers().map((h) => h.guid.hex).sort();
    if (JSON.stringify(listers) !== JSON.stringify(backs)) problems.push(`node ${i} backpointers`);
  });
  expect(problems.slice(0, 5)).toEqual([]);
  // Sanity: the clusters reached past the first 32 bits, so deep levels were exercised.
  const index = new Map(handles.map((h, i) => [h.guid.hex, i]));
  let deepest = 0;
  tables.forEach((t, i) => {
    for (const h of t.neighbours()) {
      const j = index.get(h.guid.hex)!;
      let level = 0;
      while (digits[i][level] === digits[j][level]) level++;
      deepest = Math.max(deepest, level);
    }
  });
  expect(deepest * space.digitBits).toBeGreaterThanOrEqual(40);
}

describe('buildStaticMesh', () => {
  it.each([
    ['160-bit, hex digits, distinct latencies', 160, 4, 200, false, 3],
    ['160-bit, hex digits, many tied latencies', 160, 4, 200, true, 3],
    ['160-bit, hex digits, one per slot', 160, 4, 120, false, 1],
    ['160-bit, hex digits, five per slot', 160, 4, 120, true, 5],
    ['160-bit, binary digits', 160, 1, 100, true, 3],
    ['160-bit, 2-bit digits', 160, 2, 100, false, 3],
    ['256-bit, byte digits', 256, 8, 100, true, 3],
    ['256-bit, hex digits', 256, 4, 100, false, 2],
  ] as const)('fills every slot with the closest qualifying nodes: %s', (_, bits, digitBits, n, round, slotSize) => {
    const rng = new SeededRng(bits * 100 + digitBits * 10 + slotSize + (round ? 1000 : 0));
    const handles = makeHandles(rng, n, bits);
    checkAgainstDefinition(handles, planeLatency(rng, n, round), idSpace(bits, digitBits), slotSize);
  });

  it('uses the latency as measured from the listing node (asymmetric latencies)', () => {
    const rng = new SeededRng(77);
    const handles = makeHandles(rng, 80, 160);
    const space = idSpace(160, 4);
    const asym = (i: number, j: number): number => (i * 7 + j * 13) % 10;
    checkAgainstDefinition(handles, asym, space, 3);
  });

  it('handles empty and single-node networks', () => {
    const space = idSpace();
    expect(buildStaticMesh([], () => 0, space)).toEqual([]);
    const [t] = buildStaticMesh([handleOf(Guid.fromName('solo'), 0)], () => 0, space);
    expect(t.size).toBe(0);
    expect(t.backpointers()).toEqual([]);
  });

  it('rejects duplicate GUIDs, wrong widths and bad latencies', () => {
    const space = idSpace(160, 4);
    const a = handleOf(Guid.fromName('a'), 0);
    const b = handleOf(Guid.fromName('b'), 1);
    expect(() => buildStaticMesh([a, b, handleOf(Guid.fromName('a'), 2)], () => 1, space)).toThrow(InvalidArgumentError);
    expect(() => buildStaticMesh([a, handleOf(Guid.fromName('b', 256), 1)], () => 1, space)).toThrow(InvalidArgumentError);
    expect(() => buildStaticMesh([a, b], () => NaN, space)).toThrow(InvalidArgumentError);
    expect(() => buildStaticMesh([a, b], () => -1, space)).toThrow(InvalidArgumentError);
    expect(() => buildStaticMesh([a, b], () => 1, space, { slotSize: 0 })).toThrow(InvalidArgumentError);
  });

  it('bounds backpointers and counts the overflow', () => {
    const rng = new SeededRng(5);
    const handles = makeHandles(rng, 60, 160);
    const tables = buildStaticMesh(handles, planeLatency(rng, 60, false), idSpace(), { maxBackpointers: 2 });
    for (const t of tables) expect(t.backpointerCount).toBeLessThanOrEqual(2);
    expect(tables.reduce((s, t) => s + t.stats.backpointerOverflow, 0)).toBeGreaterThan(0);
  });
});
