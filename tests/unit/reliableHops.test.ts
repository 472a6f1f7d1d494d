/**
 * Reliable hops without a network: a fake port records every send, timer, suspicion and failover,
 * and a small timer queue stands in for the clock. The send schedule is checked against the rule
 * written out by hand (a first wait of hopAckMinTimeoutMs + 4 × latency, doubling up to
 * hopAckMaxWaitMs), and the outcomes (acknowledged, failed over, given up) against their counts.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import type { RouteMsg } from '../../routing/messages';
import { ReliableHops, retransmitsFor, type HopStats } from '../../routing/reliableHops';

const addr = (last: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port: 4000 + last });
const node = (name: string, last: number): NodeHandle => ({ guid: Guid.fromName(name), address: addr(last) });

function harness() {
  let now = 0;
  const timers: Array<{ at: number; fire: () => void }> = [];
  const sends: Array<{ at: number; to: Address; bytes: Uint8Array }> = [];
  const suspects: NodeHandle[] = [];
  const failovers: Array<{ msg: RouteMsg; avoid: string[] }> = [];
  const stats: HopStats = { hopTimeouts: 0, hopFailovers: 0, hopRetransmits: 0, hopsUntracked: 0, hopsGivenUp: 0 };
  const hops = new ReliableHops(
    {
      sendBytes: (to, bytes) => sends.push({ at: now, to, bytes }),
      after: (ms, fire) => (timers.push({ at: now + ms, fire }), () => {}),
      now: () => now,
      waitFor: (_to, fallbackMs) => fallbackMs,
      acked: () => {},
      suspect: (n) => suspects.push(n),
      failover: (msg, avoid) => failovers.push({ msg, avoid: [...avoid] }),
    },
    stats,
    4,
  );
  /** Runs every timer due by `until`, in time order (ties in the order armed). */
  const run = (until: number): void => {
    for (;;) {
      let next = -1;
      for (let i = 0; i < timers.length; i++) if (timers[i].at <= until && (next < 0 || timers[i].at < timers[next].at)) next = i;
      if (next < 0) break;
      const t = timers.splice(next, 1)[0];
      now = t.at;
      t.fire();
    }
    now = until;
  };
  return { hops, stats, sends, suspects, failovers, timers, run };
}

const dest = Guid.fromName('destination');
const route = (extra: Partial<RouteMsg> = {}): RouteMsg => ({
  source: node('source', 1), dest, fuzzy: false, ttl: 10, hops: 3, level: 2, moduleId: 0, payload: Uint8Array.of(1, 2, 3), ...extra,
});

/** The send times the rule gives: `sends` sends, the first at 0. */
function schedule(firstWait: number, sends: number): number[] {
  const at = [0];
  let wait = firstWait;
  for (let i = 1; i < sends; i++) {
    at.push(at[i - 1] + wait);
    wait = Math.min(DEFAULTS.hopAckMaxWaitMs, wait * 2);
  }
  return at;
}

test('a silent neighbour gets the same bytes again on the backoff schedule, then is suspected and the message fails over', () => {
  const h = harness();
  const to = node('next', 2);
  const bytes = Uint8Array.of(9, 9, 9);
  const id = h.hops.claimFrameId();
  expect(id).toBe(1);
  h.hops.send(id, route(), to, bytes, undefined, 30);
  h.run(60_000);
  const sends = DEFAULTS.hopRetransmits + 1;
  expect(h.sends.map((s) => s.at)).toEqual(schedule(DEFAULTS.hopAckMinTimeoutMs + 4 * 30, sends));
  expect(h.sends.every((s) => s.bytes === bytes && s.to === to.address)).toBe(true);
  expect(h.suspects).toEqual([to]);
  // Back to where the hop was chosen: one hop and one level less, no acknowledgement asked, the silent neighbour avoided.
  expect(h.failovers).toEqual([{ msg: { ...route(), hops: 2, level: 1, ackWanted: false }, avoid: [to.guid.hex] }]);
  expect(h.stats).toEqual({ hopTimeouts: sends, hopFailovers: 1, hopRetransmits: sends - 1, hopsUntracked: 0, hopsGivenUp: 0 });
  expect(h.hops.size).toBe(0);
});

