/**
 * The awaitable unpublish without a network: the acknowledgement table (location/publishAcks.ts)
 * waiting for unpublishes, and the publisher's side of it (actors/locatorPublishing.ts) driven by a
 * host that only records what it is asked to route and when to wake. Rules stated here, from the
 * specification: an unpublish settles on its last salt's exact nonce and counts as an unpublish, not
 * a publish; an object not published resolves at once with no roots and sends nothing; a publish of
 * the object still waiting ends with AbortedError, other waits untouched; only silent roots get
 * their record again, the same record (same sequence and nonce); the bound ends it with TimeoutError.
 */
import { AbortedError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { PublishAcks, type PublishAckStats, type PublishResult, type UnpublishAckStats, type UnpublishResult } from '../../location/publishAcks';
import type { LocationMsg, UnpublishMsg } from '../../location/messages';
import { LocatorPublishing, type PublishingStats } from '../../actors/locatorPublishing';

const rng = new SeededRng(13);
const random = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const guid = () => Guid.random(() => rng.int(256));
const node = (): NodeHandle => ({ guid: guid(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, rng.int(256)), port: 4000 } });

function waiter<R = PublishResult | UnpublishResult>() {
  const w: { result?: R; error?: Error; calls: number } = { calls: 0 };
  return { w, waiter: { resolve: (r: R) => ((w.result = r), w.calls++), reject: (e: Error) => ((w.error = e), w.calls++) } };
}

function zeroStats(): PublishingStats {
  return {
    published: 0, republished: 0, publishesAcknowledged: 0, publishesUnacknowledged: 0, publishAcksSent: 0, publishAcksUnmatched: 0, publishRecordsResent: 0,
    unpublishesAcknowledged: 0, unpublishesUnacknowledged: 0, unpublishAcksSent: 0, unpublishRecordsResent: 0, publishesWithdrawnWaiting: 0,
  };
}

describe('the table, waiting for unpublishes', () => {
  function table(salts = 3) {
    const stats: PublishAckStats & UnpublishAckStats = zeroStats();
    return { acks: new PublishAcks({ salts, limit: 10, random }, stats, stats), stats };
  }

  test('settles on the last salt with who acknowledged each, counted as an unpublish', () => {
    const { acks, stats } = table();
    const object = guid();
    const { w, waiter: wt } = waiter();
    const { nonce } = acks.open(object, wt, 0, 'unpublish')!;
    const roots = [node(), node(), node()];
    for (const salt of [1, 0]) expect(acks.acked({ object, saltIndex: salt, nonce }, roots[salt])).toBe(true);
    expect(w.calls).toBe(0);
    expect(acks.acked({ object, saltIndex: 2, nonce }, roots[2])).toBe(true);
    expect(w.calls).toBe(1);
    expect(w.result).toMatchObject({ tried: 3, acknowledged: 3, roots });
    expect(stats).toMatchObject({ unpublishesAcknowledged: 1, publishesAcknowledged: 0 });
  });

  test('withdrawn(object) ends only the publishes of that object still waiting, with AbortedError', () => {
    const { acks, stats } = table(1);
    const object = guid();
    const pub = waiter();
    const unpub = waiter();
    const other = waiter();
    acks.open(object, pub.waiter, 0, 'publish');
    const u = acks.open(object, unpub.waiter, 0, 'unpublish')!;
    const o = acks.open(guid(), other.waiter, 0, 'publish')!;
    acks.withdrawn(object);
    expect(pub.w.error).toBeInstanceOf(AbortedError);
    expect(pub.w.error!.message).toContain('unpublished after 0 of 1');
    expect([unpub.w.calls, other.w.calls]).toEqual([0, 0]);
    expect(acks.pending).toBe(2);
    expect(stats.publishesWithdrawnWaiting).toBe(1);
    // The others still settle by their own nonces.
    expect(acks.acked({ object, saltIndex: 0, nonce: u.nonce }, node())).toBe(true);
    expect(unpub.w.calls).toBe(1);
    expect(acks.unanswered(o.id)).toBeDefined();
  });

  test('a time-out ends an unpublish with TimeoutError counted as an unpublish', () => {
    const { acks, stats } = table();
    const object = guid();
    const { w, waiter: wt } = waiter();
    const { id, nonce } = acks.open(object, wt, 0, 'unpublish')!;
    acks.acked({ object, saltIndex: 2, nonce }, node());
    acks.timedOut(id, 15_000);
    expect(w.error).toBeInstanceOf(TimeoutError);
    expect(w.error!.message).toContain('unpublish of');
    expect(w.error!.message).toContain('1 of 3 salted roots acknowledged');
    expect(stats).toMatchObject({ unpublishesUnacknowledged: 1, publishesUnacknowledged: 0 });
  });
});

