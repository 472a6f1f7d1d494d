/**
 * The DHT's pure parts against independent oracles: the codec round-trips every valid message and
 * refuses each limit; the record store answers as a model map of versions and expiries; the replica
 * set is the brute-force surrogate root (sim/oracle.ts) taken again and again with each root removed.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { DecodeError } from '../../errors';
import { Guid, idSpace } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { bruteForceRoot } from '../../sim/oracle';
import type { DhtMsg } from '../../upcalls/dht/messages';
import { RecordStore } from '../../upcalls/dht/recordStore';
import { replicaSet } from '../../routing/surrogateOrder';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';

const handle = (name: string, port = 7): NodeHandle => ({ guid: Guid.fromName(name), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port } });
const plain = (m: unknown) => JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v));
const record = (seq: number, ttlMs = 1_000, publisher = 'p') => ({ value: Uint8Array.of(1, 2, 3), seq, publisher: Guid.fromName(publisher), ttlMs });

test('the codec round-trips every valid message', () => {
  const arb: fc.Arbitrary<DhtMsg> = fc.record({
    kind: fc.constantFrom('put', 'store', 'get', 'value', 'remove', 'ack'),
    key: fc.string(), salt: fc.nat(DEFAULTS.dhtMaxSalts - 1), requestId: fc.integer({ min: 1, max: 0xffff_ffff }),
    seq: fc.integer({ min: 1, max: 0xffff_ffff }), ttl: fc.integer({ min: 1, max: DEFAULTS.dhtRecordLifetimeMs }),
    value: fc.uint8Array({ minLength: 1, maxLength: 200 }), status: fc.constantFrom('stored', 'older', 'full', 'removed', 'notPublisher'), withRecord: fc.boolean(),
  }).map((r) => {
    const needsRecord = r.kind === 'put' || r.kind === 'store' || (r.kind === 'value' && r.withRecord);
    const requestId = r.kind === 'store' ? 0 : r.requestId;
    return {
      kind: r.kind, key: Guid.fromName(r.key), salt: r.salt, requestId,
      ...(requestId ? { requester: handle(r.key) } : {}),
      ...(needsRecord ? { record: { value: r.value, seq: r.seq, publisher: Guid.fromName(`p${r.key}`), ttlMs: r.ttl } } : {}),
      ...(r.kind === 'ack' ? { status: r.status } : {}),
    } as DhtMsg;
  });
  fc.assert(fc.property(arb, (m) => expect(plain(decodeDht(encodeDht(m), { idBytes: 20 }))).toBe(plain(m))), { numRuns: 400 });
});

test('the codec refuses each limit', () => {
  const put: DhtMsg = { kind: 'put', key: Guid.fromName('k'), salt: 0, requestId: 1, requester: handle('r'), record: record(2) };
  const bad = [
    { ...put, salt: DEFAULTS.dhtMaxSalts },
    { ...put, requestId: 0, requester: undefined },
    { ...put, record: undefined },
    { ...put, record: { ...record(2), value: new Uint8Array(DEFAULTS.dhtMaxValueBytes + 1) } },
    { ...put, record: { ...record(2), value: new Uint8Array(0) } },
    { ...put, record: { ...record(2), ttlMs: DEFAULTS.dhtRecordLifetimeMs + 1 } },
    { ...put, record: { ...record(0) } },
    { ...put, kind: 'get' },
    { ...put, status: 'stored' },
    { ...put, kind: 'ack', record: undefined },
  ] as DhtMsg[];
  for (const m of bad) expect(() => decodeDht(encodeDht(m), { idBytes: 20 })).toThrow(DecodeError);
  expect(() => decodeDht(Uint8Array.of(0xff, 0xff), { idBytes: 20 })).toThrow(DecodeError);
  expect(decodeDht(encodeDht(put), { idBytes: 20 }).record?.seq).toBe(2);
});

test('the record store answers as a model of versions, publishers and expiries', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('put' as const), k: fc.nat(3), seq: fc.integer({ min: 1, max: 5 }), ttl: fc.integer({ min: 1, max: 50 }), pub: fc.constantFrom('a', 'b') }),
    fc.record({ t: fc.constant('remove' as const), k: fc.nat(3), pub: fc.constantFrom('a', 'b') }),
    fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), (ops, max) => {
    const store = new RecordStore(max);
    const model = new Map<string, { seq: number; pub: string; exp: number }>();
    let now = 0;
    for (const o of ops) {
      if (o.t === 'tick') now += o.ms;
      for (const [k, v] of model) if (v.exp <= now) model.delete(k);
      store.expire(now);
      if (o.t === 'put') {
        const had = model.get(`k${o.k}`);
        // Same version: the publisher with the higher GUID wins (the values here are equal).
        const order = had ? (o.seq !== had.seq ? o.seq - had.seq : Guid.fromName(o.pub).hex.localeCompare(Guid.fromName(had.pub).hex)) : 0;
        const want = had ? (order < 0 ? 'older' : order === 0 ? 'refreshed' : 'stored') : model.size >= max ? 'full' : 'stored';
        expect(store.put(`k${o.k}`, Guid.fromName(`k${o.k}`), 0, record(o.seq, o.ttl, o.pub), now)).toBe(want);
        if (want === 'stored') model.set(`k${o.k}`, { seq: o.seq, pub: o.pub, exp: now + o.ttl });
        if (want === 'refreshed') had!.exp = Math.max(had!.exp, now + o.ttl);
      } else if (o.t === 'remove') {
        const had = model.get(`k${o.k}`);
        const want = !had ? 'none' : had.pub === o.pub ? 'removed' : 'notPublisher';
        expect(store.remove(`k${o.k}`, Guid.fromName(o.pub).hex)).toBe(want);
        if (want === 'removed') model.delete(`k${o.k}`);
      }
      expect(store.size).toBe(model.size);
      for (const [k, v] of model) expect(store.get(k, now)?.record.seq).toBe(v.seq);
    }
  }), { numRuns: 300 });
});

test('the replica set is the surrogate root, then the root once it is gone, and so on (brute force)', () => {
  const space = idSpace(160, 4);
  fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 40 }), fc.string(), fc.integer({ min: 1, max: 6 }), (names, key, r) => {
    const nodes = [...new Map(names.map((n) => [Guid.fromName(n).hex, handle(n)])).values()];
    const dest = Guid.fromName(`key${key}`);
    const got = replicaSet(dest, nodes, r, space).map((n) => n.guid.hex);
    const left = [...nodes];
    const want: string[] = [];
    while (want.length < r && left.length) want.push(left.splice(bruteForceRoot(left.map((n) => n.guid), dest, space), 1)[0].guid.hex);
    expect(got).toEqual(want);
  }), { numRuns: 300 });
});