test('an unknown neighbour is assumed far; the destination itself and a direct frame get every attempt on one neighbour', () => {
  // Then a route still fails over (the surrogate path decides what becomes of it); a direct frame, which has no other way, is given up.
  for (const [msg, to] of [
    [route(), { guid: dest, address: addr(3) }],
    [undefined, node('direct peer', 4)],
  ] as Array<[RouteMsg | undefined, NodeHandle]>) {
    const h = harness();
    h.hops.send(h.hops.claimFrameId(), msg, to, Uint8Array.of(1), undefined, undefined);
    h.run(600_000);
    const sends = DEFAULTS.maxHopAttempts * (DEFAULTS.hopRetransmits + 1);
    expect(retransmitsFor({ msg, to })).toBe(sends - 1);
    expect(h.sends.map((s) => s.at)).toEqual(schedule(DEFAULTS.hopAckMinTimeoutMs + 4 * DEFAULTS.hopAckUnknownLatencyMs, sends));
    expect(h.failovers.map((f) => f.avoid)).toEqual(msg ? [[to.guid.hex]] : []);
    expect(h.suspects).toEqual([to]);
    expect(h.stats.hopsGivenUp).toBe(msg ? 0 : 1);
  }
});

test('a HopAck counts only from the address the frame went to, and stops every later send', () => {
  const h = harness();
  const to = node('next', 2);
  const id = h.hops.claimFrameId();
  h.hops.send(id, route(), to, Uint8Array.of(1), undefined, 10);
  h.run(DEFAULTS.hopAckMinTimeoutMs + 40); // one retransmission
  h.hops.acked(id, addr(66)); // a third party
  h.hops.acked(id + 1, to.address); // another frame's id
  expect(h.hops.size).toBe(1);
  h.hops.acked(id, { ...to.address, ip: Uint8Array.from(to.address.ip) }); // same address, another object
  expect(h.hops.size).toBe(0);
  h.run(60_000);
  expect(h.sends).toHaveLength(2);
  expect(h.suspects).toEqual([]);
  expect(h.stats.hopTimeouts).toBe(1);
});

test('a message is given up once maxHopAttempts neighbours failed it', () => {
  const h = harness();
  const avoid = new Set<string>();
  for (let i = 1; i < DEFAULTS.maxHopAttempts; i++) avoid.add(node(`failed ${i}`, 10 + i).guid.hex);
  h.hops.send(h.hops.claimFrameId(), route(), node('last', 2), Uint8Array.of(1), avoid, 5);
  h.run(60_000);
  expect(h.failovers).toEqual([]);
  expect(h.stats.hopsGivenUp).toBe(1);
  expect(h.stats.hopFailovers).toBe(0);
});

test('beyond the pending limit frames go untracked and are counted; frame ids are never 0', () => {
  const h = harness();
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) {
    const id = h.hops.claimFrameId();
    ids.push(id);
    if (id !== 0) h.hops.send(id, route(), node(`n${i}`, 20 + i), Uint8Array.of(i), undefined, 1);
  }
  expect(ids).toEqual([1, 2, 3, 4, 0, 0]);
  expect(h.stats.hopsUntracked).toBe(2);
  // The id counter wraps past 2^32 − 1 to 1, skipping 0.
  (h.hops as unknown as { frameIds: { nextId: number } }).frameIds.nextId = 0xffff_ffff;
  h.hops.acked(1, node('n0', 20).address);
  expect(h.hops.claimFrameId()).toBe(0xffff_ffff);
  h.hops.acked(2, node('n1', 21).address);
  expect(h.hops.claimFrameId()).toBe(1);
});
