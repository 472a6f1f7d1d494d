/**
 * Bayeux events on a simulated mesh, in both join modes, checked against each node's own state
 * (sessionStats before and after, a second code path) rather than against the event list itself:
 * - a member's leave: one `left` on that member alone; `childRemoved` ('left') on exactly the nodes
 *   whose children went, as many times as they lost children (Bayeux: only on the member's path, the
 *   nodes whose entries dropped by one; Scribe: naming exactly the nodes that left the tree);
 * - a crashed member (no leave, on a frozen mesh so no neighbour reports the failure): its parent's
 *   state lapses after the soft-state lifetime and `childRemoved` ('expired') names it there, once;
 * - a crashed forwarder: the nodes it held lose it once each, Scribe children count `parentLosses`
 *   (Bayeux upstreams `repairs`), and every live member receives again, once.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { bayeux, type Bayeux, type BayeuxEvents, type JoinMode } from '../../upcalls/bayeux';
import { DEFAULTS } from '../../defaults';
import { SeededRng } from '../../sim/random';
import { virtualTime } from '../helpers/virtualTime';

const N = 200;
const MEMBERS = 30;
/** The soft-state lifetime, plus the mode's expiry check (every half lifetime) and a refresh period: after this a silent child has lapsed. */
const LAPSE_MS = DEFAULTS.bayeuxEntryLifetimeMs * 1.5 + DEFAULTS.bayeuxRefreshMs;

interface Seen {
  readonly node: number;
  readonly event: keyof BayeuxEvents;
  readonly session: string;
  readonly child?: string;
  readonly reason?: string;
}

/** Every event of every node, in order (cleared by the tests between steps). */
function record(mc: Bayeux[]): Seen[] {
  const log: Seen[] = [];
  mc.forEach((m, node) => {
    m.on('joined', (e) => log.push({ node, event: 'joined', session: e.session.hex }));
    m.on('left', (e) => log.push({ node, event: 'left', session: e.session.hex }));
    m.on('tornDown', (e) => log.push({ node, event: 'tornDown', session: e.session.hex }));
    m.on('childAdded', (e) => log.push({ node, event: 'childAdded', session: e.session.hex, child: e.child.guid.hex }));
    m.on('childRemoved', (e) => log.push({ node, event: 'childRemoved', session: e.session.hex, child: e.child.guid.hex, reason: e.reason }));
  });
  return log;
}

type Snap = Array<{ member: boolean; roots: number; trees: number; entries: number; children: number; parentLosses: number; repairs: number }>;

function snap(mc: Bayeux[], session: string): Snap {
  return mc.map((m) => {
    const { parentLosses, repairs } = m.stats();
    return { ...m.sessionStats(session), parentLosses, repairs };
  });
}

function countBy(log: Seen[], event: keyof BayeuxEvents, session: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of log) if (e.event === event && e.session === session) out.set(e.node, (out.get(e.node) ?? 0) + 1);
  return out;
}

/**
 * The events against the state: at every node but `skip`, children after = before + added - removed,
 * and no node names one child as added twice or removed twice without the other between.
 */
function expectEventsMatchState(log: Seen[], before: Snap, after: Snap, session: string, skip: Set<number>): void {
  const added = countBy(log, 'childAdded', session);
  const removed = countBy(log, 'childRemoved', session);
  for (let i = 0; i < before.length; i++) {
    if (skip.has(i)) continue;
    expect([i, after[i].children - before[i].children]).toEqual([i, (added.get(i) ?? 0) - (removed.get(i) ?? 0)]);
  }
  const last = new Map<string, keyof BayeuxEvents>();
  for (const e of log) {
    if (e.session !== session || (e.event !== 'childAdded' && e.event !== 'childRemoved')) continue;
    const key = `${e.node}:${e.child}`;
    expect([key, last.get(key)]).not.toEqual([key, e.event]);
    last.set(key, e.event);
  }
}

