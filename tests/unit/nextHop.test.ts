import { Guid, idSpace, type IdSpace } from '../../routing/guid';
import { backupAvoiding, isRootFor, nextHop } from '../../routing/nextHop';
import { RoutingTable } from '../../routing/routingTable';
import { InvalidArgumentError } from '../../errors';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import type { NodeHandle } from '../../routing/messages';

// Globals are slow to look up inside jest's sandbox; the latency function runs N² times.
const { sqrt } = Math;

function handleOf(guid: Guid, i: number): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, i >> 8, i & 255), port: 4000 } };
}

function randomGuid(rng: SeededRng, bits: 160 | 256): Guid {
  return Guid.random(() => rng.int(256), bits);
}

interface Mesh {
  space: IdSpace;
  handles: NodeHandle[];
  tables: RoutingTable[];
  index: Map<string, number>;
}

/** A consistent mesh of n distinct random GUIDs, latency = distance between seeded points on a plane. */
function makeMesh(seed: number, n: number, space: IdSpace): Mesh {
  const rng = new SeededRng(seed);
  const seen = new Set<string>();
  const handles: NodeHandle[] = [];
  while (handles.length < n) {
    const g = randomGuid(rng, space.bits);
    if (seen.has(g.hex)) continue;
    seen.add(g.hex);
    handles.push(handleOf(g, handles.length));
  }
  const xs = Float64Array.from(handles, () => rng.next() * 200);
  const ys = Float64Array.from(handles, () => rng.next() * 200);
  const latency = (i: number, j: number): number => sqrt((xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2);
  const tables = buildStaticMesh(handles, latency, space);
  return { space, handles, tables, index: new Map(handles.map((h, i) => [h.guid.hex, i])) };
}

/** Follows nextHop from `src` as the network would: each receiver resumes at the sender's level + 1. */
function route(mesh: Mesh, src: number, dest: Guid): { root: number; hops: number } {
  let at = src;
  let level = 0;
  for (let hops = 0; hops <= mesh.space.digits; hops++) {
    const hop = nextHop(mesh.tables[at], dest, level);
    if (hop.kind === 'root') return { root: at, hops };
    if (hop.level < level) throw new Error(`level went back from ${level} to ${hop.level}`);
    const next = mesh.index.get(hop.to.guid.hex);
    if (next === undefined) throw new Error('forwarded to a node outside the mesh');
    at = next;
    level = hop.level + 1;
  }
  throw new Error(`more than ${mesh.space.digits} hops`);
}

/** Destinations: random GUIDs, node GUIDs, and near misses (a node's GUID with its last byte changed). */
function destinations(mesh: Mesh, rng: SeededRng, random: number, own: number): Guid[] {
  const out: Guid[] = [];
  for (let i = 0; i < random; i++) out.push(randomGuid(rng, mesh.space.bits));
  for (let i = 0; i < own; i++) {
    const g = mesh.handles[rng.int(mesh.handles.length)].guid;
    out.push(g);
    const bytes = Uint8Array.from(g.bytes);
    bytes[bytes.length - 1] ^= 1 + rng.int(255);
    out.push(Guid.fromBytes(bytes));
  }
  return out;
}

/** Routes to each destination from `sources`; every route must end at the oracle's root within `digits` hops. */
function checkConvergence(mesh: Mesh, dests: Guid[], sources: number[]): void {
  const guids = mesh.handles.map((h) => h.guid);
  const problems: string[] = [];
  for (const dest of dests) {
    const want = bruteForceRoot(guids, dest, mesh.space);
    if (!isRootFor(mesh.tables[want], dest)) problems.push(`${dest.hex}: oracle root ${want} does not see itself as root`);
    const exact = mesh.index.get(dest.hex);
    if (exact !== undefined && exact !== want) problems.push(`${dest.hex}: oracle picked ${want}, not the exact node ${exact}`);
    for (const src of sources) {
      const { root, hops } = route(mesh, src, dest);
      if (root !== want) problems.push(`${dest.hex} from ${src}: root ${root}, oracle ${want}`);
      if (hops > mesh.space.digits) problems.push(`${dest.hex} from ${src}: ${hops} hops`);
    }
  }
  expect(problems.slice(0, 5)).toEqual([]);
}

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('nextHop: every source reaches the oracle root (160-bit, hex digits)', () => {
  const space = idSpace(160, 4);
  it.each([
    [1, 5, 20, 1],
    [2, 20, 30, 2],
    [3, 20, 30, 3],
    [17, 10, 60, 17],
    [100, 3, 200, 100],
    [500, 2, 100, 50],
    [2000, 1, 40, 15],
  ])('%i nodes (%i meshes), %i random destinations, %i node GUIDs and as many near misses', (n, meshes, random, own) => {
    for (let m = 0; m < meshes; m++) {
      const mesh = makeMesh(1000 * m + n, n, space);
      checkConvergence(mesh, destinations(mesh, new SeededRng(n + m), random, own), all(n));
    }
  });

  it('hop count stays within the occupied levels (about log16 N)', () => {
    const mesh = makeMesh(7, 2000, space);
    const rng = new SeededRng(8);
    let worst = 0;
    for (let t = 0; t < 200; t++) worst = Math.max(worst, route(mesh, rng.int(2000), randomGuid(rng, 160)).hops);
    expect(worst).toBeLessThanOrEqual(6);
  });
});

describe('nextHop: other ID and digit widths', () => {
  it.each([
    [160, 1, 400],
    [160, 2, 400],
    [160, 8, 400],
    [256, 1, 200],
    [256, 4, 400],
    [256, 8, 400],
  ] as const)('%i-bit IDs with %i-bit digits, %i nodes', (bits, digitBits, n) => {
    const mesh = makeMesh(bits + digitBits * 7 + n, n, idSpace(bits, digitBits));
    checkConvergence(mesh, destinations(mesh, new SeededRng(digitBits), 40, 20), all(n));
  });
});

describe('nextHop: a hand-built mesh (hex digits)', () => {
  const space = idSpace(160, 4);
  // Digits that matter: A = 2a…, B = 72…, C = 75…. Every table lists every other node.
  const [A, B, C] = ['2a', '72', '75'].map((p, i) => handleOf(Guid.fromHex(p.padEnd(40, '1')), i));
  const latency: Record<string, number> = { '0,1': 10, '0,2': 20, '1,2': 5 };
  const nodes = [A, B, C];
  const tables = nodes.map((self, i) => {
    const t = new RoutingTable(self, space);
    nodes.forEach((other, j) => {
      if (j !== i) t.add(other, latency[[Math.min(i, j), Math.max(i, j)].join(',')]);
    });
    return t;
  });
  const dest = (prefix: string): Guid => Guid.fromHex(prefix.padEnd(40, '0'));

  it('wraps past the last digit at level 0: c4… has no c, d, e, f, 0 or 1, so goes to 2 (A)', () => {
    expect(nextHop(tables[1], dest('c4'), 0)).toEqual({ kind: 'forward', to: A, level: 0 });
    expect(nextHop(tables[2], dest('c4'), 0)).toEqual({ kind: 'forward', to: A, level: 0 });
    expect(nextHop(tables[0], dest('c4'), 0)).toEqual({ kind: 'root' });
    expect(nextHop(tables[0], dest('c4'), 1)).toEqual({ kind: 'root' });
  });

  it('wraps at level 1: 7a… matches 7 at level 0, then a…f, 0, 1 are empty, so 2 (B)', () => {
    // From C: its own digit 7 at level 0, then the surrogate hop to B at level 1.
    expect(nextHop(tables[2], dest('7a'), 0)).toEqual({ kind: 'forward', to: B, level: 1 });
    // From A: slot 7 at level 0 holds B and C; B is closer (10 ms vs 20 ms) and is the primary.
    expect(tables[0].slot(0, 7).map((e) => e.handle)).toEqual([B, C]);
    expect(nextHop(tables[0], dest('7a'), 0)).toEqual({ kind: 'forward', to: B, level: 0 });
    expect(nextHop(tables[1], dest('7a'), 1)).toEqual({ kind: 'root' });
    expect(bruteForceRoot([A.guid, B.guid, C.guid], dest('7a'), space)).toBe(1);
  });

  it('takes the next digit up without wrapping: 73… goes to 5 (C)', () => {
    expect(nextHop(tables[1], dest('73'), 0)).toEqual({ kind: 'forward', to: C, level: 1 });
    expect(isRootFor(tables[2], dest('73'))).toBe(true);
    expect(bruteForceRoot([A.guid, B.guid, C.guid], dest('73'), space)).toBe(2);
  });
});

describe('nextHop: arguments and edge cases', () => {
  const space = idSpace(160, 4);
  const self = handleOf(Guid.fromName('self'), 0);
  const table = new RoutingTable(self, space);

  it('a node alone is the root of every GUID', () => {
    const rng = new SeededRng(3);
    for (let i = 0; i < 20; i++) expect(nextHop(table, randomGuid(rng, 160), 0)).toEqual({ kind: 'root' });
  });

  it('startLevel = digits means already at the root', () => {
    table.add(handleOf(Guid.fromName('other'), 1), 1);
    expect(nextHop(table, Guid.fromName('x'), space.digits)).toEqual({ kind: 'root' });
  });

  it('rejects a destination of another width and out-of-range levels', () => {
    expect(() => nextHop(table, Guid.fromName('x', 256), 0)).toThrow(InvalidArgumentError);
    for (const bad of [-1, space.digits + 1, 1.5, NaN]) {
      expect(() => nextHop(table, Guid.fromName('x'), bad)).toThrow(InvalidArgumentError);
    }
  });

  it('bruteForceRoot needs at least one node and a matching width', () => {
    expect(() => bruteForceRoot([], Guid.fromName('x'), space)).toThrow(InvalidArgumentError);
    expect(() => bruteForceRoot([Guid.fromName('a')], Guid.fromName('x', 256), space)).toThrow(InvalidArgumentError);
    expect(bruteForceRoot([Guid.fromName('a')], Guid.fromName('x'), space)).toBe(0);
  });
});

describe('backupAvoiding', () => {
  test('is the first entry of the same slot not avoided, or undefined when the whole slot is avoided (brute force)', () => {
    const space = idSpace(160, 4);
    const mesh = makeMesh(31, 300, space);
    const rng = new SeededRng(32);
    let replaced = 0;
    let kept = 0;
    for (let trial = 0; trial < 500; trial++) {
      const table = mesh.tables[rng.int(mesh.handles.length)];
      const dest = randomGuid(rng, 160);
      const hop = nextHop(table, dest, 0);
      if (hop.kind !== 'forward') continue;
      // Avoid a random share of the table's neighbours, always including the chosen hop.
      const avoid = new Set([...table.neighbours()].filter(() => rng.next() < 0.5).map((h) => h.guid.hex));
      avoid.add(hop.to.guid.hex);
      const got = backupAvoiding(table, hop.to, hop.level, avoid);
      // Oracle: the slot is the one the hop's digit at its level names; its entries in order.
      const slot = table.slot(hop.level, hop.to.guid.digit(hop.level, space.digitBits)).map((e) => e.handle);
      expect(slot[0].guid.equals(hop.to.guid)).toBe(true);
      const want = slot.find((h) => !avoid.has(h.guid.hex) && h !== table.self);
      expect(got?.guid.hex).toBe(want?.guid.hex);
      if (got) {
        replaced++;
        // The backup resolves the same digit as the hop it replaces: the route loses no prefix.
        expect(got.guid.digit(hop.level, space.digitBits)).toBe(hop.to.guid.digit(hop.level, space.digitBits));
      } else kept++;
    }
    expect(replaced).toBeGreaterThan(50);
    expect(kept).toBeGreaterThan(20);
  });
});
