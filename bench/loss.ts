/**
 * Delivery under random datagram loss (issue #5's "delivery ratio and mean retransmissions per hop
 * at 1%, 5% and 10% loss"): a 400-node simulated mesh with hop acknowledgements, 3,000 exact routes
 * and 1,000 locates per loss rate (testing/lossRun.ts).
 */
import { runLoss } from '../testing/lossRun';

export async function benchLoss(lossRates: readonly number[] = [0.01, 0.05, 0.1]): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const lossRate of lossRates) {
    const started = performance.now();
    const r = await runLoss({ lossRate, nodes: 400, routes: 3_000, locates: 1_000 });
    // Acknowledged hops: routed frames forwarded plus messages sent straight to a node.
    const hops = r.forwarded + r.sentDirect;
    out.push({
      n: 400,
      lossRate,
      routes: r.routes,
      routeDelivery: round(r.routesDelivered / r.routes, 5),
      locates: r.locates,
      locateDelivery: round(r.locatesFound / r.locates, 5),
      hops,
      retransmitsPerHop: round(r.hopRetransmits / hops, 4),
      failoversPerHop: round(r.hopFailovers / hops, 5),
      givenUp: r.hopsGivenUp,
      duplicatesDropped: r.duplicates,
      wallMs: Math.round(performance.now() - started),
    });
  }
  return out;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
