/** Three nodes in three processes on 127.0.0.1 route exact and fuzzy messages to each other. */
import { join } from 'node:path';
import { startJsonChild, stopJsonChildren, type JsonChild } from '../helpers/jsonChild';
import { Guid, idSpace } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';

const startChild = (): JsonChild => startJsonChild(join(__dirname, 'peerProcess.ts'));

test('3 processes route exact and fuzzy messages over UDP', async () => {
  const children = [startChild(), startChild(), startChild()];
  try {
    const handles = await Promise.all(children.map((c) => c.next((m) => m.handle).then((m) => m.handle)));
    for (const c of children) c.send({ peers: handles });
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
    children.forEach((c, i) => c.send({ route: orders[i] }));
    const deadline = Date.now() + 10_000;
    const count = () => children.reduce((s, c) => s + c.lines.filter((m) => m.delivered).length, 0);
    while (count() < expected.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBe(expected.size);
    children.forEach((c, at) => {
      for (const m of c.lines.filter((l) => l.delivered)) expect(expected.get(m.delivered.id)).toBe(at);
    });
  } finally {
    await stopJsonChildren(children);
  }
}, 60_000);
