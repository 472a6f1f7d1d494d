/**
 * LocatorRuntime's hand-over (update upcall on a join, handOverOnLeave) on a small in-memory mesh:
 * consistent routing tables from sim/staticMesh, a synchronous walk of surrogate routing that calls
 * each hop's forward upcall and the root's deliver, and direct messages handed straight to the
 * receiver. The oracle is the brute-force root of every salted GUID before and after the change.
 */
import bunyan from 'bunyan';
import { DEFAULTS } from '../../defaults';
import { DEFAULT_SPACE, Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { nextHop } from '../../routing/nextHop';
import type { RoutingTable } from '../../routing/routingTable';
import { LocatorRuntime, type LocateResult } from '../../actors/locatorRuntime';
import { saltedRoot } from '../../location/saltedRoots';
import type { ForwardContext } from '../../upcalls/contract';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import { Channel } from '../../api/channel';

const space = DEFAULT_SPACE;
const log = bunyan.createLogger({ name: 'test', level: 'fatal' });
const SALTS = 2;

class Mesh {
  readonly handles: NodeHandle[];
  readonly pos: Array<[number, number]>;
  tables: RoutingTable[] = [];
  readonly runtimes: LocatorRuntime[];
  /** Nodes taking part (a node that left, or has not joined yet, is out). */
  readonly live: boolean[];
  now = 1000;

  constructor(rng: SeededRng, n: number) {
    this.handles = Array.from({ length: n }, (_, i): NodeHandle => ({
      guid: Guid.random(() => rng.int(256)),
      address: { family: 4, ip: Uint8Array.of(10, 2, i >> 8, i & 255), port: 4000 },
    }));
    this.pos = this.handles.map((): [number, number] => [rng.int(1000), rng.int(1000)]);
    this.live = this.handles.map(() => true);
    this.runtimes = this.handles.map((self, i) => {
      const tableOf = () => this.tables[i];
      return new LocatorRuntime(
        {
          self,
          // Read at every use: the test swaps tables when the mesh changes.
          get table() {
            return tableOf();
          },
          space,
          log,
          now: () => this.now,
          route: (req) => this.route(i, req.dest, req.moduleId, req.payload),
          sendDirect: (to, _moduleId, payload, hops) => {
            const j = this.index(to.guid);
            if (this.live[j]) this.runtimes[j].deliver({ dest: to.guid, source: self, hops, fuzzy: false, ttlExpired: false, moduleId: this.runtimes[j].id, payload, from: self });
          },
          deliverLocal: () => {},
          armTimeout: () => {},
          armPublishTimeout: () => {},
          pointersHeld: () => {},
        },
        { salts: SALTS, pointerLifetimeMs: DEFAULTS.pointerLifetimeMs, attemptTimeoutMs: 1000, extra: { backups: 0, neighbours: 0, hops: 0 } },
      );
    });
  }

  index(g: Guid): number {
    return this.handles.findIndex((h) => h.guid.equals(g));
  }

  /** Consistent tables over the live nodes (a node out of the mesh keeps an empty table). */
  rebuild(): RoutingTable[] {
    const ids = this.handles.map((_, i) => i).filter((i) => this.live[i]);
    const built = buildStaticMesh(ids.map((i) => this.handles[i]), (a, b) => this.dist(ids[a], ids[b]), space);
    const out: RoutingTable[] = [];
    ids.forEach((i, k) => (out[i] = built[k]));
    return out;
  }

  dist(i: number, j: number): number {
    return Math.hypot(this.pos[i][0] - this.pos[j][0], this.pos[i][1] - this.pos[j][1]);
  }

  liveGuids(): Guid[] {
    return this.handles.filter((_, i) => this.live[i]).map((h) => h.guid);
  }

  /** Surrogate routing hop by hop: each hop's forward upcall (source included), then the root's deliver. */
  route(from: number, dest: Guid, moduleId: number, payload: Uint8Array): void {
    let at = from;
    let level = 0;
    let prev: NodeHandle | undefined;
    for (let hops = 0; hops <= space.digits + 1; hops++) {
      const hop = nextHop(this.tables[at], dest, level);
      if (hop.kind === 'root') {
        this.runtimes[at].deliver({ dest, source: this.handles[from], hops, fuzzy: true, ttlExpired: false, moduleId, payload, from: prev });
        return;
      }
      const ctx: ForwardContext = { dest, source: this.handles[from], hops, fuzzy: true, nextHop: hop.to, from: prev, payload };
      const verdict = this.runtimes[at].forward(ctx);
      if (verdict === false || verdict === 'taken') return;
      payload = ctx.payload;
      prev = this.handles[at];
      at = this.index(hop.to.guid);
      level = hop.level + 1;
    }
    throw new Error('routing loop');
  }

  /** Locates `object` from node `from`; the answers arrive synchronously here. */
  async locate(from: number, object: Guid): Promise<LocateResult[]> {
    const sink = new Channel<LocateResult>();
    this.runtimes[from].startLocate({ object, query: '', replicas: 1, moduleId: 0, payload: new Uint8Array(0), fanout: 1, sink });
    const out: LocateResult[] = [];
    for await (const r of sink) out.push(r);
    return out;
  }
}

/** Objects published by random servers; `n` of them. */
function publishSome(mesh: Mesh, rng: SeededRng, n: number, exclude: number): Array<{ object: Guid; server: number }> {
  const out: Array<{ object: Guid; server: number }> = [];
  for (let k = 0; k < n; k++) {
    let server = rng.int(mesh.handles.length);
    if (server === exclude) server = (server + 1) % mesh.handles.length;
    const object = Guid.random(() => rng.int(256));
    mesh.runtimes[server].publish(object, '');
    out.push({ object, server });
  }
  return out;
}

describe('LocatorRuntime pointer hand-over', () => {
  test('a node joins: the update upcall hands it what it now roots', () => {
    const rng = new SeededRng(31);
    const mesh = new Mesh(rng, 32);
    const J = 31;
    mesh.live[J] = false;
    mesh.tables = mesh.rebuild();
    publishSome(mesh, rng, 150, J);
    const before = mesh.liveGuids();
    // What each node holds as the root of the pointer's own salted GUID (the store keeps one pointer per
    // object and server, carrying the salt of the path that left it last).
    const rooted = mesh.runtimes.flatMap((r, i) =>
      [...r.store.all(mesh.now)].filter((p) => !p.extra && mesh.index(before[bruteForceRoot(before, saltedRoot(p.object, p.saltIndex), space)]) === i),
    );

    // J joins: its table and every table it now enters (the update upcall for those nodes).
    mesh.live[J] = true;
    const after = mesh.rebuild();
    const joined: number[] = [];
    for (let i = 0; i < J; i++) {
      if (after[i].has(mesh.handles[J].guid)) joined.push(i);
      mesh.tables[i].add(mesh.handles[J], mesh.dist(i, J));
    }
    mesh.tables[J] = after[J];
    for (const i of joined) mesh.runtimes[i].update(mesh.handles[J], true);
    for (const i of joined) mesh.runtimes[i].update(mesh.handles[J], false); // a departure hands nothing over

    let moved = 0;
    const all = mesh.liveGuids();
    for (const p of rooted) {
      if (bruteForceRoot(all, saltedRoot(p.object, p.saltIndex), space) !== J) continue;
      moved++;
      expect(mesh.runtimes[J].store.has(p.object, p.server.guid, mesh.now)).toBe(true);
    }
    expect(moved).toBeGreaterThan(3);
    const handed = mesh.runtimes.reduce((s, r) => s + r.stats.pointersHandedOver, 0);
    expect(mesh.runtimes[J].stats.pointersTakenOver).toBe(handed);
    expect(handed).toBeGreaterThanOrEqual(moved);
  });

  test('a root leaves: its pointers reach the roots without it, and every object is still located', async () => {
    const rng = new SeededRng(32);
    const mesh = new Mesh(rng, 32);
    mesh.tables = mesh.rebuild();
    const L = 5;
    publishSome(mesh, rng, 150, L);
    const before = mesh.liveGuids();
    const rootedByL = [...mesh.runtimes[L].store.all(mesh.now)].filter(
      (p) => !p.extra && bruteForceRoot(before, saltedRoot(p.object, p.saltIndex), space) === L,
    );
    expect(rootedByL.length).toBeGreaterThan(3);

    mesh.runtimes[L].handOverOnLeave();
    mesh.live[L] = false;
    mesh.tables = mesh.rebuild();
    // The recipients published the pointers on over the tables before the leave; the nodes that root
    // them afterwards must hold them already, with no republish.
    const after = mesh.liveGuids();
    for (const p of rootedByL) {
      const root = mesh.index(after[bruteForceRoot(after, saltedRoot(p.object, p.saltIndex), space)]);
      expect(mesh.runtimes[root].store.has(p.object, p.server.guid, mesh.now)).toBe(true);
    }
    expect(mesh.runtimes[L].stats.pointersHandedOver).toBe(rootedByL.length);
    for (const { object } of rootedByL) {
      // Located from a node other than the one that left.
      const from = (L + 1 + rng.int(30)) % 32;
      expect(await mesh.locate(from === L ? L + 1 : from, object)).toHaveLength(1);
    }
  });
});
