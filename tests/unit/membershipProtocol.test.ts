/**
 * The pure membership parts driven through a fake port: no network, no actors. Time is the fake
 * clock; sends, pings and timers are recorded and answered by hand.
 */
import { DEFAULTS } from '../../defaults';
import { DEFAULT_SPACE, Guid, sharedPrefixLength } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import { PendingRequests, RequestIds } from '../../routing/pendingRequests';
import { RoutingTable } from '../../routing/routingTable';
import { Admission } from '../../membership/admission';
import { HoleMemory, joinHoles } from '../../membership/holes';
import { JoinPlanner } from '../../membership/joinPlanner';
import { JoinServer } from '../../membership/joinServer';
import { LeafSet } from '../../membership/leafSet';
import { Maintenance } from '../../membership/maintenance';
import { Liveness } from '../../membership/liveness';
import { MaintenanceBudget } from '../../membership/budget';
import { StallWatch } from '../../membership/stallWatch';
import { PeerHealth } from '../../routing/peerHealth';
import type { MembershipMsg } from '../../membership/messages';
import { NeighbourAsk } from '../../membership/neighbourAsk';
import { emptyMembershipStats, type MembershipPort, type ProbeDone, type ProbeOptions } from '../../membership/port';
import { SeededRng } from '../../sim/random';

const BITS = DEFAULT_SPACE.digitBits;
let port = 1;
const handle = (hex: string): NodeHandle => ({ guid: Guid.fromHex(hex.padEnd(40, '0')), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: port++ } });

/** A port that records everything; pings and timers wait until the test answers or fires them. */
class FakePort implements MembershipPort {
  readonly table: RoutingTable;
  readonly sent: Array<{ to: NodeHandle; msg: MembershipMsg }> = [];
  readonly pings: Array<{ to: Address; done: ProbeDone; opts?: ProbeOptions }> = [];
  readonly timers: Array<{ at: number; fire: () => void }> = [];
  readonly health = new PeerHealth();
  clock = 0;
  constructor(readonly self: NodeHandle) {
    this.table = new RoutingTable(self, DEFAULT_SPACE);
  }
  now(): number {
    return this.clock;
  }
  send(to: NodeHandle, msg: MembershipMsg): void {
    this.sent.push({ to, msg });
  }
  ping(to: Address, _ms: number, done: ProbeDone, opts?: ProbeOptions): void {
    this.pings.push({ to, done, opts });
  }
  after(ms: number, fire: () => void): () => void {
    const timer = { at: this.clock + ms, fire };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }
  /** Advances the clock and fires every timer due, in order. */
  advance(ms: number): void {
    this.clock += ms;
    for (;;) {
      const i = this.timers.findIndex((t) => t.at <= this.clock);
      if (i < 0) return;
      this.timers.splice(i, 1)[0].fire();
    }
  }
  /** Answers every waiting ping as the node `byAddress` names, with its rtt. */
  answerPings(byAddress: (a: Address) => { peer: NodeHandle; rtt: number } | undefined): void {
    const pings = this.pings.splice(0);
    for (const p of pings) {
      const who = byAddress(p.to);
      p.done(who ? { ...who, proven: true, challenged: false, admitBelowMs: Infinity } : undefined);
    }
  }
}

function parts(self: NodeHandle) {
  const p = new FakePort(self);
  const stats = emptyMembershipStats();
  const leafSet = new LeafSet(self.guid);
  const learned: NodeHandle[] = [];
  /** Nodes reported to the modules' update upcall as joined (where location hands over what they now root). */
  const joined: NodeHandle[] = [];
  const admission = new Admission(p, leafSet, stats, { peersChanged: () => {}, neighbourUpdate: (n, j) => void (j && joined.push(n)), learned: (n) => {
    learned.push(n);
    server.onLearned(n);
  } }, false, 1_000);
  const ids = new RequestIds();
  const after = (ms: number, fire: () => void) => p.after(ms, fire);
  const ask = new NeighbourAsk(p, ids, new PendingRequests({ after, onTimeout: () => stats.timeouts++ }), 1_000);
  const holes = new HoleMemory(p.table);
  const server = new JoinServer(p, leafSet, admission, ids, stats, 1_000, holes);
  const planner = new JoinPlanner(p, DEFAULT_SPACE, admission, ask, ids, new PendingRequests({ after, onTimeout: () => stats.timeouts++ }), stats, { k: 4, requestTimeoutMs: 1_000, joinTimeoutMs: 5_000 });
  const maintenance = new Maintenance(p, leafSet, admission, ask, stats, new MaintenanceBudget(1_000, 1_000));
  return { p, stats, leafSet, admission, ask, server, planner, maintenance, joined, learned, holes };
}

