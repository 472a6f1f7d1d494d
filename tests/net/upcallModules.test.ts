/**
 * The Bayeux, anycast, mobile and DHT modules between three processes on 127.0.0.1: every multicast
 * reaches each member once and no other node, a value put by one process is read by the others and
 * both providers of a key are found, every anycast send reaches exactly one member (the
 * members' own reports are the oracle), and messages follow a mobile node from one proxy to another.
 */
import { join } from 'node:path';
import { startJsonChild, stopJsonChildren, type JsonChild } from '../helpers/jsonChild';

const startChild = (): JsonChild => startJsonChild(join(__dirname, 'modulePeer.ts'));

/** Runs call `id` on `child` and waits for its outcome; throws with the child's error if it failed. */
async function call(child: JsonChild, id: string, cmd: Record<string, unknown>): Promise<any> {
  child.send({ ...cmd, id });
  const m = await child.next((l) => l.done === id || l.failed === id);
  if (m.failed) throw new Error(`${id}: ${m.error} ${m.message}`);
  return m.value;
}

test('Bayeux multicast, the DHT, anycast and Mobile Tapestry across 3 processes over UDP', async () => {
  const children = [startChild(), startChild(), startChild()];
  try {
    const handles = await Promise.all(children.map((c) => c.next((m) => m.handle).then((m) => m.handle)));
    for (const c of children) c.send({ peers: handles });
    const ready = await Promise.all(children.map((c) => c.next((m) => m.ready !== undefined)));
    expect(ready.map((r) => r.ready)).toEqual([2, 2, 2]);

    // Bayeux: node 0 creates a session with 2 root replicas, nodes 1 and 2 join, 1 and 0 multicast:
    // each member reports each once, node 0 (no member) none; after node 2 leaves only node 1 gets more.
    expect(await call(children[0], 'create', { create: 'talks', replicas: 2 })).toBe(2);
    await call(children[1], 'sub1', { subscribe: 'talks' });
    await call(children[2], 'sub2', { subscribe: 'talks' });
    const bayeuxGot = (c: JsonChild) => c.lines.filter((l) => l.bayeuxGot).map((l) => l.bayeuxGot as string);
    for (let i = 0; i < 5; i++) await call(children[i % 2], `mc${i}`, { multicast: 'talks', payload: `talk${i}` });
    const talks = Array.from({ length: 5 }, (_, i) => `talk${i}`);
    await Promise.all([1, 2].map((at) => children[at].next(() => bayeuxGot(children[at]).length >= 5)));
    for (const at of [1, 2]) expect(bayeuxGot(children[at]).sort()).toEqual(talks);
    await call(children[2], 'unsub2', { unsubscribe: 'talks' });
    await call(children[0], 'mc5', { multicast: 'talks', payload: 'talk5' });
    await children[1].next((l) => l.bayeuxGot === 'talk5');
    await call(children[0], 'teardown', { teardown: 'talks' });
    // The teardown reaches the remaining member: it is no member any more, and no node keeps the session.
    let stats: Array<{ member: boolean; roots: number; trees: number }> = [];
    for (let tries = 0; tries < 50; tries++) {
      stats = await Promise.all(children.map((c, at) => call(c, `st${tries}.${at}`, { bayeuxStats: 'talks' })));
      if (stats.every((st) => !st.member && st.roots === 0 && st.trees === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stats.map((st) => [st.member, st.roots, st.trees])).toEqual([[false, 0, 0], [false, 0, 0], [false, 0, 0]]);
    expect(bayeuxGot(children[0])).toEqual([]);
    expect(bayeuxGot(children[2]).sort()).toEqual(talks);

    // DHT: node 1 puts, nodes 0 and 2 get it; nodes 0 and 2 provide a key, node 1 finds both.
    expect(await call(children[1], 'put', { put: 'config', value: 'v1' })).toBeGreaterThanOrEqual(1);
    for (const at of [0, 2]) expect(await call(children[at], `get${at}`, { get: 'config' })).toEqual({ value: 'v1', publisher: handles[1].guid });
    await call(children[0], 'prov0', { provide: 'dataset' });
    await call(children[2], 'prov2', { provide: 'dataset' });
    let providers: string[] = [];
    for (let tries = 0; tries < 30 && providers.length < 2; tries++) {
      providers = await call(children[1], `find${tries}`, { findProviders: 'dataset' });
      if (providers.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(providers.sort()).toEqual([handles[0].guid, handles[2].guid].sort());

    // Anycast: node 0 announces, nodes 1 and 2 join, node 0 sends 10: each reaches exactly one member.
    await call(children[0], 'announce', { announce: 'printers' });
    await call(children[1], 'join1', { join: 'printers' });
    await call(children[2], 'join2', { join: 'printers' });
    const receivers: string[] = [];
    for (let i = 0; i < 10; i++) receivers.push(await call(children[0], `send${i}`, { anycast: 'printers', payload: `job${i}` }));
    const got = children.flatMap((c, at) => c.lines.filter((l) => l.anycastGot).map((l) => [l.anycastGot, at] as const));
    expect(got.map(([p]) => p).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `job${i}`).sort());
    expect(got.every(([, at]) => at === 1 || at === 2)).toBe(true);
    // Once the member that took them leaves, the other one takes every send: its pointers were kept
    // beside the first member's (under `signed`, the UDP default, a group is an open object).
    const first = got[0][1];
    const other = 3 - first;
    await call(children[first], 'leave', { leave: 'printers' });
    for (let i = 10; i < 15; i++) expect(await call(children[0], `send${i}`, { anycast: 'printers', payload: `job${i}` })).toBe(handles[other].guid);
    expect(children[first].lines.filter((l) => l.anycastGot).length).toBe(got.filter(([, at]) => at === first).length);
    // The member each send resolved with is the member that reported it.
    for (const [payload, at] of got) expect(receivers[Number(payload.slice(3))]).toBe(handles[at].guid);

    // Mobile: node 2 attaches to proxy 0, node 1 sends; node 2 moves to proxy 1, node 1 and the old
    // proxy send (under `signed`, the UDP default, the new proxy's pointers must be kept beside the
    // first proxy's claim).
    await call(children[2], 'attach', { attach: handles[0], name: 'phone' });
    await call(children[1], 'm1', { mobileSend: 'phone', payload: 'before move' });
    await call(children[2], 'move', { move: handles[1] });
    await call(children[1], 'm2', { mobileSend: 'phone', payload: 'after move' });
    await call(children[0], 'm3', { mobileSend: 'phone', payload: 'from the old proxy' });
    expect(children[2].lines.filter((l) => l.mobileGot).map((l) => l.mobileGot)).toEqual(['before move', 'after move', 'from the old proxy']);
  } finally {
    await stopJsonChildren(children);
  }
}, 90_000);
