/**
 * The Bayeux module's small pure parts against brute-force models (the dedup window, the root
 * records), its option checks, and its API's refusals of bad input on a small simulated mesh: named
 * errors, nothing lost, and a malformed message counted and dropped.
 */
import fc from 'fast-check';
import { DedupWindows } from '../../upcalls/bayeux/dedupWindow';
import { SessionRoots } from '../../upcalls/bayeux/sessionRoots';
import { bayeux } from '../../upcalls/bayeux';
import { Guid } from '../../routing/guid';
import { InvalidArgumentError, MessageTooLargeError } from '../../errors';
import { DEFAULTS } from '../../defaults';
import { createTestnet } from '../../testing/testnet';
import { MODULE_IDS } from '../../upcalls/moduleIds';
import type { ModuleContext } from '../../upcalls/contract';

test('DedupWindows answers as a model that keeps the newest `window` ids per key and the most recently used keys', () => {
  const op = fc.record({ key: fc.integer({ min: 0, max: 5 }), id: fc.integer({ min: 0, max: 12 }) });
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (ops, window, maxKeys) => {
    const d = new DedupWindows(window, maxKeys);
    let model: Array<{ key: string; ids: string[] }> = []; // least recently used first
    for (const { key, id } of ops) {
      const k = String(key);
      const i = String(id);
      const at = model.findIndex((m) => m.key === k);
      const entry = at >= 0 ? model[at] : { key: k, ids: [] as string[] };
      const expected = !entry.ids.includes(i);
      expect(d.first(k, i)).toBe(expected);
      if (!expected) continue;
      if (at >= 0) model.splice(at, 1);
      else if (model.length >= maxKeys) model = model.slice(1);
      entry.ids.push(i);
      if (entry.ids.length > window) entry.ids.shift();
      model.push(entry);
      expect(d.size).toBe(model.length);
    }
  }), { numRuns: 300 });
});

test('SessionRoots: a creator refreshes its record, another is refused, a full node refuses new ones, records lapse', () => {
  const roots = new SessionRoots(2);
  const rec = (creator: string, expiresAt: number, name = 's') => ({ session: Guid.fromName(name), replica: 0, replicas: 1, creator, expiresAt });
  expect(roots.create('t1', rec('a', 100))).toBe('new');
  expect(roots.create('t1', rec('a', 200))).toBe('refreshed');
  expect(roots.create('t1', rec('b', 300))).toBe('refused');
  expect(roots.create('t2', rec('a', 150, 'u'))).toBe('new');
  expect(roots.create('t3', rec('a', 150))).toBe('full');
  expect(roots.rootsSession(Guid.fromName('s').hex)).toBe(true);
  expect(roots.nextExpiry()).toBe(150);
  expect(roots.expire(150).map((r) => r.creator)).toEqual(['a']);
  expect(roots.get('t1')?.expiresAt).toBe(200);
  expect(roots.remove('t1')?.creator).toBe('a');
  expect(roots.size).toBe(0);
});

test('bayeux() options: unknown keys, bad values and a lifetime not longer than the refresh are named', () => {
  expect(() => bayeux({ joinMode: 'flood' as 'bayeux' })).toThrow(/joinMode/);
  expect(() => bayeux({ refreshMs: 0 })).toThrow(InvalidArgumentError);
  expect(() => bayeux({ refreshMs: 10_000, entryLifetimeMs: 10_000 })).toThrow(/entryLifetimeMs/);
  expect(() => bayeux({ nope: 1 } as never)).toThrow(/nope/);
  expect(bayeux({ joinMode: 'scribe' }).id).toBe(MODULE_IDS.bayeux);
});

test('bad calls get named errors and a malformed message is counted, on a 20-node mesh', async () => {
  const net = await createTestnet({ nodes: 20, seed: 4, frozen: true });
  try {
    const mc = net.nodes.slice(0, 19).map((n) => n.register(bayeux()));
    let raw: ModuleContext | undefined;
    // Node 19 speaks the Bayeux module id with bytes of its own.
    net.nodes[19].register({ id: MODULE_IDS.bayeux, name: 'raw', attach: (ctx) => void (raw = ctx) });
    await expect(mc[0].createSession('s', { replicas: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(mc[0].createSession('s', { replicas: DEFAULTS.bayeuxMaxReplicas + 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(mc[1].teardown('never created here')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(mc[1].join('s', {} as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => mc[1].multicast('s', new Uint8Array(DEFAULTS.bayeuxMaxPayloadBytes + 1))).toThrow(MessageTooLargeError);
    expect(() => mc[1].multicast('', 'x')).toThrow(InvalidArgumentError);
    expect(() => mc[1].sessionGuid(Guid.fromName('x', 256))).toThrow(InvalidArgumentError);
    raw!.send(net.nodes[0].handle, Uint8Array.of(0xff, 0x01, 0x02));
    net.run(1_000);
    expect(mc[0].stats().malformed).toBe(1);
  } finally {
    await net.close();
  }
});

test('two Bayeux modules side by side (other id, other join mode) keep their sessions apart under one name', async () => {
  const net = await createTestnet({ nodes: 60, seed: 7, frozen: true });
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      net.run(50);
      await new Promise((r) => setImmediate(r));
    }
  };
  try {
    const one = net.nodes.map((n) => n.register(bayeux()));
    const two = net.nodes.map((n) => n.register(bayeux({ joinMode: 'scribe', id: 0xfe40 })));
    const created = Promise.all([one[0].createSession('same', { replicas: 3 }), two[0].createSession('same', { replicas: 1 })]);
    await step(3_000);
    await created;
    const got = { one: [] as number[], two: [] as number[] };
    const members = [5, 9, 17, 23, 31, 44, 58];
    const joins = Promise.all(members.flatMap((i) => [
      one[i].join('same', { onMessage: () => got.one.push(i) }),
      two[i].join('same', { onMessage: () => got.two.push(i) }),
    ]));
    await step(10_000);
    await joins;
    one[2].multicast('same', 'a');
    two[3].multicast('same', 'b');
    await step(3_000);
    expect(got.one.sort((a, b) => a - b)).toEqual(members);
    expect(got.two.sort((a, b) => a - b)).toEqual(members);
  } finally {
    await net.close();
  }
});