describe('PendingRequests', () => {
  test('resolves once by id, times out once, and refuses past its limit', () => {
    const timers: Array<() => void> = [];
    const got: Array<[number, string | undefined]> = [];
    let timeouts = 0;
    const pending = new PendingRequests<string>({ after: (_ms, fire) => (timers.push(fire), () => {}), limit: 2, onTimeout: () => timeouts++ });
    expect(pending.register(1, 10, (v) => got.push([1, v]))).toBe(true);
    expect(pending.register(2, 10, (v) => got.push([2, v]))).toBe(true);
    expect(pending.register(3, 10, (v) => got.push([3, v]))).toBe(false);
    expect(pending.stats.refused).toBe(1);
    expect(pending.resolve(1, 'a')).toBe(true);
    expect(pending.resolve(1, 'again')).toBe(false);
    for (const t of timers) t();
    expect(got).toEqual([[1, 'a'], [2, undefined]]);
    expect(timeouts).toBe(1);
    expect(pending.resolve(2, 'late')).toBe(false);
    expect(pending.size).toBe(0);
  });

  test('request ids never repeat 0 and wrap at 2^32', () => {
    const ids = new RequestIds();
    expect([ids.next(), ids.next()]).toEqual([1, 2]);
  });
});

describe('RoutingTable.slotOf', () => {
  test('matches sharedPrefixLength then digit for random GUIDs, and is undefined for self', () => {
    const rng = new SeededRng(7);
    const self = handle('');
    const t = new RoutingTable({ ...self, guid: Guid.random(() => rng.int(256)) }, DEFAULT_SPACE);
    expect(t.slotOf(t.self.guid)).toBeUndefined();
    for (let i = 0; i < 500; i++) {
      const g = Guid.random(() => rng.int(256));
      const l = sharedPrefixLength(t.self.guid, g, BITS);
      expect(t.slotOf(g)).toEqual({ level: l, digit: g.digit(l, BITS) });
    }
  });
});

