/**
 * KeyRegistry (upcalls/drt/registry.ts) against a plain model: random sequences of register, update,
 * unregister, expire and search, applied to both, with the outcome of each call (its answer or the
 * name of its error) and the whole state compared after every step. A refused call must leave the
 * state as it was, so a limit hit never loses a registration.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { KeyRegistry, keyFromValue, keyValue, type Registration } from '../../upcalls/drt';

const TOP = (1n << 256n) - 1n;
const LIMITS = { maxKeys: 5, maxKeysPerPublisher: 3, maxAppDataBytes: 8, maxLifetimeMs: 100 };
/** A few keys, both ends of the key space among them. */
const KEYS = [0n, 1n, 2n, 50n, 1n << 200n, TOP - 1n, TOP].map(keyFromValue);

function handle(name: string, port = 4000): NodeHandle {
  return { guid: Guid.fromName(name, 160), address: { family: 4, ip: new Uint8Array([10, 0, 0, 1]), port } };
}
const PUBLISHERS = ['a', 'b', 'c'];

interface ModelEntry {
  data: number[];
  publisher: string;
  expiresAt: number;
}
type Model = Map<number, ModelEntry>; // by index into KEYS

type Op =
  | { kind: 'register'; key: number; size: number; pub: number; life: number; advance: number }
  | { kind: 'update'; key: number; size: number | undefined; pub: number; life: number | undefined; advance: number }
  | { kind: 'unregister'; key: number; pub: number; advance: number }
  | { kind: 'expire'; advance: number }
  | { kind: 'search'; advance: number };

const keyIx = fc.integer({ min: 0, max: KEYS.length - 1 });
const pubIx = fc.integer({ min: 0, max: PUBLISHERS.length - 1 });
/** 0 and past maxAppDataBytes are refused. */
const sizeArb = fc.integer({ min: 0, max: LIMITS.maxAppDataBytes + 2 });
/** ≤ 0 and past maxLifetimeMs are refused. */
const lifeArb = fc.integer({ min: -5, max: LIMITS.maxLifetimeMs + 10 });
/** Mostly small steps, so registrations pile up to the limits; now and then a jump past many lifetimes. */
const advanceArb = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 8 }, { arbitrary: fc.integer({ min: 0, max: 150 }), weight: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('register' as const), key: keyIx, size: sizeArb, pub: pubIx, life: lifeArb, advance: advanceArb }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      key: keyIx,
      size: fc.option(sizeArb, { nil: undefined }),
      pub: pubIx,
      life: fc.option(lifeArb, { nil: undefined }),
      advance: advanceArb,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('unregister' as const), key: keyIx, pub: pubIx, advance: advanceArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('expire' as const), advance: advanceArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('search' as const), advance: advanceArb }), weight: 1 },
);

/** Data of a given size that differs from step to step, so an update that did nothing shows. */
const dataOf = (size: number, step: number) => Uint8Array.from({ length: size }, (_, i) => (step * 31 + i) & 0xff);

function modelExpire(model: Model, now: number): number[] {
  const gone = [...model].filter(([, e]) => e.expiresAt <= now).map(([k]) => k);
  for (const k of gone) model.delete(k);
  return gone.sort((a, b) => a - b); // KEYS is ascending
}

function validData(size: number): string | undefined {
  if (size === 0) return 'InvalidArgumentError';
  if (size > LIMITS.maxAppDataBytes) return 'MessageTooLargeError';
  return undefined;
}
const validLife = (life: number) => (life <= 0 || life > LIMITS.maxLifetimeMs ? 'InvalidArgumentError' : undefined);

/** The model's answer: what the call returns (in model terms) or the name of the error it throws. */
function applyModel(model: Model, op: Op, now: number, step: number): unknown {
  switch (op.kind) {
    case 'register': {
      const bad = validData(op.size) ?? validLife(op.life);
      if (bad) return { error: bad };
      modelExpire(model, now);
      if (model.has(op.key)) return { error: 'InvalidArgumentError' };
      if (model.size >= LIMITS.maxKeys) return { error: 'LimitExceededError' };
      if ([...model.values()].filter((e) => e.publisher === PUBLISHERS[op.pub]).length >= LIMITS.maxKeysPerPublisher) {
        return { error: 'LimitExceededError' };
      }
      const entry = { data: [...dataOf(op.size, step)], publisher: PUBLISHERS[op.pub], expiresAt: now + op.life };
      model.set(op.key, entry);
      return { ok: { key: op.key, ...entry } };
    }
    case 'update': {
      const bad = (op.size === undefined ? undefined : validData(op.size)) ?? (op.life === undefined ? undefined : validLife(op.life));
      if (bad) return { error: bad };
      modelExpire(model, now);
      const old = model.get(op.key);
      if (!old || old.publisher !== PUBLISHERS[op.pub]) return { error: 'InvalidArgumentError' };
      const entry = {
        data: op.size === undefined ? old.data : [...dataOf(op.size, step)],
        publisher: old.publisher,
        expiresAt: op.life === undefined ? old.expiresAt : now + op.life,
      };
      model.set(op.key, entry);
      return { ok: { key: op.key, ...entry } };
    }
    case 'unregister': {
      const old = model.get(op.key);
      if (!old) return { ok: undefined };
      if (old.publisher !== PUBLISHERS[op.pub]) return { error: 'InvalidArgumentError' };
      model.delete(op.key);
      return { ok: { key: op.key, ...old } };
    }
    case 'expire':
      return { ok: modelExpire(model, now) };
    case 'search':
      modelExpire(model, now);
      return { ok: [...model.keys()].sort((a, b) => a - b) };
  }
}

