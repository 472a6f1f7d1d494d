/**
 * Anycast on a 300-node simulated mesh (repair and hop acknowledgements on): every send reaches
 * exactly one member, the nearest one by the latency model in a measured share, a member that left
 * never receives (and no pointer to it remains once leave() resolved), and every send settles (a member, or a named error).
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { anycast, type Anycast } from '../../upcalls/anycast';
import { NotFoundError, TimeoutError, UndeliverableError } from '../../errors';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';

const N = 300;
let net: Testnet;
let ac: Anycast[];

/** Runs virtual time in steps, letting promise continuations (locate consumers) run between them. */
async function advance(ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    net.run(Math.min(step, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

/** Waits for `p` while virtual time runs (at most `ms`). */
async function settle<T>(p: Promise<T>, ms = 60_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += 200) await advance(200);
  return watched;
}

const idx = (h: NodeHandle) => net.indexOf(h.guid)!;

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 16 });
  ac = net.nodes.map((n) => n.register(anycast()));
  await advance(2_000);
});
afterAll(() => net.close());

test('a group nobody announced cannot be joined, and a send to it fails as undeliverable', async () => {
  await expect(settle(ac[5].join('nobody announced this', { onMessage: () => undefined }))).rejects.toBeInstanceOf(NotFoundError);
  await expect(settle(ac[6].send('nobody announced this', 'hello'))).rejects.toBeInstanceOf(UndeliverableError);
});

describe('one group of 30 members', () => {
  const rng = new SeededRng(5);
  const members: number[] = [];
  const received = new Map<number, number>(); // send index -> receptions
  const receivedBy = new Map<number, number[]>();
  const GROUP = 'printers';

  beforeAll(async () => {
    await settle(ac[0].announce(GROUP));
    const set = new Set<number>();
    while (set.size < 30) set.add(1 + rng.int(N - 1));
    members.push(...set);
    await settle(Promise.all(members.map((m) => ac[m].join(GROUP, {
      onMessage: (payload) => {
        const k = Number(new TextDecoder().decode(payload));
        received.set(k, (received.get(k) ?? 0) + 1);
        receivedBy.set(k, [...(receivedBy.get(k) ?? []), m]);
      },
    }))));
    await advance(3_000); // publishes settle
  });

  test('every send is delivered to exactly one member, the nearest in a measured share', async () => {
    const SENDS = 300;
    const senders = Array.from({ length: SENDS }, () => rng.int(N));
    const results = await settle(Promise.allSettled(senders.map((s, k) => ac[s].send(GROUP, String(k)))), 120_000);
    let nearest = 0;
    const stretch: number[] = [];
    for (let k = 0; k < SENDS; k++) {
      const r = results[k];
      expect(r.status).toBe('fulfilled');
      const member = idx((r as PromiseFulfilledResult<NodeHandle>).value);
      expect(members).toContain(member);
      expect(received.get(k)).toBe(1);
      expect(receivedBy.get(k)).toEqual([member]);
      const s = senders[k];
      const best = Math.min(...members.map((m) => (m === s ? 0 : net.latency(s, m))));
      const got = member === s ? 0 : net.latency(s, member);
      if (got <= best + 1e-9) nearest++;
      if (best > 0) stretch.push(got / best);
    }
    const share = nearest / SENDS;
    stretch.sort((a, b) => a - b);
    const median = stretch[Math.floor(stretch.length / 2)];
    console.log(`anycast: nearest member (brute force over the latency model) in ${(100 * share).toFixed(1)}% of ${SENDS} sends; latency to the member reached / to the nearest: median ${median.toFixed(2)}, p90 ${stretch[Math.floor(stretch.length * 0.9)].toFixed(2)}`);
    // Measured 47.7% (seed 16); the floor sits just under it.
    expect(share).toBeGreaterThan(0.45);
  });

  test('a member that left never receives; every later send resolves with another member or fails as undeliverable', async () => {
    const leavers = members.slice(0, 10);
    const stay = members.slice(10);
    // leave() resolves once the unpublish reached every salted root. Checked at each resolution, while
    // nothing else has run, by brute force over every node's pointer store: no pointer to that member
    // remains anywhere (path pointers, extra copies, the roots).
    const groupGuid = ac[0].groupGuid(GROUP);
    const left: number[] = [];
    await settle(Promise.all(leavers.map((m) => ac[m].leave(GROUP).then(() => {
      left.push(m);
      const holders = net.nodes.filter((n) => n.localLookup(groupGuid).some((p) => p.server.guid.equals(net.nodes[m].guid)));
      expect(holders.map((n) => n.guid.hex)).toEqual([]);
    }))));
    expect(left.sort((a, b) => a - b)).toEqual([...leavers].sort((a, b) => a - b));
    for (const m of leavers) expect(net.nodes[m].stats.location.unpublishesAcknowledged).toBe(1);
    const staleBefore = leavers.reduce((a, m) => a + net.nodes[m].stats.location.staleDiverts, 0);
    for (const m of leavers) expect(ac[m].stats().memberships).toBe(0);
    const base = 1_000;
    const SENDS = 300;
    const senders = Array.from({ length: SENDS }, () => rng.int(N));
    // Sent at once after the leaves resolved: no pointer to a leaver is left for a locate to meet.
    const results = await settle(Promise.allSettled(senders.map((s, k) => ac[s].send(GROUP, String(base + k)))), 120_000);
    let delivered = 0;
    let undeliverable = 0;
    for (let k = 0; k < SENDS; k++) {
      const r = results[k];
      const got = receivedBy.get(base + k) ?? [];
      for (const m of got) expect(leavers).not.toContain(m);
      if (r.status === 'fulfilled') {
        delivered++;
        expect(stay).toContain(idx(r.value));
        expect(got).toEqual([idx(r.value)]);
      } else {
        expect(r.reason).toBeInstanceOf(r.reason instanceof TimeoutError ? TimeoutError : UndeliverableError);
        expect(got.length).toBeLessThanOrEqual(1);
        undeliverable++;
      }
    }
    const forwarded = leavers.reduce((a, m) => a + ac[m].stats().forwarded + ac[m].stats().nacksSent, 0);
    const stale = leavers.reduce((a, m) => a + net.nodes[m].stats.location.staleDiverts, 0) - staleBefore;
    for (const m of leavers) expect(ac[m].stats().delivered).toBe(ac[m].stats().acksSent);
    console.log(`anycast after 10 of 30 members left: ${delivered} delivered to remaining members, ${undeliverable} rejected; ${stale} locates reached an ex-member by a stale pointer (dropped there, retried by the sender), ${forwarded} passed on or refused by ex-members`);
    // Every leaver's pointers were gone before the sends started: no locate was diverted to one.
    expect(stale).toBe(0);
    expect(forwarded).toBe(0);
    expect(delivered).toBeGreaterThan(SENDS * 0.9);
  });

  test('teardown: joins are refused, members leave at their next check', async () => {
    await settle(ac[0].teardown(GROUP));
    await expect(settle(ac[7].join(GROUP, { onMessage: () => undefined }))).rejects.toBeInstanceOf(NotFoundError);
    await advance(65_000);
    for (const m of members) expect(ac[m].stats().memberships).toBe(0);
  });
});
