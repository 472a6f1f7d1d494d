/**
 * The DRT key registry between three processes on 127.0.0.1 (256-bit nodes, UDP): two register keys,
 * the third searches them — exact, nearest and ranges (one wrapping past the top of the key space),
 * recursive and iterative. The oracle is the pure core's search.ts over every key registered.
 */
import { join } from 'node:path';
import { Guid } from '../../routing/guid';
import { keyFromValue, keyValue, KEY_SPACE, MAX_KEY_VALUE } from '../../upcalls/drt/keys';
import { exactMatch, nearestMatches, rangeMatches } from '../../upcalls/drt/search';
import { SortedKeys } from '../../upcalls/drt/sortedKeys';
import { startJsonChild, stopJsonChildren, type JsonChild } from '../helpers/jsonChild';

const startChild = (): JsonChild => startJsonChild(join(__dirname, 'drtPeer.ts'));

/** Runs call `id` on `child` and waits for its outcome; throws with the child's error if it failed. */
async function call(child: JsonChild, id: string, cmd: Record<string, unknown>): Promise<any> {
  child.send({ ...cmd, id });
  const m = await child.next((l) => l.done === id || l.failed === id);
  if (m.failed) throw new Error(`${id}: ${m.error} ${m.message}`);
  return m.value;
}

test('keys registered by two processes are found by a third: exact, nearest and range searches over UDP', async () => {
  const children = [startChild(), startChild(), startChild()];
  try {
    // Node 0 starts the mesh; nodes 1 and 2 join through it (the join fills their leaf sets).
    children[0].send({});
    const first = (await children[0].next((m) => m.handle)).handle;
    children[1].send({ bootstrap: first.port });
    children[2].send({ bootstrap: first.port });
    const handles = [first, ...(await Promise.all(children.slice(1).map((c) => c.next((m) => m.handle).then((m) => m.handle))))];

    // Every leaf set holds both other nodes before anything is registered (placement reads them).
    for (const [at, c] of children.entries()) {
      for (let tries = 0; (await call(c, `leaves${at}.${tries}`, { leaves: true })) < 2; tries++) {
        if (tries > 100) throw new Error(`node ${at}'s leaf set never held both others`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    // Nodes 0 and 1 register 12 keys each: hashed names, and two near each end of the key space.
    const keys = new Map<string, { by: number; data: string }>();
    for (let i = 0; i < 24; i++) {
      const key = i === 0 ? keyFromValue(5n) : i === 1 ? keyFromValue(MAX_KEY_VALUE - 5n) : Guid.fromName(`key-${i}`, 256);
      keys.set(key.hex, { by: i % 2, data: `data-${i}` });
    }
    for (const [hex, k] of keys) await call(children[k.by], `reg-${hex}`, { register: hex, data: k.data });
    const all = SortedKeys.from([...keys.keys()].map((h) => Guid.fromHex(h)));
    const check = (got: any[], want: { key: Guid; match: string }[]) => {
      expect(got.map((r) => [r.key, r.match])).toEqual(want.map((m) => [m.key.hex, m.match]));
      for (const r of got) {
        expect(r.data).toBe(keys.get(r.key)!.data);
        expect(r.publisher).toBe(handles[keys.get(r.key)!.by].guid);
      }
    };

    let q = 0;
    for (const iterative of [false, true]) {
      for (const hex of [...keys.keys()].slice(0, 6)) {
        const got = await call(children[2], `q${q++}`, { search: hex, match: 'exact', iterative });
        check(got, exactMatch(all, Guid.fromHex(hex)));
        if (iterative) expect(got[0].hops).toBeGreaterThanOrEqual(1);
      }
      expect(await call(children[2], `q${q++}`, { search: Guid.fromName('absent', 256).hex, match: 'exact', iterative })).toEqual([]);
      for (const name of ['a', 'b', 'c']) {
        const target = Guid.fromName(name, 256);
        check(await call(children[2], `q${q++}`, { search: target.hex, match: 'nearest', maxEndpoints: 4, iterative }), nearestMatches(all, target, 4));
      }
      // A quarter of the space from a random point, and a range wrapping past the top.
      const min = Guid.fromName('start', 256);
      const max = keyFromValue((keyValue(min) + KEY_SPACE / 4n) % KEY_SPACE);
      check(await call(children[2], `q${q++}`, { search: min.hex, min: min.hex, max: max.hex, maxEndpoints: 64, iterative }), rangeMatches(all, min, max, 64));
      const wrapMin = keyFromValue(MAX_KEY_VALUE - (KEY_SPACE >> 3n));
      const wrapMax = keyFromValue(KEY_SPACE >> 3n);
      const want = rangeMatches(all, wrapMin, wrapMax, 64);
      expect(want.map((m) => m.key.hex)).toEqual(expect.arrayContaining([keyFromValue(5n).hex, keyFromValue(MAX_KEY_VALUE - 5n).hex]));
      check(await call(children[2], `q${q++}`, { search: wrapMin.hex, min: wrapMin.hex, max: wrapMax.hex, maxEndpoints: 64, iterative }), want);
    }
  } finally {
    await stopJsonChildren(children);
  }
}, 90_000);
