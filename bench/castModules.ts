/**
 * Anycast and Mobile Tapestry on the transit-stub topology (sim/transitStub.ts, ~4,900 routers):
 * the share of anycast sends that reach the member nearest the sender (brute force over the
 * topology's latencies) and their delay against the direct path to that member; and how long a
 * mobile node's move takes to take effect, with the messages sent during it.
 */
import { createTestnet, type Testnet } from '../testing/testnet';
import { SeededRng } from '../sim/random';
import { summarize } from '../sim/stats';
import { anycast } from '../upcalls/anycast';
import { mobile } from '../upcalls/mobile';
import { advance, settle } from './virtualTime';

const round = (x: number) => Number(x.toFixed(3));

export async function benchAnycast(n: number, members: number, sends: number, seed = 1): Promise<Record<string, unknown>> {
  const net = await createTestnet({ nodes: n, seed, topology: 'transit-stub', frozen: true });
  const ac = net.nodes.map((node) => node.register(anycast()));
  const rng = new SeededRng(seed).fork('anycast');
  await settle(net, ac[0].announce('group'));
  const set = new Set<number>();
  while (set.size < members) set.add(1 + rng.int(n - 1));
  const memberList = [...set];
  const arrivedAt = new Map<string, { at: number; member: number }>();
  await settle(net, Promise.all(memberList.map((m) => ac[m].join('group', {
    onMessage: (payload) => arrivedAt.set(Buffer.from(payload).toString(), { at: net.now, member: m }),
  }))));
  await advance(net, 5_000, 100); // the members' publishes reach the group's roots
  const sent0 = net.network.stats.sent;
  let nearest = 0;
  const rdp: number[] = [];
  const stretchToNearest: number[] = [];
  for (let i = 0; i < sends; i++) {
    let from = rng.int(n);
    while (set.has(from)) from = rng.int(n);
    const start = net.now;
    await settle(net, ac[from].send('group', `s${i}`));
    const got = arrivedAt.get(`s${i}`)!;
    const best = Math.min(...memberList.map((m) => net.latency(from, m)));
    if (net.latency(from, got.member) === best) nearest++;
    rdp.push((got.at - start) / best);
    stretchToNearest.push(net.latency(from, got.member) / best);
  }
  const datagrams = net.network.stats.sent - sent0;
  await net.close();
  const s = summarize(rdp);
  return {
    n, topology: 'transit-stub', members, sends,
    nearestShare: round(nearest / sends),
    rdpToNearest: { median: round(s.p50), p90: round(s.p90), max: round(s.max) },
    memberLatencyOverNearest: { median: round(summarize(stretchToNearest).p50), p90: round(summarize(stretchToNearest).p90) },
    datagramsPerSend: round(datagrams / sends),
  };
}

export async function benchMobile(n: number, moves: number, seed = 1): Promise<Record<string, unknown>> {
  const net = await createTestnet({ nodes: n, seed, topology: 'transit-stub', frozen: true });
  const mob = net.nodes.map((node) => node.register(mobile()));
  const rng = new SeededRng(seed).fork('mobile');
  const M = 0;
  const received = new Map<string, number>();
  mob[M].onMessage((p) => received.set(Buffer.from(p).toString(), net.now));
  const pick = () => 1 + rng.int(n - 1);
  await settle(net, mob[M].attach(net.nodes[pick()].handle, { name: 'phone' }), 60_000, 1);
  await advance(net, 5_000, 100);
  const moveMs: number[] = [];
  const duringDelay: number[] = [];
  const afterDelay: number[] = [];
  let duringSent = 0;
  let duringRejected = 0;
  for (let k = 0; k < moves; k++) {
    const senders = Array.from({ length: 20 }, pick);
    // Senders learn the current proxy first, as a steady flow would.
    await settle(net, Promise.all(senders.map((s, i) => mob[s].send('phone', `warm${k}:${i}`))));
    const start = net.now;
    const moved = mob[M].move(net.nodes[pick()].handle);
    // One send per sender in the move's first ms: they meet the old proxy's pointers or its forwarding entry.
    const during = senders.map((s, i) => ({ at: net.now, p: mob[s].send('phone', `during${k}:${i}`) }));
    await settle(net, moved, 60_000, 1);
    moveMs.push(net.now - start);
    const outcomes = await settle(net, Promise.allSettled(during.map((d) => d.p)));
    outcomes.forEach((o, i) => {
      duringSent++;
      if (o.status === 'rejected') duringRejected++;
      else duringDelay.push(received.get(`during${k}:${i}`)! - during[i].at);
    });
    const after = senders.map((s, i) => ({ at: net.now, p: mob[s].send('phone', `after${k}:${i}`) }));
    await settle(net, Promise.all(after.map((a) => a.p)));
    after.forEach((a, i) => afterDelay.push(received.get(`after${k}:${i}`)! - a.at));
  }
  const forwarded = mob.reduce((sum, m) => sum + m.stats().forwardedDuringMove, 0);
  await net.close();
  const ms = (xs: number[]) => ({ median: round(summarize(xs).p50), p90: round(summarize(xs).p90), max: round(summarize(xs).max) });
  return {
    n, topology: 'transit-stub', moves,
    moveMs: ms(moveMs),
    sendsDuringMove: duringSent, rejectedDuringMove: duringRejected, forwardedByOldProxy: forwarded,
    deliveryMsDuringMove: ms(duringDelay), deliveryMsAfterMove: ms(afterDelay),
  };
}
