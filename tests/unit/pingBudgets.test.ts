/**
 * Ping budgets by class and liveness under refusals: pings strangers asked for (PingOptions.stranger)
 * fill their own pool and never refuse this node's own pings; a liveness probe the budget refused is
 * never counted as a missed probe, so a neighbour that answers every ping that reaches it stays.
 */
import { DEFAULTS } from '../../defaults';
import { LimitExceededError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import { Pings, type PingStats } from '../../routing/pings';
import { PeerHealth } from '../../routing/peerHealth';
import { MaintenanceBudget } from '../../membership/budget';
import { Liveness, type LivenessStats } from '../../membership/liveness';
import { StallWatch } from '../../membership/stallWatch';

const addr = (n: number): Address => ({ family: 4, ip: Uint8Array.of(10, (n >> 16) & 255, (n >> 8) & 255, n & 255), port: 4000 });

function pingsUnderTest() {
  const stats: PingStats = { pingsAnswered: 0, pingsRefused: 0, pingsChallenged: 0, pingsResent: 0, pongsMisdirected: 0 };
  const sent: Address[] = [];
  const pings = new Pings({ send: (to) => void sent.push(to), after: () => () => {} }, stats, {
    self: Guid.fromName('self'), address: addr(1_000_000), resend: false, admitBelow: () => Infinity,
  });
  return { pings, stats, sent };
}

test("strangers' pings fill their own pool; the node's own pings still go out", () => {
  const { pings, stats, sent } = pingsUnderTest();
  const errors: Array<Error | undefined> = [];
  // Twice the strangers' budget: the first half goes out, the rest is refused at once.
  for (let i = 0; i < 2 * DEFAULTS.maxPendingStrangerPings; i++) pings.ping(addr(i), (_r, err) => errors.push(err), { stranger: true }, 0, 2_000);
  expect(sent.length).toBe(DEFAULTS.maxPendingStrangerPings);
  expect(errors.length).toBe(DEFAULTS.maxPendingStrangerPings);
  expect(errors.every((e) => e instanceof LimitExceededError)).toBe(true);
  // Every one of the node's own pings goes out, up to its own budget, then it too is refused.
  let ownRefused = 0;
  for (let i = 0; i < DEFAULTS.maxPendingPings + 1; i++) pings.ping(addr(100_000 + i), (_r, err) => void (err && ownRefused++), {}, 0, 2_000);
  expect(ownRefused).toBe(1);
  expect(sent.length).toBe(DEFAULTS.maxPendingStrangerPings + DEFAULTS.maxPendingPings);
  expect(stats.pingsRefused).toBe(DEFAULTS.maxPendingStrangerPings + 1);
  expect(pings.size).toBe(DEFAULTS.maxPendingStrangerPings + DEFAULTS.maxPendingPings);
});

test("a settled stranger's ping frees its place in the strangers' pool", () => {
  const { pings, sent } = pingsUnderTest();
  const nonces: number[] = [];
  for (let i = 0; i < DEFAULTS.maxPendingStrangerPings; i++) nonces.push(pings.ping(addr(i), () => {}, { stranger: true }, 0, 2_000));
  let refused = false;
  pings.ping(addr(999), (_r, err) => (refused = err instanceof LimitExceededError), { stranger: true }, 0, 2_000);
  expect(refused).toBe(true);
  const peer: NodeHandle = { guid: Guid.fromName('p'), address: addr(0) };
  pings.settle({ nonce: nonces[0] }, peer, 10, peer.address);
  refused = false;
  const before = sent.length;
  pings.ping(addr(999), (_r, err) => (refused = err instanceof LimitExceededError), { stranger: true }, 10, 2_000);
  expect(refused).toBe(false);
  expect(sent.length).toBe(before + 1);
});

test('a liveness probe refused by the ping budget is never a missed probe', () => {
  const health = new PeerHealth();
  const stats: LivenessStats = { livenessChecks: 0, livenessProbes: 0, missesDiscounted: 0, checksAnswered: 0, probesRefused: 0 };
  const neighbours: NodeHandle[] = Array.from({ length: 10 }, (_, i) => ({ guid: Guid.fromName(`n${i}`), address: addr(i) }));
  const failed: string[] = [];
  let now = 0;
  // The budget refuses everything for the first 10 minutes; afterwards every probe is answered 20 ms later.
  const refuseUntil = 600_000;
  const answers: Array<[number, string]> = [];
  let sentProbes = 0;
  const live = new Liveness({
    health,
    watched: () => ({ first: neighbours, backups: [] }),
    probe: (n, _ms, refused) => {
      if (now < refuseUntil) return refused();
      sentProbes++;
      answers.push([now + 20, n.guid.hex]);
    },
    isNeighbour: (n) => !failed.includes(n.guid.hex),
    failed: (n) => void failed.push(n.guid.hex),
  }, new MaintenanceBudget(100, 100), new StallWatch(), stats, 1_000);
  // Everyone was heard at the start, then nothing but pongs to pings that really went out.
  for (const n of neighbours) health.heard(n.guid.hex, 0);
  while (now < refuseUntil + 120_000) {
    now += 1_000;
    for (const [at, key] of answers.splice(0)) health.heard(key, at);
    live.tick(now);
  }
  expect(stats.probesRefused).toBeGreaterThan(0);
  expect(sentProbes).toBeGreaterThan(0);
  expect(failed).toEqual([]);
});

test('a neighbour that is silent to probes that did go out is still dropped', () => {
  const health = new PeerHealth();
  const stats: LivenessStats = { livenessChecks: 0, livenessProbes: 0, missesDiscounted: 0, checksAnswered: 0, probesRefused: 0 };
  const n: NodeHandle = { guid: Guid.fromName('silent'), address: addr(1) };
  const failed: string[] = [];
  let now = 0;
  let k = 0;
  const live = new Liveness({
    health,
    watched: () => ({ first: [n], backups: [] }),
    // Every other probe refused, the rest unanswered.
    probe: (_n, _ms, refused) => void (k++ % 2 === 0 && refused()),
    isNeighbour: () => failed.length === 0,
    failed: (x) => void failed.push(x.guid.hex),
  }, new MaintenanceBudget(100, 100), new StallWatch(), stats, 1_000);
  health.heard(n.guid.hex, 0);
  while (now < 600_000 && failed.length === 0) {
    now += 1_000;
    live.tick(now);
  }
  expect(failed).toEqual([n.guid.hex]);
  expect(stats.probesRefused).toBeGreaterThan(0);
});