describe('join holes', () => {
  test('the surrogate lists its empty slots at levels up to the shared one, the joining digit excepted', () => {
    const { p } = parts(handle('a1'));
    p.table.add(handle('b'), 5);
    p.table.add(handle('a2'), 5);
    const joining = handle('a3');
    const holes = joinHoles(p.table, joining.guid);
    // Brute force: every slot (l, d) with l ≤ 1 that is empty, not own digit, not (1, 3).
    const want: number[] = [];
    for (let l = 0; l <= 1; l++) for (let d = 0; d < 16; d++) {
      if (d === p.table.selfDigit(l) || (l === 1 && d === 3)) continue;
      if (p.table.slot(l, d).length === 0) want.push(l * 16 + d);
    }
    expect(holes.sort((a, b) => a - b)).toEqual(want);
    expect(holes).not.toContain(0 * 16 + 0xb);
    expect(holes).not.toContain(1 * 16 + 2);
  });

  test('a multicast receiver answers with nodes filling a hole, and later passes on a node it learns', () => {
    const { p, server, admission } = parts(handle('a1'));
    const filler = handle('c7');
    admission.learn(filler, 3);
    const joining = handle('a5');
    const parent = handle('a9');
    server.onMulticast({ joining, joinId: 1, level: 2, multicastId: 77, holes: [0 * 16 + 0xc, 0 * 16 + 0xd, 1 * 16 + 0x6] }, parent);
    const toJoining = () => p.sent.filter((s) => s.to.guid.equals(joining.guid) && s.msg.kind === 'candidates').map((s) => (s.msg.kind === 'candidates' ? s.msg.candidates.nodes.map((n) => n.guid.hex.slice(0, 2)) : []));
    expect(toJoining()).toEqual([['c7']]);
    // A node learned later that fills a remembered hole (0, d) goes to the joining node, once.
    admission.learn(handle('d1'), 4);
    admission.learn(handle('d2'), 4);
    // One that fills no hole (0, e) does not; one sharing more digits with the joining node than this node does, does.
    admission.learn(handle('e1'), 4);
    admission.learn(handle('a54'), 4);
    expect(toJoining()).toEqual([['c7'], ['d1'], ['a5']]);
    // Forgotten after joinHolesMemoryMs.
    p.advance(DEFAULTS.joinHolesMemoryMs + 1);
    admission.learn(handle('a6'), 4);
    expect(toJoining()).toHaveLength(3);
  });

  test('remembers at most maxRememberedJoins, the oldest forgotten first', () => {
    const { p } = parts(handle('a1'));
    const memory = new HoleMemory(p.table, 2, 1_000);
    for (const hex of ['b1', 'b2', 'b3']) memory.arrive(handle(hex), [0xc], 0);
    expect(memory.size).toBe(2);
    expect(memory.learned(handle('c0'), 1).map((n) => n.guid.hex.slice(0, 2))).toEqual(['b2', 'b3']);
  });
});