const keyIndex = (key: Guid) => KEYS.findIndex((k) => k.equals(key));
const asModel = (r: Registration) => ({
  key: keyIndex(r.key),
  data: [...r.appData],
  publisher: PUBLISHERS.find((p) => Guid.fromName(p, 160).equals(r.publisher.guid)),
  expiresAt: r.expiresAt,
});

function applyRegistry(reg: KeyRegistry, op: Op, now: number, step: number): unknown {
  try {
    switch (op.kind) {
      case 'register':
        return { ok: asModel(reg.register(KEYS[op.key], dataOf(op.size, step), handle(PUBLISHERS[op.pub], step), now + op.life, now)) };
      case 'update': {
        const changes = {
          ...(op.size === undefined ? {} : { appData: dataOf(op.size, step) }),
          ...(op.life === undefined ? {} : { expiresAt: now + op.life }),
        };
        return { ok: asModel(reg.update(KEYS[op.key], handle(PUBLISHERS[op.pub], step), changes, now)) };
      }
      case 'unregister': {
        const gone = reg.unregister(KEYS[op.key], handle(PUBLISHERS[op.pub]));
        return { ok: gone && asModel(gone) };
      }
      case 'expire':
        return { ok: reg.expire(now).map((r) => keyIndex(r.key)) };
      case 'search': {
        const all = reg.search({ mode: 'range', min: keyFromValue(0n), max: keyFromValue(TOP), maxEndpoints: 64 }, now);
        for (const m of all) expect(m.registration.key).toBe(m.key);
        return { ok: all.map((m) => keyIndex(m.key)) };
      }
    }
  } catch (e) {
    return { error: (e as Error).name };
  }
}

