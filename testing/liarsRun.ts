/**
 * Delivery among liars: a simulated mesh with hop acknowledgements on, where a share of the members
 * are black holes (testing/blackHoles.ts: they acknowledge each hop and drop it), and exact routes
 * between random honest nodes, each counted once at its destination. Routes go unconfirmed, or
 * confirmed (end-to-end acknowledgement and retry by another first hop), with or without redundant
 * copies. Shared by the liars test and the security-routing bench, so both measure the same thing.
 */
import { createTestnet } from './testnet';
import { makeBlackHole, newBlackHoleLog, type BlackHoleLog } from './blackHoles';
import { SeededRng } from '../sim/random';

export interface LiarsRunOptions {
  /** Share of members that are black holes (0..1). */
  readonly liarShare: number;
  readonly nodes?: number;
  readonly routes?: number;
  /** Ask for end-to-end acknowledgements (route's `confirm`). */
  readonly confirm?: boolean;
  /** Copies sent at once through distinct first hops (route's `redundancy`; implies confirm). */
  readonly redundancy?: number;
  readonly seed?: number;
  /** Routes start at this many honest nodes (the first ones drawn); default every honest node. */
  readonly sources?: number;
}

export interface LiarsRunResult {
  readonly nodes: number;
  readonly liars: number;
  readonly routes: number;
  readonly delivered: number;
  /** Copies dropped by black holes, and where. */
  readonly blackHoles: BlackHoleLog;
  /** Router counters summed over the honest nodes. */
  readonly forwarded: number;
  readonly confirmRetries: number;
  readonly confirmCopies: number;
  readonly confirmsFailed: number;
  readonly duplicates: number;
  /** Evictions of neighbours whose score ran out, and how many of them were black holes. */
  readonly distrusted: number;
  readonly distrustedLiars: number;
  /** (honest node, black-hole neighbour) pairs in the honest tables at the start. */
  readonly liarLinksBefore: number;
  /** Honest nodes' routing-table primaries that are black holes, at the start and at the end. */
  readonly liarPrimariesBefore: number;
  readonly liarPrimariesAfter: number;
}

/** The module id the routes in this run are delivered to. */
const MODULE = 11;

export async function runLiars(opts: LiarsRunOptions): Promise<LiarsRunResult> {
  const n = opts.nodes ?? 400;
  const routes = opts.routes ?? 2_000;
  const seed = opts.seed ?? 7;
  const rng = new SeededRng(seed).fork(`liars ${opts.liarShare}`);
  const net = await createTestnet({ nodes: n, frozen: true, seed, node: { hopAcks: true } });
  try {
    const liar = new Uint8Array(n);
    const liarCount = Math.round(opts.liarShare * n);
    for (let placed = 0; placed < liarCount; ) {
      const i = rng.int(n);
      if (!liar[i]) (liar[i] = 1), placed++;
    }
    const liarHex = new Set(net.nodes.filter((_, i) => liar[i]).map((x) => x.guid.hex));
    const honest = net.nodes.map((_, i) => i).filter((i) => !liar[i]);
    const log = newBlackHoleLog();
    const expectedAt = new Int32Array(routes).fill(-1);
    const arrived = new Uint8Array(routes);
    net.nodes.forEach((node, i) => {
      if (liar[i]) return void makeBlackHole(node, MODULE, log);
      node.register({
        id: MODULE, name: 'liars',
        deliver: (d) => {
          const seq = new DataView(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength).getUint32(0);
          if (seq < routes && expectedAt[seq] === i) arrived[seq] = 1;
        },
      });
    });
    const liarPrimaries = (): number => {
      let count = 0;
      for (const i of honest) {
        const table = net.nodes[i].table;
        for (let level = 0; level < table.levels; level++) {
          for (let digit = 0; digit < table.base; digit++) if (liarHex.has(table.primary(level, digit)?.guid.hex ?? '')) count++;
        }
      }
      return count;
    };
    const liarPrimariesBefore = liarPrimaries();
    /** (honest node, liar neighbour) pairs in the honest nodes' tables. */
    const liarLinks = (): number => {
      let count = 0;
      for (const i of honest) for (const h of net.nodes[i].table.neighbours()) if (liarHex.has(h.guid.hex)) count++;
      return count;
    };
    const liarLinksBefore = liarLinks();
    const confirm = opts.confirm === true || (opts.redundancy ?? 1) > 1;
    const routeOpts = confirm ? { module: MODULE, confirm: true, redundancy: opts.redundancy ?? 1 } : { module: MODULE };
    const senders = opts.sources === undefined ? honest : Array.from({ length: opts.sources }, () => honest[rng.int(honest.length)]);
    // Spread over virtual time as an application would send them, 100 every 50 ms.
    for (let seq = 0; seq < routes; seq++) {
      const from = senders[rng.int(senders.length)];
      let to = honest[rng.int(honest.length)];
      while (to === from) to = honest[rng.int(honest.length)];
      expectedAt[seq] = to;
      const payload = new Uint8Array(16);
      new DataView(payload.buffer).setUint32(0, seq);
      net.nodes[from].route(net.nodes[to].guid, payload, routeOpts);
      if (seq % 100 === 99) net.run(50);
    }
    net.run(30_000);

    let forwarded = 0, confirmRetries = 0, confirmCopies = 0, confirmsFailed = 0, duplicates = 0, distrusted = 0;
    for (const i of honest) {
      const s = net.nodes[i].stats.router;
      forwarded += s.forwarded;
      confirmRetries += s.confirmRetries;
      confirmCopies += s.confirmCopies;
      confirmsFailed += s.confirmsFailed;
      duplicates += s.duplicates;
      distrusted += s.neighboursDistrusted;
    }
    // The mesh is frozen (no repair), so a liar that left an honest table was evicted for its score.
    const liarLinksAfter = liarLinks();
    const distrustedLiars = liarLinksBefore - liarLinksAfter;
    let delivered = 0;
    for (let seq = 0; seq < routes; seq++) delivered += arrived[seq];
    return {
      nodes: n, liars: liarCount, routes, delivered, blackHoles: log, forwarded, confirmRetries, confirmCopies, confirmsFailed, duplicates,
      distrusted, distrustedLiars, liarLinksBefore, liarPrimariesBefore, liarPrimariesAfter: liarPrimaries(),
    };
  } finally {
    await net.close();
  }
}
