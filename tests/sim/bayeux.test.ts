/**
 * Bayeux multicast on a 1,000-node simulated mesh (repair, heartbeats and hop acknowledgements on),
 * in both join modes: every member receives every multicast exactly once and no other node does;
 * after a forwarding node crashes every live member receives again within REPAIR_MS; leave and
 * teardown free every node's state (summed over all nodes' stats); a session with 3 root replicas
 * goes on after the node holding replica 0 crashes. The oracle is the member set itself.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { bayeux, type Bayeux, type JoinMode } from '../../upcalls/bayeux';
import { SeededRng } from '../../sim/random';
import { HostilePeer } from '../helpers/hostilePeer';
import { encodeBayeux } from '../../wire/bayeuxCodec';
import { MODULE_IDS } from '../../upcalls/moduleIds';

const N = 1_000;
const MEMBERS = 100;
/** The stated repair bound: a member refreshes every 20 s (DEFAULTS.bayeuxRefreshMs); a crash is also found by the nodes next to it. */
const REPAIR_MS = 60_000;

async function advance(net: Testnet, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    net.run(Math.min(step, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

async function settle<T>(net: Testnet, p: Promise<T>, ms = 120_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += 200) await advance(net, 200);
  return watched;
}

/** One session's state summed over every node. */
function sessionTotals(mc: Bayeux[], session: string) {
  const t = { members: 0, roots: 0, trees: 0, entries: 0, children: 0 };
  for (const m of mc) {
    const s = m.sessionStats(session);
    t.members += s.member ? 1 : 0;
    t.roots += s.roots;
    t.trees += s.trees;
    t.entries += s.entries;
    t.children += s.children;
  }
  return t;
}

/** State summed over every node (live or not). */
function totals(mc: Bayeux[]) {
  const t = { delivered: 0 };
  for (const m of mc) t.delivered += m.stats().delivered;
  return t;
}

describe.each<JoinMode>(['bayeux', 'scribe'])('%s join mode, 1,000 nodes', (mode) => {
  let net: Testnet;
  let mc: Bayeux[];
  const rng = new SeededRng(mode === 'bayeux' ? 21 : 22);
  const down = new Set<number>();
  /** session → member index → payloads received, in order. */
  const got = new Map<string, Map<number, string[]>>();

  const pickNodes = (count: number, not: Set<number>): number[] => {
    const set = new Set<number>();
    while (set.size < count) {
      const i = rng.int(N);
      if (!not.has(i) && !down.has(i)) set.add(i);
    }
    return [...set];
  };

  async function joinAll(session: string, members: number[]): Promise<void> {
    const bySession = got.get(session) ?? new Map<number, string[]>();
    got.set(session, bySession);
    for (const m of members) bySession.set(m, []);
    const results = await settle(net, Promise.allSettled(members.map((m) => mc[m].join(session, {
      onMessage: (payload) => bySession.get(m)!.push(new TextDecoder().decode(payload)),
    }))));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  }

  /** Multicasts `label` from `from` and checks that exactly the live members got it, once each. */
  async function sendAndCheck(session: string, from: number, label: string, members: number[]): Promise<void> {
    const before = totals(mc).delivered;
    mc[from].multicast(session, label);
    await advance(net, 3_000);
    const bySession = got.get(session)!;
    const live = members.filter((m) => !down.has(m));
    for (const m of live) expect([m, bySession.get(m)!.filter((p) => p === label).length]).toEqual([m, 1]);
    // Nobody else delivered it: the delivered counters over every node moved by the live members alone.
    expect(totals(mc).delivered - before).toBe(live.length);
  }

  beforeAll(async () => {
    net = await createTestnet({ nodes: N, seed: 16 });
    mc = net.nodes.map((n) => n.register(bayeux({ joinMode: mode })));
    await advance(net, 2_000);
  }, 120_000);
  afterAll(() => net.close());

  test('every member receives every multicast exactly once, no other node does; a crashed forwarder is repaired', async () => {
    const creator = 0;
    await settle(net, mc[creator].createSession('news'));
    const members = pickNodes(MEMBERS, new Set([creator]));
    await joinAll('news', members);
    const memberSet = new Set(members);
    const nonMember = pickNodes(1, memberSet)[0];
    for (const [k, from] of [creator, members[0], members[1], nonMember, members[2]].entries()) await sendAndCheck('news', from, `m${k}`, members);

    // A node that forwards for the session but is neither a root nor a member crashes.
    const forwarders = mc.map((m, i) => [i, m.stats()] as const).filter(([i, s]) => s.children >= 2 && s.roots === 0 && !memberSet.has(i));
    expect(forwarders.length).toBeGreaterThan(0);
    const [victim] = forwarders.sort((a, b) => b[1].children - a[1].children)[0];
    down.add(victim);
    net.network.setDown(victim, true);
    await advance(net, REPAIR_MS);
    await sendAndCheck('news', creator, 'after-crash', members);
  }, 300_000);

  test('a TEARDOWN sent straight to every node by a peer off the tree frees nothing; the creator\'s frees it all', async () => {
    const creator = pickNodes(1, new Set())[0];
    const session = await settle(net, mc[creator].createSession('guarded'));
    const members = pickNodes(40, new Set([creator]));
    await joinAll('guarded', members);
    const before = sessionTotals(mc, 'guarded');
    expect(before.members).toBe(members.length);
    const refused = () => mc.reduce((sum, m) => sum + m.stats().teardownsRefused, 0);
    const refusedBefore = refused();
    const hostile = new HostilePeer(net.network, new SeededRng(mode === 'bayeux' ? 31 : 32));
    const teardown = encodeBayeux({ kind: 'teardown', session: session.guid, replica: 0, node: net.nodes[creator].handle, seq: 0, payload: new Uint8Array(0), replicas: 0, relayed: false });
    const live = net.nodes.filter((_, i) => !down.has(i));
    for (const n of live) hostile.direct(n.handle, { moduleId: MODULE_IDS.bayeux, payload: teardown });
    await advance(net, 3_000);
    // Every live node refused it (none has the hostile peer above it) and the tree is whole.
    expect(refused() - refusedBefore).toBe(live.length);
    expect(sessionTotals(mc, 'guarded')).toEqual(before);
    await sendAndCheck('guarded', creator, 'still-here', members);
    await mc[creator].teardown('guarded');
    await advance(net, 10_000);
    expect(sessionTotals(mc, 'guarded')).toEqual({ members: 0, roots: 0, trees: 0, entries: 0, children: 0 });
  }, 300_000);

  test('leave frees every node\'s state for the session, and teardown frees all of it', async () => {
    const creator = pickNodes(1, new Set())[0];
    await settle(net, mc[creator].createSession('leaving'));
    const members = pickNodes(40, new Set([creator]));
    await joinAll('leaving', members);
    await sendAndCheck('leaving', creator, 'x', members);
    const joined = sessionTotals(mc, 'leaving');
    expect(joined.members).toBe(members.length);
    expect(joined.children).toBeGreaterThanOrEqual(members.length > 0 ? 1 : 0);
    for (const m of members) await mc[m].leave('leaving');
    await advance(net, 10_000);
    // Only the root's record remains: no member, no tree, no entry and no child on any node.
    expect(sessionTotals(mc, 'leaving')).toEqual({ members: 0, roots: 1, trees: 0, entries: 0, children: 0 });

    const again = pickNodes(30, new Set([creator]));
    const events = { joined: new Set<number>(), tornDown: new Set<number>(), childAdded: 0 };
    const stop = mc.flatMap((m, i) => [
      m.on('joined', (e) => e.session.equals(m.sessionGuid('leaving')) && events.joined.add(i)),
      m.on('tornDown', (e) => e.session.equals(m.sessionGuid('leaving')) && events.tornDown.add(i)),
      m.on('childAdded', () => events.childAdded++),
    ]);
    await joinAll('leaving', again);
    expect(sessionTotals(mc, 'leaving').trees).toBeGreaterThan(0);
    await mc[creator].teardown('leaving');
    await advance(net, 10_000);
    expect(sessionTotals(mc, 'leaving')).toEqual({ members: 0, roots: 0, trees: 0, entries: 0, children: 0 });
    for (const m of again) expect(mc[m].isMember('leaving')).toBe(false);
    // Events: each joiner heard `joined`, each of them (and every forwarder) `tornDown`; children were added on the way.
    stop.forEach((f) => f());
    expect([...events.joined].sort()).toEqual([...again].sort());
    for (const m of again) expect(events.tornDown.has(m)).toBe(true);
    expect(events.childAdded).toBeGreaterThan(0);
  }, 300_000);

  test('a session with 3 root replicas goes on after the node holding replica 0 crashes', async () => {
    const creator = pickNodes(1, new Set())[0];
    const session = await settle(net, mc[creator].createSession('replicated', { replicas: 3 }));
    expect(session.roots).toHaveLength(3);
    const roots = session.roots.map((r) => net.indexOf(r.guid)!);
    const members = pickNodes(MEMBERS, new Set([creator, ...roots]));
    await joinAll('replicated', members);
    await sendAndCheck('replicated', creator, 'r-before', members);
    // Members spread over the replicas (each joined the nearest one it found).
    down.add(roots[0]);
    net.network.setDown(roots[0], true);
    await advance(net, REPAIR_MS);
    const nonMember = pickNodes(1, new Set([...members, creator]))[0];
    await sendAndCheck('replicated', nonMember, 'r-after', members);
    await sendAndCheck('replicated', members[3], 'r-after-2', members);
  }, 300_000);
});