describe.each<JoinMode>(['bayeux', 'scribe'])('%s join mode: membership and tree events', (mode) => {
  const rng = new SeededRng(mode === 'bayeux' ? 41 : 42);

  /** A mesh, its modules, an event log, and the helpers that drive them. */
  function mesh(frozen: boolean) {
    const w = { net: undefined as unknown as Testnet, mc: [] as Bayeux[], log: [] as Seen[], down: new Set<number>() };
    const time = virtualTime(() => w.net);
    const pick = (count: number, not: Set<number>): number[] => {
      const set = new Set<number>();
      while (set.size < count) {
        const i = rng.int(N);
        if (!not.has(i) && !w.down.has(i)) set.add(i);
      }
      return [...set];
    };
    /** Creates `session` at a random node and joins MEMBERS others; answers the creator, the members and what they received. */
    const setUp = async (session: string) => {
      const creator = pick(1, new Set())[0];
      const made = await time.settle(w.mc[creator].createSession(session));
      const root = w.net.indexOf(made.roots[0].guid)!;
      const members = pick(MEMBERS, new Set([creator, root]));
      const got = new Map<number, string[]>(members.map((m) => [m, []]));
      const results = await time.settle(Promise.allSettled(members.map((m) => w.mc[m].join(session, {
        onMessage: (p) => got.get(m)!.push(new TextDecoder().decode(p)),
      }))));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      return { creator, root, members, got };
    };
    /** Multicasts `label`; every live member of `members` receives it once, and no other node delivers anything. */
    const sendAndCheck = async (from: number, session: string, label: string, members: number[], got: Map<number, string[]>) => {
      const delivered = () => w.mc.reduce((sum, m) => sum + m.stats().delivered, 0);
      const before = delivered();
      w.mc[from].multicast(session, label);
      await time.advance(3_000);
      const live = members.filter((m) => !w.down.has(m) && w.mc[m].isMember(session));
      for (const m of live) expect([m, got.get(m)!.filter((p) => p === label).length]).toEqual([m, 1]);
      expect(delivered() - before).toBe(live.length);
      return live;
    };
    const crash = (i: number) => {
      w.down.add(i);
      w.net.network.setDown(i, true);
    };
    beforeAll(async () => {
      w.net = await createTestnet({ nodes: N, seed: mode === 'bayeux' ? 43 : 44, frozen });
      w.mc = w.net.nodes.map((n) => n.register(bayeux({ joinMode: mode })));
      w.log = record(w.mc);
      await time.advance(2_000);
    }, 120_000);
    afterAll(() => w.net.close());
    return { w, time, pick, setUp, sendAndCheck, crash };
  }

  describe('live mesh', () => {
    const { w, time, setUp, sendAndCheck, crash } = mesh(false);

    test('a leave gives one `left` on the member and `childRemoved` exactly where its state was pruned', async () => {
      const { creator, root, members, got } = await setUp('ev-leave');
      const guid = w.mc[0].sessionGuid('ev-leave').hex;
      await sendAndCheck(creator, 'ev-leave', 'hello', members, got);
      let pruned = 0;
      for (const m of members.slice(0, 10)) {
        const before = snap(w.mc, 'ev-leave');
        w.log.length = 0;
        await w.mc[m].leave('ev-leave');
        await time.advance(5_000);
        const after = snap(w.mc, 'ev-leave');
        const log = w.log.filter((e) => e.session === guid);
        // One `left`, on the member; nothing joined, added or torn down.
        expect(log.filter((e) => e.event === 'left').map((e) => e.node)).toEqual([m]);
        expect(log.filter((e) => e.event !== 'left' && e.event !== 'childRemoved')).toEqual([]);
        expect(log.filter((e) => e.event === 'childRemoved' && e.reason !== 'left')).toEqual([]);
        expectEventsMatchState(log, before, after, guid, new Set());
        const removedAt = [...countBy(log, 'childRemoved', guid).keys()].sort((a, b) => a - b);
        // The nodes that were told are exactly those with fewer children now.
        expect(removedAt).toEqual(before.flatMap((b, i) => (after[i].children < b.children ? [i] : [])));
        if (mode === 'bayeux') {
          // The member's entry went from every node of its path, and only there; the told nodes are on it.
          const path = new Set(before.flatMap((b, i) => (b.entries - after[i].entries === 1 ? [i] : [])));
          expect(before.filter((b, i) => b.entries - after[i].entries !== (path.has(i) ? 1 : 0))).toEqual([]);
          expect(path.has(root)).toBe(true);
          for (const i of removedAt) expect(path.has(i)).toBe(true);
        } else {
          // Each LEAVE names the node that left the tree (the root, if it did, has no parent to tell).
          const leftTree = before.flatMap((b, i) => (b.trees > 0 && after[i].trees === 0 && i !== root ? [w.net.nodes[i].handle.guid.hex] : []));
          expect(log.filter((e) => e.event === 'childRemoved').map((e) => e.child).sort()).toEqual(leftTree.sort());
        }
        pruned += removedAt.length;
      }
      expect(pruned).toBeGreaterThan(0);
      await sendAndCheck(creator, 'ev-leave', 'after-leaves', members, got);
      for (const m of members.slice(0, 10)) expect(got.get(m)!.includes('after-leaves')).toBe(false);
    }, 300_000);

    test('a crashed forwarder is dropped once by the nodes above it; its children rejoin (Scribe: parentLosses) and receive again', async () => {
      const { creator, root, members, got } = await setUp('ev-forwarder');
      const guid = w.mc[0].sessionGuid('ev-forwarder').hex;
      const memberSet = new Set(members);
      const before = snap(w.mc, 'ev-forwarder');
      const forwarders = before.flatMap((s, i) => (s.children >= 2 && i !== root && i !== creator && !memberSet.has(i) ? [i] : []));
      expect(forwarders.length).toBeGreaterThan(0);
      const victim = forwarders.sort((a, b) => before[b].children - before[a].children)[0];
      const victimHex = w.net.nodes[victim].handle.guid.hex;
      w.log.length = 0;
      crash(victim);
      await time.advance(LAPSE_MS);
      const log = w.log.filter((e) => e.session === guid && e.node !== victim);
      // The nodes above it drop it once each: no node tells of it twice.
      const toldVictim = log.filter((e) => e.event === 'childRemoved' && e.child === victimHex).map((e) => e.node);
      expect(toldVictim.length).toBeGreaterThan(0);
      expect(new Set(toldVictim).size).toBe(toldVictim.length);
      const after = snap(w.mc, 'ev-forwarder');
      expectEventsMatchState(log, before, after, guid, new Set([victim]));
      if (mode === 'scribe') {
        // Each of its children gave up its place (its parent went silent or was found failed) and rejoined.
        const lost = before.flatMap((b, i) => (i !== victim && after[i].parentLosses > b.parentLosses ? [i] : []));
        expect(lost.length).toBeGreaterThanOrEqual(before[victim].children);
        for (const i of lost) if (memberSet.has(i)) expect(after[i].trees).toBeGreaterThan(0);
      } else {
        // The nodes above it re-routed the members behind it (local repair).
        expect(after.reduce((s, a, i) => s + a.repairs - before[i].repairs, 0)).toBeGreaterThan(0);
      }
      await sendAndCheck(creator, 'ev-forwarder', 'after-crash', members, got);
    }, 300_000);
  });

  describe('frozen mesh (no failure detection: only soft state ends what a crash leaves)', () => {
    const { w, time, setUp, sendAndCheck, crash } = mesh(true);

    test('a member that crashes without leaving lapses at its parent after the lifetime, and `childRemoved` fires there', async () => {
      const { creator, root, members, got } = await setUp('ev-lapse');
      const guid = w.mc[0].sessionGuid('ev-lapse').hex;
      await sendAndCheck(creator, 'ev-lapse', 'before', members, got);
      const before = snap(w.mc, 'ev-lapse');
      // A leaf member: it forwards for nobody, so only its own place lapses.
      const leaf = members.find((m) => before[m].children === 0 && before[m].entries === 0 && (mode === 'scribe' || before[m].trees === 0));
      expect(leaf).toBeDefined();
      const victim = leaf!;
      const victimHex = w.net.nodes[victim].handle.guid.hex;
      w.log.length = 0;
      crash(victim);
      // Nothing is removed before the lifetime has run out.
      await time.advance(DEFAULTS.bayeuxEntryLifetimeMs / 2);
      expect(w.log.filter((e) => e.session === guid && e.node !== victim && e.event === 'childRemoved')).toEqual([]);
      await time.advance(LAPSE_MS - DEFAULTS.bayeuxEntryLifetimeMs / 2);
      const after = snap(w.mc, 'ev-lapse');
      const log = w.log.filter((e) => e.session === guid && e.node !== victim);
      // Exactly one node, its parent, drops it: by expiry.
      const told = log.filter((e) => e.event === 'childRemoved' && e.child === victimHex);
      expect(told.map((e) => e.reason)).toEqual(['expired']);
      const parent = told[0].node;
      expect(after[parent].children).toBe(before[parent].children - (log.filter((e) => e.node === parent && e.event === 'childRemoved').length));
      expectEventsMatchState(log, before, after, guid, new Set([victim]));
      expect(log.filter((e) => e.event === 'left' || e.event === 'joined' || e.event === 'childAdded')).toEqual([]);
      if (mode === 'bayeux') {
        // Its entry lapsed on every node of its path (each held one), and only there; all removals are expiries.
        const path = new Set(before.flatMap((b, i) => (i !== victim && b.entries - after[i].entries === 1 ? [i] : [])));
        expect(before.filter((b, i) => i !== victim && b.entries - after[i].entries !== (path.has(i) ? 1 : 0))).toEqual([]);
        expect(path.has(parent) && path.has(root)).toBe(true);
        expect(log.filter((e) => e.event === 'childRemoved' && e.reason !== 'expired')).toEqual([]);
      } else {
        // A forwarder left childless leaves its parent at once (LEAVE): each such node is named, the victim by expiry.
        const leftTree = before.flatMap((b, i) => (i !== victim && i !== root && b.trees > 0 && after[i].trees === 0 ? [w.net.nodes[i].handle.guid.hex] : []));
        const named = log.filter((e) => e.event === 'childRemoved');
        expect(named.map((e) => e.child).sort()).toEqual([...leftTree, victimHex].sort());
        expect(named.filter((e) => e.child !== victimHex && e.reason !== 'left')).toEqual([]);
      }
      await sendAndCheck(creator, 'ev-lapse', 'after', members, got);
    }, 300_000);
  });
});