describe('the publisher side (a host that records)', () => {
  const SALTS = 3;
  const self = node();

  function publishing() {
    const routed: Array<{ salt: number; msg: LocationMsg }> = [];
    const timers: Array<{ id: number; ms: number }> = [];
    const clock = { now: 0 };
    const stats = zeroStats();
    const p = new LocatorPublishing(
      { now: () => clock.now, routeToRoot: (_o, salt, msg) => routed.push({ salt, msg }), armPublishTimeout: (id, ms) => timers.push({ id, ms }), random },
      { self, salts: SALTS, pointerLifetimeMs: 60_000 },
      { authenticates: false, sign: () => undefined },
      { ackTimeoutMs: 15_000, ackResendMs: 5_000, maxPending: 16 },
      stats,
    );
    return { p, routed, timers, clock, stats };
  }
  const unpublishes = (routed: Array<{ msg: LocationMsg }>): UnpublishMsg[] => routed.flatMap((r) => (r.msg.kind === 'unpublish' ? [r.msg.unpublish] : []));

  test('an object this node never published resolves at once with no roots, and nothing is sent', () => {
    const { p, routed, timers } = publishing();
    const object = guid();
    const { w, waiter: wt } = waiter<UnpublishResult>();
    expect(p.unpublish(object, wt)).toBe(false);
    expect(w.calls).toBe(1);
    expect(w.result!.object.hex).toBe(object.hex);
    expect(w.result).toMatchObject({ tried: 0, acknowledged: 0, roots: [] });
    expect([routed.length, timers.length]).toEqual([0, 0]);
  });

  test('one record per salt, each carrying the same fresh nonce; the acks of every salt resolve it', () => {
    const { p, routed, stats } = publishing();
    const object = guid();
    p.publish(object, '');
    routed.length = 0;
    const { w, waiter: wt } = waiter<UnpublishResult>();
    expect(p.unpublish(object, wt)).toBe(true);
    const sent = unpublishes(routed);
    expect(sent.map((u) => u.saltIndex).sort()).toEqual([0, 1, 2]);
    const nonce = sent[0].ackNonce!;
    expect(nonce).toHaveLength(8);
    for (const u of sent) expect(Buffer.from(u.ackNonce!).equals(Buffer.from(nonce))).toBe(true);
    const roots = [node(), node(), node()];
    for (const u of sent) p.acked({ object, saltIndex: u.saltIndex, nonce }, roots[u.saltIndex]);
    expect(w.result).toMatchObject({ tried: SALTS, acknowledged: SALTS, roots });
    expect(stats.unpublishesAcknowledged).toBe(1);
    // Withdrawn: a second unpublish has nothing to do.
    const again = waiter<UnpublishResult>();
    p.unpublish(object, again.waiter);
    expect(again.w.result).toMatchObject({ tried: 0 });
  });

  test('a publish still waiting ends with AbortedError when its object is unpublished', () => {
    const { p } = publishing();
    const object = guid();
    const pub = waiter<PublishResult>();
    p.publish(object, '', undefined, pub.waiter);
    expect(pub.w.calls).toBe(0);
    p.unpublish(object, waiter<UnpublishResult>().waiter);
    expect(pub.w.error).toBeInstanceOf(AbortedError);
  });

  test('silent roots get their very record again each resend period; the bound ends the wait with TimeoutError', () => {
    const { p, routed, timers, clock, stats } = publishing();
    const object = guid();
    p.publish(object, '');
    routed.length = 0;
    const { w, waiter: wt } = waiter<UnpublishResult>();
    p.unpublish(object, wt);
    const first = unpublishes(routed);
    const nonce = first[0].ackNonce!;
    p.acked({ object, saltIndex: 1, nonce }, node());
    expect(timers).toHaveLength(1);
    const id = timers[0].id;
    expect(timers[0].ms).toBe(5_000);
    // Resend periods: at 5 s and 10 s the two silent salts go again; at 15 s the wait ends.
    for (const at of [5_000, 10_000]) {
      routed.length = 0;
      clock.now = at;
      p.timedOut(id);
      const again = unpublishes(routed);
      expect(again.map((u) => u.saltIndex).sort()).toEqual([0, 2]);
      for (const u of again) expect(u).toEqual(first.find((f) => f.saltIndex === u.saltIndex));
      expect(w.calls).toBe(0);
    }
    clock.now = 15_000;
    routed.length = 0;
    p.timedOut(id);
    expect(routed).toHaveLength(0);
    expect(w.error).toBeInstanceOf(TimeoutError);
    expect(stats).toMatchObject({ unpublishRecordsResent: 4, unpublishesUnacknowledged: 1 });
  });
});
