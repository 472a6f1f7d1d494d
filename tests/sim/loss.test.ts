/**
 * 5% random datagram loss on a 400-node simulated mesh with hop acknowledgements on: exact routes
 * and locates are still delivered (≥ 99.9%), by retransmission, failover and soft state.
 */
import { runLoss } from '../../testing/lossRun';

test('at 5% loss, 3,000 exact routes and 1,000 locates are each delivered ≥ 99.9%', async () => {
  const r = await runLoss({ lossRate: 0.05, nodes: 400, routes: 3_000, locates: 1_000 });
  const routeRatio = r.routesDelivered / r.routes;
  const locateRatio = r.locatesFound / r.locates;
  console.log(
    `5% loss: routes ${r.routesDelivered}/${r.routes}, locates ${r.locatesFound}/${r.locates}, ` +
      `retransmits/hop ${(r.hopRetransmits / r.forwarded).toFixed(3)}, failovers/hop ${(r.hopFailovers / r.forwarded).toFixed(4)}`,
  );
  expect(r.hopRetransmits).toBeGreaterThan(0); // the loss really happened, and was repaired
  expect(routeRatio).toBeGreaterThanOrEqual(0.999);
  expect(locateRatio).toBeGreaterThanOrEqual(0.999);
}, 60_000);
