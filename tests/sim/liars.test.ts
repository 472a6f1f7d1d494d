/**
 * Routing around liars: in a 150-node mesh where 20% of the members acknowledge each hop and drop
 * it (testing/blackHoles.ts), confirmed routes (end-to-end acknowledgement, retry by another first
 * hop, redundant copies) deliver at least 99% of honest-to-honest routes where unconfirmed ones lose
 * clearly more; and black holes that keep failing a sender's confirmed routes lose score and leave
 * its routing table, primary slots included.
 */
import { runLiars } from '../../testing/liarsRun';

jest.setTimeout(120_000);

const BASE = { nodes: 150, routes: 600, liarShare: 0.2, seed: 7 } as const;

test('unconfirmed routes lose about a fifth; confirmed ones, retried or redundant, deliver at least 99%', async () => {
  const plain = await runLiars(BASE);
  const retried = await runLiars({ ...BASE, confirm: true });
  const redundant = await runLiars({ ...BASE, redundancy: 2 });
  expect(plain.delivered / plain.routes).toBeLessThan(0.9);
  expect(plain.blackHoles.dropped).toBe(plain.routes - plain.delivered);
  expect(retried.delivered / retried.routes).toBeGreaterThanOrEqual(0.99);
  expect(retried.confirmRetries).toBeGreaterThan(0);
  expect(redundant.delivered / redundant.routes).toBeGreaterThanOrEqual(0.99);
  // Redundant copies reach the destination more than once; it delivers each message once (counted).
  expect(redundant.duplicates).toBeGreaterThan(0);
});

test('black holes that fail a sender repeatedly lose score and leave its table and primary slots', async () => {
  // Few senders, many routes each: every sender sees its black-hole first hops fail again and again.
  const r = await runLiars({ ...BASE, routes: 1_500, sources: 6, confirm: true });
  expect(r.distrusted).toBeGreaterThan(0);
  // Most evictions are of black holes (an honest first hop fails only when a liar sits further on).
  expect(r.distrustedLiars).toBeGreaterThanOrEqual(0.8 * r.distrusted);
  expect(r.liarPrimariesAfter).toBeLessThan(r.liarPrimariesBefore);
  expect(r.delivered / r.routes).toBeGreaterThanOrEqual(0.99);
});
