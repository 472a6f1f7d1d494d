/**
 * Delivery under random datagram loss: a simulated mesh with hop acknowledgements on, exact routes
 * between random nodes and locates of published objects, each counted once at its destination.
 * Shared by the loss test and the loss bench, so both measure the same thing.
 */
import { createTestnet } from './testnet';
import { Guid } from '../routing/guid';
import { SeededRng } from '../sim/random';

export interface LossRunOptions {
  readonly lossRate: number;
  readonly nodes?: number;
  readonly routes?: number;
  readonly locates?: number;
  readonly objects?: number;
  readonly seed?: number;
}

export interface LossRunResult {
  readonly lossRate: number;
  readonly routes: number;
  readonly routesDelivered: number;
  readonly locates: number;
  readonly locatesFound: number;
  /** Hops forwarded by every node (a retry after failover counts again). */
  readonly forwarded: number;
  /** Messages sent straight to a node (replies, diverted locates): acknowledged hops as well. */
  readonly sentDirect: number;
  readonly hopRetransmits: number;
  readonly hopFailovers: number;
  readonly duplicates: number;
  /** Messages dropped after every neighbour of one hop stayed silent. */
  readonly hopsGivenUp: number;
  /** Exact routes (or their failover copies) that ended at a root other than their destination. */
  readonly droppedNoExactMatch: number;
}

/** The module id the routes in this run are delivered to. */
const MODULE = 9;

export async function runLoss(opts: LossRunOptions): Promise<LossRunResult> {
  const n = opts.nodes ?? 400;
  const routes = opts.routes ?? 3_000;
  const locates = opts.locates ?? 1_000;
  const objectCount = opts.objects ?? 200;
  const rng = new SeededRng(opts.seed ?? 5).fork(`loss ${opts.lossRate}`);
  const net = await createTestnet({ nodes: n, frozen: true, seed: opts.seed ?? 5, lossRate: opts.lossRate, node: { hopAcks: true } });
  try {
    // Route payloads carry their sequence number; a route counts once, and only at its destination.
    const expectedAt = new Int32Array(routes).fill(-1);
    const arrived = new Uint8Array(routes);
    net.nodes.forEach((node, i) =>
      node.register({
        id: MODULE, name: 'loss',
        deliver: (d) => {
          const seq = new DataView(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength).getUint32(0);
          if (seq < routes && expectedAt[seq] === i) arrived[seq] = 1;
        },
      }),
    );

    // Publish under loss too: soft state (republish) is part of what keeps locates working.
    const objects = Array.from({ length: objectCount }, () => Guid.random(() => rng.int(256)));
    for (const o of objects) {
      const replicas = 1 + rng.int(2);
      for (let r = 0; r < replicas; r++) net.nodes[rng.int(n)].publish(o);
    }
    net.run(5_000);

    // Spread over virtual time as an application would send them, 100 every 50 ms.
    for (let seq = 0; seq < routes; seq++) {
      const from = rng.int(n);
      let to = rng.int(n);
      if (to === from) to = (to + 1) % n;
      expectedAt[seq] = to;
      const payload = new Uint8Array(16);
      new DataView(payload.buffer).setUint32(0, seq);
      net.nodes[from].route(net.nodes[to].guid, payload, { module: MODULE });
      if (seq % 100 === 99) net.run(50);
    }
    let found = 0;
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < locates; i++) {
      const it = net.nodes[rng.int(n)].locate(objects[rng.int(objects.length)]);
      pending.push(
        it.next().then(
          (r) => void (r.done ? undefined : found++),
          () => undefined,
        ),
      );
      if (i % 100 === 99) net.run(50);
    }
    net.run(30_000);
    await Promise.all(pending);

    let forwarded = 0, hopRetransmits = 0, hopFailovers = 0, duplicates = 0, hopsGivenUp = 0, droppedNoExactMatch = 0, sentDirect = 0;
    for (const node of net.nodes) {
      const s = node.stats.router;
      forwarded += s.forwarded;
      sentDirect += s.sentDirect;
      hopRetransmits += s.hopRetransmits;
      hopFailovers += s.hopFailovers;
      duplicates += s.duplicates;
      hopsGivenUp += s.hopsGivenUp;
      droppedNoExactMatch += s.droppedNoExactMatch;
    }
    let routesDelivered = 0;
    for (let seq = 0; seq < routes; seq++) routesDelivered += arrived[seq];
    return { lossRate: opts.lossRate, routes, routesDelivered, locates, locatesFound: found, forwarded, sentDirect, hopRetransmits, hopFailovers, duplicates, hopsGivenUp, droppedNoExactMatch };
  } finally {
    await net.close();
  }
}
