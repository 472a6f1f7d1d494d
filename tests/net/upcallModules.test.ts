/**
 * The anycast and mobile modules between three processes on 127.0.0.1: every anycast send reaches
 * exactly one member (the members' own reports are the oracle), and messages follow a mobile node
 * from one proxy to another.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: any[];
  next: (pred: (m: any) => boolean) => Promise<any>;
  send: (cmd: unknown) => void;
}

function startChild(): Child {
  const proc = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'modulePeer.ts')], { stdio: 'pipe' });
  const lines: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const m = JSON.parse(l);
    lines.push(m);
    for (const w of waiters.splice(0)) (w.pred(m) ? w.resolve(m) : waiters.push(w));
  });
  proc.stderr.on('data', (d) => process.stderr.write(d));
  const next = (pred: (m: any) => boolean) =>
    new Promise<any>((resolve) => {
      const hit = lines.find(pred);
      if (hit) resolve(hit);
      else waiters.push({ pred, resolve });
    });
  return { proc, lines, next, send: (cmd) => proc.stdin.write(`${JSON.stringify(cmd)}\n`) };
}

/** Runs call `id` on `child` and waits for its outcome; throws with the child's error if it failed. */
async function call(child: Child, id: string, cmd: Record<string, unknown>): Promise<any> {
  child.send({ ...cmd, id });
  const m = await child.next((l) => l.done === id || l.failed === id);
  if (m.failed) throw new Error(`${id}: ${m.error} ${m.message}`);
  return m.value;
}

test('anycast and Mobile Tapestry across 3 processes over UDP', async () => {
  const children = [startChild(), startChild(), startChild()];
  try {
    const handles = await Promise.all(children.map((c) => c.next((m) => m.handle).then((m) => m.handle)));
    for (const c of children) c.send({ peers: handles });
    const ready = await Promise.all(children.map((c) => c.next((m) => m.ready !== undefined)));
    expect(ready.map((r) => r.ready)).toEqual([2, 2, 2]);

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
    for (const c of children) c.send({ exit: true });
    await Promise.all(children.map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.on('exit', r)))));
  }
}, 90_000);
