/** Three nodes in three processes on 127.0.0.1 route exact and fuzzy messages to each other. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Guid, idSpace } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';

interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: any[];
  next: (pred: (m: any) => boolean) => Promise<any>;
}

function startChild(): Child {
  const proc = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'peerProcess.ts')], { stdio: 'pipe' });
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
  return { proc, lines, next };
}

test('3 processes route exact and fuzzy messages over UDP', async () => {
  const children = [startChild(), startChild(), startChild()];
  try {
    const handles = await Promise.all(children.map((c) => c.next((m) => m.handle).then((m) => m.handle)));
    for (const c of children) c.proc.stdin.write(`${JSON.stringify({ peers: handles })}\n`);
    const ready = await Promise.all(children.map((c) => c.next((m) => m.ready !== undefined)));
    expect(ready.map((r) => r.ready)).toEqual([2, 2, 2]);

    const guids = handles.map((h) => Guid.fromHex(h.guid));
    const rng = new SeededRng(8);
    const expected = new Map<string, number>();
    const orders: Array<Array<{ dest: string; id: string; fuzzy: boolean }>> = [[], [], []];
    for (let i = 0; i < 30; i++) {
      const dst = rng.int(3);
      expected.set(`e${i}`, dst);
      orders[rng.int(3)].push({ dest: guids[dst].hex, id: `e${i}`, fuzzy: false });
      const g = Guid.random(() => rng.int(256));
      expected.set(`f${i}`, bruteForceRoot(guids, g, idSpace()));
      orders[rng.int(3)].push({ dest: g.hex, id: `f${i}`, fuzzy: true });
    }
    children.forEach((c, i) => c.proc.stdin.write(`${JSON.stringify({ route: orders[i] })}\n`));
    const deadline = Date.now() + 10_000;
    const count = () => children.reduce((s, c) => s + c.lines.filter((m) => m.delivered).length, 0);
    while (count() < expected.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBe(expected.size);
    children.forEach((c, at) => {
      for (const m of c.lines.filter((l) => l.delivered)) expect(expected.get(m.delivered.id)).toBe(at);
    });
  } finally {
    for (const c of children) c.proc.stdin.write(`${JSON.stringify({ exit: true })}\n`);
    await Promise.all(children.map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.on('exit', r)))));
  }
}, 60_000);
