/**
 * Routing around liars (issue 15, items 7 and 8), on the simulator:
 * - delivery of honest-to-honest exact routes when 10% or 20% of the members are black holes (they
 *   acknowledge each hop and drop it: testing/blackHoles.ts), unconfirmed, confirmed (end-to-end
 *   acknowledgement and retry through another first hop), and with redundant copies (d = 2, 3);
 *   where the lost ones died (hops taken, and whether the black hole was the last hop before the
 *   destination), and how many black holes the senders evicted;
 * - the identity puzzle's cost: keys tried and time to grind one identity per difficulty.
 */
import { runLiars } from '../testing/liarsRun';
import { Identity } from '../security/identity';
import { SeededRng } from '../sim/random';
import { seededRandom } from '../testing/testnet';

const MODES = [
  { mode: 'none' },
  { mode: 'retry', confirm: true },
  { mode: 'redundant-2', redundancy: 2 },
  { mode: 'redundant-3', redundancy: 3 },
] as const;

export async function benchSecurityRouting(nodes = 600, routes = 3_000, seed = 7): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const liarShare of [0.1, 0.2]) {
    for (const m of MODES) {
      const r = await runLiars({ nodes, routes, liarShare, seed, ...m });
      rows.push({
        nodes, liarShare, mode: m.mode, routes, delivered: r.delivered, deliveryPercent: Number(((100 * r.delivered) / routes).toFixed(2)),
        copiesDropped: r.blackHoles.dropped, droppedBeforeDest: r.blackHoles.droppedBeforeDest, droppedByHops: r.blackHoles.byHops.map((x) => x ?? 0),
        forwarded: r.forwarded, confirmCopies: r.confirmCopies, confirmRetries: r.confirmRetries, confirmsFailed: r.confirmsFailed, duplicates: r.duplicates,
        evicted: r.distrusted, evictedBlackHoles: r.distrustedLiars, blackHolePrimariesBefore: r.liarPrimariesBefore, blackHolePrimariesAfter: r.liarPrimariesAfter,
      });
    }
  }
  return rows;
}

/** Keys tried and wall time to grind `samples` identities at each difficulty (seeded, so the tries repeat). */
export function benchIdentityPuzzle(difficulties = [0, 4, 8, 12, 16], samples = 8): Array<Record<string, unknown>> {
  return difficulties.map((difficulty) => {
    const random = seededRandom(new SeededRng(difficulty + 1).fork('puzzle'));
    // A 16-bit identity takes seconds: fewer samples there.
    const count = difficulty >= 16 ? Math.min(samples, 2) : samples;
    let tries = 0;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) tries += Identity.grind(random, difficulty).cost.tries;
    const ms = performance.now() - t0;
    return { difficulty, samples: count, keysTriedMean: Math.round(tries / count), expected: 2 ** difficulty, msPerIdentity: Number((ms / count).toFixed(2)), usPerKey: Number(((1000 * ms) / tries).toFixed(1)) };
  });
}
