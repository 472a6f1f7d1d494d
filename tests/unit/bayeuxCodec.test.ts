/**
 * The Bayeux codec: every valid message round-trips (a property over random messages of every
 * kind), and each limit written beside BayeuxMsg in messages.proto is refused with a DecodeError.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { DecodeError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { BayeuxKind, BayeuxMsg } from '../../upcalls/bayeux/messages';
import { decodeBayeux, encodeBayeux } from '../../wire/bayeuxCodec';

const KINDS: BayeuxKind[] = ['create', 'join', 'tree', 'data', 'prune', 'leave', 'teardown'];
const handle = (name: string, port: number, bits: 160 | 256 = 160): NodeHandle => ({
  guid: Guid.fromName(name, bits), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port },
});
const plain = (m: BayeuxMsg) => JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v));

const msgArb: fc.Arbitrary<BayeuxMsg> = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    session: fc.string(),
    replica: fc.nat(DEFAULTS.bayeuxMaxReplicas - 1),
    node: fc.string(),
    port: fc.integer({ min: 1, max: 65_535 }),
    seq: fc.integer({ min: 1, max: 0xffff_ffff }),
    payload: fc.uint8Array({ maxLength: 300 }),
    replicas: fc.integer({ min: 1, max: DEFAULTS.bayeuxMaxReplicas }),
    relayed: fc.boolean(),
  })
  .map((r) => ({
    kind: r.kind, session: Guid.fromName(r.session), replica: r.kind === 'create' ? r.replica % r.replicas : r.replica, node: handle(r.node, r.port),
    seq: r.kind === 'data' ? r.seq : 0, payload: r.kind === 'data' ? r.payload : new Uint8Array(0),
    replicas: r.kind === 'create' ? r.replicas : 0, relayed: r.kind === 'data' && r.relayed,
  }));

test('every valid message round-trips', () => {
  fc.assert(fc.property(msgArb, (m) => expect(plain(decodeBayeux(encodeBayeux(m), { idBytes: 20 }))).toBe(plain(m))), { numRuns: 500 });
});

test('limits: replica, payload, a multicast without seq, seq / payload / relay flag / replica count on a control kind, a create\'s replica count, GUID width, unknown kind, garbage', () => {
  const data: BayeuxMsg = { kind: 'data', session: Guid.fromName('s'), replica: 0, node: handle('n', 7), seq: 1, payload: Uint8Array.of(1), replicas: 0, relayed: false };
  const create: BayeuxMsg = { ...data, kind: 'create', seq: 0, payload: new Uint8Array(0), replicas: 3, replica: 2 };
  const join: BayeuxMsg = { ...data, kind: 'join', seq: 0, payload: new Uint8Array(0) };
  const bad = [
    encodeBayeux({ ...data, replica: DEFAULTS.bayeuxMaxReplicas }),
    encodeBayeux({ ...data, payload: new Uint8Array(DEFAULTS.bayeuxMaxPayloadBytes + 1) }),
    encodeBayeux({ ...data, seq: 0 }),
    encodeBayeux({ ...join, seq: 5 }),
    encodeBayeux({ ...join, payload: Uint8Array.of(1) }),
    encodeBayeux({ ...join, relayed: true }),
    encodeBayeux({ ...join, replicas: 2 }),
    encodeBayeux({ ...create, replicas: 0 }),
    encodeBayeux({ ...create, replica: 3 }),
    encodeBayeux({ ...create, replicas: DEFAULTS.bayeuxMaxReplicas + 1 }),
    encodeBayeux({ ...join, session: Guid.fromName('s', 256), node: handle('n', 7, 256) }),
    encodeBayeux({ ...join, kind: 'nonsense' as BayeuxKind }),
    Uint8Array.of(0xff, 0xff, 0xff),
    new Uint8Array(0),
  ];
  bad.forEach((b) => expect(() => decodeBayeux(b, { idBytes: 20 })).toThrow(DecodeError));
  // The same messages within their limits decode.
  expect(decodeBayeux(encodeBayeux({ ...data, replica: DEFAULTS.bayeuxMaxReplicas - 1 }), { idBytes: 20 }).replica).toBe(DEFAULTS.bayeuxMaxReplicas - 1);
  expect(decodeBayeux(encodeBayeux(join), { idBytes: 20 }).kind).toBe('join');
  expect(decodeBayeux(encodeBayeux({ ...create, replicas: DEFAULTS.bayeuxMaxReplicas }), { idBytes: 20 }).replicas).toBe(DEFAULTS.bayeuxMaxReplicas);
  expect(decodeBayeux(encodeBayeux({ ...data, relayed: true }), { idBytes: 20 }).relayed).toBe(true);
});
