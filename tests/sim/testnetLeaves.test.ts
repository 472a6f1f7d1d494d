/**
 * A testnet runs its nodes with createNode's defaults (issue 13): locates started while nodes leave
 * or fail do not time out for lack of hop acknowledgements, where the frozen mesh (`frozen: true`:
 * no hop acks, repair or heartbeats) loses some. Same seed, same script, only `frozen` differs.
 */
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { createTestnet } from '../../testing/testnet';
import { TimeoutError } from '../../errors';
import { collect } from '../helpers/collect';

const N = 150;
const LEAVERS = 30;
const OBJECTS = 40;

async function locatesDuringLeaves(frozen: boolean) {
  const net = await createTestnet({ nodes: N, seed: 31, frozen });
  const rng = new SeededRng(31).fork('leaves');
  const leaving = new Set<number>();
  while (leaving.size < LEAVERS) leaving.add(rng.int(N));
  const stay = [...Array(N).keys()].filter((i) => !leaving.has(i));
  const objects = Array.from({ length: OBJECTS }, (_, i) => ({ guid: Guid.fromName(`leaves ${i}`), server: stay[rng.int(stay.length)] }));
  for (const o of objects) net.nodes[o.server].publish(o.guid);
  net.run(5_000);
  const pending: Array<ReturnType<typeof collect>> = [];
  // One node leaves every 200 ms; locates start all the while, from nodes that stay.
  let crash = false;
  for (const l of leaving) {
    // Every other one leaves without a word: its process dies (a failure, not a leave).
    if ((crash = !crash)) net.network.setDown(l, true);
    else void net.nodes[l].leave();
    for (let k = 0; k < 8; k++) {
      const o = objects[rng.int(OBJECTS)];
      pending.push(collect(net.nodes[stay[rng.int(stay.length)]].locate(o.guid)));
      net.run(25);
    }
  }
  net.run(60_000);
  const outcomes = await Promise.all(pending);
  const timedOut = outcomes.filter((r) => r.error instanceof TimeoutError).length;
  const found = outcomes.filter((r) => r.results.length === 1).length;
  const hopFailovers = net.nodes.reduce((s, n) => s + n.stats.router.hopFailovers, 0);
  const attemptsTimedOut = net.nodes.reduce((s, n) => s + n.stats.location.attemptsTimedOut, 0);
  await net.close();
  return { started: outcomes.length, timedOut, found, hopFailovers, attemptsTimedOut };
}

test('locates started during leaves and failures: the default testnet times none out; the frozen one loses some', async () => {
  const frozen = await locatesDuringLeaves(true);
  const live = await locatesDuringLeaves(false);
  expect(live.started).toBe(LEAVERS * 8);
  // Hop acknowledgements route around the dead nodes: no attempt waits out its timeout.
  expect(live.hopFailovers).toBeGreaterThan(0);
  expect(live.attemptsTimedOut).toBe(0);
  expect(live.timedOut).toBe(0);
  expect(live.found).toBe(live.started);
  // The frozen mesh forwards into the dead nodes and waits: attempts time out, and a locate fails.
  expect(frozen.hopFailovers).toBe(0);
  expect(frozen.attemptsTimedOut).toBeGreaterThan(0);
  expect(frozen.timedOut).toBeGreaterThan(0);
});
