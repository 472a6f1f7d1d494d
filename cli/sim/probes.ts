/**
 * The run's own operations and what became of them. Routes carry their number in a 4-byte payload
 * to a probe module registered on every node, which notes where and when each arrived and after
 * how many hops; locates are followed to their first answer. The oracle is the run's own choice:
 * a route succeeds when it reaches the node it was sent to, a locate when it finds a server the
 * object was published on — each within OP_DEADLINE_MS of virtual time.
 */
import { Guid } from '../../routing/guid';
import type { SimMesh } from './mesh';

/** Module id of the probe (application range, far from the shipped modules' 0xfe.. ids). */
export const PROBE_MODULE = 0x5137;
/** An operation counts as a success only if it completed this soon after it was sent (virtual ms). */
export const OP_DEADLINE_MS = 10_000;

export interface RouteRecord {
  readonly src: number;
  readonly dst: number;
  readonly sentAt: number;
  /** Where and when it was delivered (first delivery), and in how many hops. */
  at?: number;
  deliveredAt?: number;
  hops?: number;
}

export interface SimObject {
  readonly guid: Guid;
  readonly servers: readonly number[];
}

export interface LocateRecord {
  readonly client: number;
  readonly object: SimObject;
  readonly sentAt: number;
  /** The first answer: its server (node index, −1 if not a node of the mesh), latency measured by the client, hops. */
  server?: number;
  elapsedMs?: number;
  hops?: number;
  completedAt?: number;
}

export class Probes {
  readonly routes: RouteRecord[] = [];
  readonly locates: LocateRecord[] = [];
  private readonly byGuid = new Map<string, number>();

  constructor(private readonly mesh: SimMesh) {
    mesh.eachNode((node, index) => {
      this.byGuid.set(node.guid.hex, index);
      node.register({ id: PROBE_MODULE, name: 'sim-probe', deliver: (d) => this.arrived(index, d.payload, d.hops, d.ttlExpired) });
    });
  }

  sendRoute(src: number, dst: number): void {
    const id = this.routes.length;
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, id);
    this.routes.push({ src, dst, sentAt: this.mesh.now });
    this.mesh.nodes[src].route(this.mesh.nodes[dst].guid, payload, { module: PROBE_MODULE });
  }

  /** Starts a locate; its answer is recorded when it comes (the loop must yield for that). */
  sendLocate(client: number, object: SimObject): void {
    const rec: LocateRecord = { client, object, sentAt: this.mesh.now };
    this.locates.push(rec);
    const run = async () => {
      for await (const r of this.mesh.nodes[client].locate(object.guid)) {
        rec.server = this.byGuid.get(r.server.guid.hex) ?? -1;
        rec.elapsedMs = r.elapsedMs;
        rec.hops = r.hops;
        rec.completedAt = this.mesh.now;
        return;
      }
    };
    // A locate that ends without an answer (not found, timed out, node closed) is a failure: recorded as no answer.
    run().catch(() => undefined);
  }

  routeOk(r: RouteRecord): boolean {
    return r.at === r.dst && r.deliveredAt !== undefined && r.deliveredAt - r.sentAt <= OP_DEADLINE_MS;
  }

  locateOk(l: LocateRecord): boolean {
    return l.server !== undefined && l.object.servers.includes(l.server) && l.completedAt! - l.sentAt <= OP_DEADLINE_MS;
  }

  /** Path latency over direct latency of a delivered route. */
  routeRdp(r: RouteRecord): number {
    return (r.deliveredAt! - r.sentAt) / this.mesh.latency(r.src, r.dst);
  }

  /**
   * RDP of a locate (as bench/locate.ts): the path to the replica found (what the client measured,
   * less the answer's own direct trip back) over the direct latency to the nearest replica.
   */
  locateRdp(l: LocateRecord): number {
    const direct = Math.min(...l.object.servers.map((s) => this.mesh.latency(l.client, s)));
    return (l.elapsedMs! - this.mesh.latency(l.server!, l.client)) / direct;
  }

  private arrived(index: number, payload: Uint8Array, hops: number, ttlExpired: boolean): void {
    if (payload.length !== 4 || ttlExpired) return;
    const r = this.routes[new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0)];
    if (!r || r.deliveredAt !== undefined) return;
    r.at = index;
    r.deliveredAt = this.mesh.now;
    r.hops = hops;
  }
}

/** `count` objects, each published on 1–3 distinct nodes drawn from `candidates` (names from the run's seed). */
export function makeObjects(count: number, candidates: readonly number[], rng: { int(n: number): number }, seed: number): SimObject[] {
  return Array.from({ length: count }, (_, i) => {
    const servers = new Set<number>();
    const k = Math.min(candidates.length, 1 + rng.int(3));
    while (servers.size < k) servers.add(candidates[rng.int(candidates.length)]);
    return { guid: Guid.fromName(`tapestry sim ${seed} object ${i}`), servers: [...servers] };
  });
}