describe('join planner', () => {
  test('asks the gateway to join, measures the reply, asks level by level, adopts what it measured', () => {
    const self = handle('a1');
    const { p, planner } = parts(self);
    const gateway = handle('f0');
    const surrogate = handle('a2');
    const near = handle('b3');
    const all = [gateway, surrogate, near];
    const byAddress = (a: Address) => all.map((n) => ({ peer: n, rtt: 10 })).find((x) => x.peer.address.port === a.port);
    let done: boolean | undefined;
    planner.join([gateway.address], (j) => (done = j));
    p.answerPings(byAddress);
    const req = p.sent.shift()!;
    expect(req.msg.kind).toBe('joinRequest');
    planner.onJoinReply({ joinId: req.msg.kind === 'joinRequest' ? req.msg.joinRequest.joinId : 0, surrogate, level: 1, neighbours: [] });
    p.answerPings(byAddress);
    // Level 1 asked of the surrogate, then level 0, whose answer lists `near`.
    const askL1 = p.sent.shift()!;
    expect(askL1.msg).toEqual({ kind: 'neighbourRequest', neighbourRequest: expect.objectContaining({ level: 1 }) });
    if (askL1.msg.kind !== 'neighbourRequest') throw new Error();
    // The ask answered by the request id the message carried (answers come through NeighbourAsk.onReply).
    (planner as unknown as { ask: NeighbourAsk }).ask.onReply({ requestId: askL1.msg.neighbourRequest.requestId, level: 1, nodes: [] });
    p.answerPings(byAddress);
    const askL0 = p.sent.shift()!;
    if (askL0.msg.kind !== 'neighbourRequest') throw new Error();
    expect(askL0.msg.neighbourRequest.level).toBe(0);
    (planner as unknown as { ask: NeighbourAsk }).ask.onReply({ requestId: askL0.msg.neighbourRequest.requestId, level: 0, nodes: [near] });
    p.answerPings(byAddress);
    expect(done).toBe(true);
    expect(p.table.has(surrogate.guid) && p.table.has(near.guid)).toBe(true);
    expect(p.sent.filter((s) => s.msg.kind === 'adopt').map((s) => s.to.guid.hex.slice(0, 2)).sort()).toEqual(['a2', 'b3']);
    // Then the surrogate is asked for level 0's empty slots only (brute force: every digit but the
    // own one, a, and b, which holds b3), and only an answer that fills one of them is measured.
    const holeAsk = p.sent.filter((s) => s.msg.kind === 'neighbourRequest').pop()!;
    if (holeAsk.msg.kind !== 'neighbourRequest') throw new Error();
    expect(holeAsk.to.guid.equals(surrogate.guid)).toBe(true);
    let want = 0;
    for (let d = 0; d < 16; d++) if (p.table.slot(0, d).length === 0) want |= 1 << d;
    expect(want).toBe(0xffff & ~(1 << 0xa) & ~(1 << 0xb));
    expect(holeAsk.msg.neighbourRequest).toEqual(expect.objectContaining({ level: 0, perSlot: 1, slots: want }));
    const fills = handle('c5');
    const inFullSlot = handle('b4');
    p.pings.length = 0;
    (planner as unknown as { ask: NeighbourAsk }).ask.onReply({ requestId: holeAsk.msg.neighbourRequest.requestId, level: 0, nodes: [inFullSlot, fills] });
    expect(p.pings.map((x) => x.to.port)).toEqual([fills.address.port]);
  });

  test('a join whose surrogate never answers gives up after joinTimeoutMs and tries the next address', () => {
    const { p, planner, stats } = parts(handle('a1'));
    const gateway = handle('f0');
    let done: boolean | undefined;
    planner.join([gateway.address], (j) => (done = j));
    p.answerPings((a) => (a.port === gateway.address.port ? { peer: gateway, rtt: 5 } : undefined));
    p.advance(4_999);
    expect(done).toBeUndefined();
    p.advance(1);
    expect(done).toBe(false);
    expect(stats.timeouts).toBe(1);
  });

  test('join requests reaching a node still joining are held until its join ends, then served in order (bounded)', () => {
    const { p, planner } = parts(handle('a1'));
    const order: string[] = [];
    // Not joining: served at once.
    expect(planner.deferWhileJoining(() => order.push('early'))).toBe(false);
    const gateway = handle('f0');
    planner.join([gateway.address], (j) => order.push(`done ${j}`));
    let held = 0;
    for (let i = 0; i < DEFAULTS.maxDeferredJoinRequests + 3; i++) if (planner.deferWhileJoining(() => order.push(`req ${i}`))) held++;
    expect(held).toBe(DEFAULTS.maxDeferredJoinRequests);
    p.answerPings((a) => (a.port === gateway.address.port ? { peer: gateway, rtt: 5 } : undefined));
    p.advance(4_999);
    expect(order).toEqual([]);
    // The join ends (here without a surrogate): its result first, then every held request, once.
    p.advance(1);
    expect(order).toEqual(['done false', ...Array.from({ length: held }, (_, i) => `req ${i}`)]);
    expect(planner.deferWhileJoining(() => order.push('late'))).toBe(false);
    p.advance(60_000);
    expect(order.length).toBe(1 + held);
  });
});

describe('join server', () => {
  test('the surrogate fans out to its children, adds the joining node, and replies once every child acknowledged', () => {
    const self = handle('a1');
    const { p, server, joined } = parts(self);
    const child = handle('a3');
    p.table.add(child, 5);
    const joining = handle('a2');
    server.startMulticast(joining, 9);
    // The joining node is verified first: one ping to its address, nothing else until it answers.
    expect(p.sent).toEqual([]);
    expect(p.pings.map((q) => q.to)).toEqual([joining.address]);
    p.answerPings((a) => (a.port === joining.address.port ? { peer: joining, rtt: 5 } : undefined));
    const mc = p.sent.find((s) => s.msg.kind === 'multicast')!;
    expect(mc.to.guid.equals(child.guid)).toBe(true);
    if (mc.msg.kind !== 'multicast') throw new Error();
    expect(mc.msg.multicast.holes).toEqual(joinHoles(p.table, joining.guid));
    expect(joined.map((j) => j.guid.hex)).toEqual([joining.guid.hex]);
    expect(p.sent.some((s) => s.msg.kind === 'joinReply')).toBe(false);
    server.onAck({ multicastId: mc.msg.multicast.multicastId, reached: [child] }, child);
    const reply = p.sent.find((s) => s.msg.kind === 'joinReply')!;
    expect(reply.msg).toEqual({ kind: 'joinReply', joinReply: expect.objectContaining({ joinId: 9, level: 1 }) });
  });

  test('a join request whose joining node does not answer costs it one ping and nothing more', () => {
    const self = handle('a1');
    const { p, server, joined, stats } = parts(self);
    p.table.add(handle('a3'), 5);
    const joining = handle('a2');
    server.startMulticast(joining, 9);
    expect(p.pings.length).toBe(1);
    p.answerPings(() => undefined);
    p.advance(60_000);
    expect(p.sent).toEqual([]);
    expect(p.pings).toEqual([]);
    expect(joined).toEqual([]);
    expect(stats.joinsUnverified).toBe(1);
    expect(stats.joinsServed).toBe(0);
  });
});