describe('KeyRegistry against a model', () => {
  it('answers and holds what the model does, refused calls changing nothing', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
        const reg = new KeyRegistry(LIMITS);
        const model: Model = new Map();
        let now = 1_000;
        ops.forEach((op, step) => {
          now += op.advance;
          expect(applyRegistry(reg, op, now, step)).toEqual(applyModel(model, op, now, step));
          // The whole state: every registration held, in key order, and the live view of each key.
          expect(reg.all().map(asModel)).toEqual([...model].sort(([a], [b]) => a - b).map(([key, e]) => ({ key, ...e })));
          expect(reg.size).toBe(model.size);
          KEYS.forEach((k, i) => {
            const e = model.get(i);
            expect(reg.get(k, now)?.expiresAt).toBe(e && e.expiresAt > now ? e.expiresAt : undefined);
          });
          for (const p of PUBLISHERS) {
            expect(reg.countOf(Guid.fromName(p, 160))).toBe([...model.values()].filter((e) => e.publisher === p).length);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('KeyRegistry limits and errors', () => {
  const pub = handle('p');
  const key = Guid.fromName('k', 256);

  it('uses the DEFAULTS bounds, DRT’s 5,120-byte appData among them', () => {
    const reg = new KeyRegistry();
    expect(reg.limits).toEqual({
      maxKeys: DEFAULTS.drtMaxKeys,
      maxKeysPerPublisher: DEFAULTS.drtMaxKeysPerPublisher,
      maxAppDataBytes: DEFAULTS.drtMaxAppDataBytes,
      maxLifetimeMs: DEFAULTS.drtMaxLifetimeMs,
    });
    expect(DEFAULTS.drtMaxAppDataBytes).toBe(5_120);
    expect(() => reg.register(key, new Uint8Array(5_121), pub, 10, 0)).toThrow(MessageTooLargeError);
    expect(reg.size).toBe(0);
    expect(reg.register(key, new Uint8Array(5_120), pub, 10, 0).appData.length).toBe(5_120);
  });

  it('refuses a full registry with LimitExceededError and keeps every key it had', () => {
    const reg = new KeyRegistry({ maxKeys: 3 });
    const keys = [1n, 2n, 3n, 4n].map(keyFromValue);
    keys.slice(0, 3).forEach((k, i) => reg.register(k, Uint8Array.of(i + 1), handle(`p${i}`), 50, 0));
    expect(() => reg.register(keys[3], Uint8Array.of(9), handle('q'), 50, 0)).toThrow(LimitExceededError);
    expect(() => reg.register(keys[3], Uint8Array.of(9), handle('q'), 50, 0)).toThrow(/drtMaxKeys/);
    expect(reg.all().map((r) => [keyValue(r.key), r.appData[0]])).toEqual([
      [1n, 1],
      [2n, 2],
      [3n, 3],
    ]);
    // Once one expires there is room again.
    expect(reg.register(keys[3], Uint8Array.of(9), handle('q'), 100, 50).key).toBe(keys[3]);
    expect(reg.size).toBe(1);
  });

  it('refuses one publisher past its share, not the others', () => {
    const reg = new KeyRegistry({ maxKeysPerPublisher: 2 });
    reg.register(keyFromValue(1n), Uint8Array.of(1), pub, 50, 0);
    reg.register(keyFromValue(2n), Uint8Array.of(1), handle('p', 5000), 50, 0); // same GUID, new address
    expect(() => reg.register(keyFromValue(3n), Uint8Array.of(1), pub, 50, 0)).toThrow(/drtMaxKeysPerPublisher/);
    expect(reg.register(keyFromValue(3n), Uint8Array.of(1), handle('other'), 50, 0).key.equals(keyFromValue(3n))).toBe(true);
    expect(reg.countOf(pub.guid)).toBe(2);
  });

  it('names bad input with InvalidArgumentError', () => {
    const reg = new KeyRegistry();
    reg.register(key, Uint8Array.of(1), pub, 10, 0);
    const bad: [() => unknown, RegExp][] = [
      [() => reg.register(Guid.fromName('k', 160), Uint8Array.of(1), pub, 10, 0), /256-bit/],
      [() => reg.register(keyFromValue(5n), new Uint8Array(0), pub, 10, 0), /at least 1 byte/],
      [() => reg.register(keyFromValue(5n), [1] as unknown as Uint8Array, pub, 10, 0), /Uint8Array/],
      [() => reg.register(keyFromValue(5n), Uint8Array.of(1), {} as NodeHandle, 10, 0), /publisher/],
      [() => reg.register(keyFromValue(5n), Uint8Array.of(1), pub, 0, 0), /later than now/],
      [() => reg.register(keyFromValue(5n), Uint8Array.of(1), pub, NaN, 0), /finite/],
      [() => reg.register(keyFromValue(5n), Uint8Array.of(1), pub, DEFAULTS.drtMaxLifetimeMs + 1, 0), /drtMaxLifetimeMs/],
      [() => reg.register(key, Uint8Array.of(2), pub, 10, 0), /already registered/],
      [() => reg.update(key, handle('intruder'), { appData: Uint8Array.of(2) }, 0), /may not update/],
      [() => reg.update(keyFromValue(5n), pub, { appData: Uint8Array.of(2) }, 0), /no live registration/],
      [() => reg.unregister(key, handle('intruder')), /may not unregister/],
      [() => reg.get(key, Infinity), /now/],
      [() => new KeyRegistry({ maxKeys: 0 }), /maxKeys/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    expect(reg.all()).toEqual([expect.objectContaining({ key, expiresAt: 10 })]);
    expect([...reg.all()[0].appData]).toEqual([1]);
  });

  it('keeps its own copy of appData', () => {
    const reg = new KeyRegistry();
    const data = Uint8Array.of(1, 2, 3);
    reg.register(key, data, pub, 10, 0);
    data[0] = 99;
    expect([...(reg.get(key, 0)?.appData ?? [])]).toEqual([1, 2, 3]);
  });

  it('serves searches and leaf sets over live keys only, each match with its registration', () => {
    const reg = new KeyRegistry();
    reg.register(keyFromValue(TOP), Uint8Array.of(1), pub, 10, 0);
    reg.register(keyFromValue(1n), Uint8Array.of(2), pub, 20, 0);
    reg.register(keyFromValue(4n), Uint8Array.of(3), pub, 20, 0);
    const near = reg.search({ mode: 'nearest', key: keyFromValue(0n), maxEndpoints: 3 }, 5);
    expect(near.map((m) => [keyValue(m.key), m.match, m.registration.appData[0]])).toEqual([
      [1n, 'nearest', 2],
      [TOP, 'nearest', 1],
      [4n, 'nearest', 3],
    ]);
    expect(reg.leafSet(keyFromValue(1n), 5).smaller.map(keyValue)).toEqual([TOP, 4n]);
    // At 10 the key at the top has expired: searches no longer see it.
    expect(reg.search({ mode: 'exact', key: keyFromValue(TOP) }, 10)).toEqual([]);
    expect(reg.leafSet(keyFromValue(1n), 10).smaller.map(keyValue)).toEqual([4n]);
    expect(reg.size).toBe(2);
  });
});