describe('neighbour requests for some slots', () => {
  test('entries for a slot mask are the unmasked answer with the other slots left out, backpointers too', () => {
    const rng = new SeededRng(12);
    const self = handle('5');
    const { p, server } = parts(self);
    const others: NodeHandle[] = [];
    for (let i = 0; i < 300; i++) {
      const n = { guid: Guid.random(() => rng.int(256)), address: { family: 4 as const, ip: Uint8Array.of(10, 0, 1, 1), port: 1000 + i } };
      // Half of them from the own prefix, so deeper levels hold entries too.
      const g = i % 2 === 0 ? Guid.fromHex('5' + n.guid.hex.slice(1)) : n.guid;
      const h = { guid: g, address: n.address };
      others.push(h);
      p.table.add(h, 1 + rng.int(100));
    }
    // A few backpointers per level (fewer than base, so the unmasked answer is not cut short).
    for (const o of others.slice(0, 40)) if (p.table.backpointersAt(p.table.slotOf(o.guid)!.level).length < 8) p.table.addBackpointer(o);
    let listed = 0;
    let backs = 0;
    for (let trial = 0; trial < 200; trial++) {
      const level = rng.int(3);
      const perSlot = rng.int(4);
      const slots = rng.int(0x10000);
      const all = server.entriesAt(level, perSlot);
      const oracle = all.filter((n) => ((slots >> n.guid.digit(level, BITS)) & 1) === 1);
      const got = server.entriesAt(level, perSlot, slots);
      expect(got).toEqual(slots === 0 ? all : oracle);
      listed += got.length;
      backs += got.filter((n) => p.table.backpointersAt(level).some((b) => b.guid.equals(n.guid))).length;
    }
    // The trials did list entries and backpointers, not only empty answers.
    expect(listed).toBeGreaterThan(1000);
    expect(backs).toBeGreaterThan(50);
  });
});

describe('maintenance', () => {
  test('a neighbour silent through its liveness probes is dropped and its empty slot is asked of a peer at that level', () => {
    const { p, maintenance, admission, stats, leafSet } = parts(handle('a1'));
    const dead = handle('b1');
    const peer = handle('a2');
    admission.learn(dead, 5);
    admission.learn(peer, 5);
    const liveness = new Liveness({
      health: p.health,
      watched: () => ({ first: [dead, peer], backups: [] }),
      // The peer answers every probe at once; the dead neighbour never does.
      probe: (n) => n.guid.equals(peer.guid) && p.health.sample(peer.guid.hex, 5, p.clock),
      isNeighbour: (n) => p.table.has(n.guid) || leafSet.has(n.guid),
      failed: (n) => maintenance.failed(n),
    }, new MaintenanceBudget(10, 10), new StallWatch(), stats, 2_000);
    maintenance.liveness = liveness;
    for (let t = 0; t <= 60_000 && p.table.has(dead.guid); t += 1_000) {
      p.clock = t;
      liveness.tick(t);
    }
    expect(p.table.has(dead.guid)).toBe(false);
    expect(stats.failuresDetected).toBe(1);
    const ask = p.sent.find((s) => s.msg.kind === 'neighbourRequest')!;
    expect(ask.to.guid.equals(peer.guid)).toBe(true);
    expect(ask.msg).toEqual({ kind: 'neighbourRequest', neighbourRequest: expect.objectContaining({ level: 0 }) });
  });
});
