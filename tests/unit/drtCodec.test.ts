/**
 * The DRT module's wire codec (wire/drtCodec.ts): every valid message of every kind round-trips at
 * both id widths; each limit written beside DrtMsg in messages.proto is refused with a
 * FrameDecodeError; arbitrary bytes never throw anything else.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { DecodeError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { DrtEntry, DrtMsg } from '../../upcalls/drt/messages';
import { FrameDecodeError } from '../../wire/codec';
import { decodeDrt, encodeDrt } from '../../wire/drtCodec';
import { handle as handleOf, type IdBytes } from '../helpers/wireArbitraries';

/** JSON with GUIDs as hex, bytes as arrays and object keys sorted (field order is not part of a message). */
const plain = (m: unknown) =>
  JSON.stringify(m, (_k, v) => {
    if (v instanceof Guid) return v.hex;
    if (v instanceof Uint8Array) return [...v];
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
    return v;
  });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Guid.fromBytes(b));
const appData = fc.uint8Array({ minLength: 1, maxLength: 300 });
const ttl = fc.integer({ min: 1, max: DEFAULTS.drtMaxLifetimeMs });
const requestId = fc.integer({ min: 1, max: 0xffff_ffff });
const hops = fc.nat(DEFAULTS.drtMaxSearchHops);
const entry = (w: IdBytes): fc.Arbitrary<DrtEntry> => fc.record({ key, appData, publisher: handleOf(w), ttlMs: ttl });

/** A valid message of each kind, with the optional fields each may carry. */
function drtMsg(w: IdBytes): fc.Arbitrary<DrtMsg> {
  const h = handleOf(w);
  const op = fc.record({ kind: fc.constantFrom('register' as const, 'update' as const), cursor: key, requestId, requester: h, appData, ttlMs: ttl, hops, walking: fc.boolean() });
  const unregister = fc.record({ kind: fc.constant('unregister' as const), cursor: key, requestId, requester: h, hops, walking: fc.boolean() });
  const ack = fc.record({ kind: fc.constant('ack' as const), cursor: key, requestId, requester: h, status: fc.constantFrom('ok' as const, 'full' as const, 'taken' as const, 'unknown' as const, 'tooLarge' as const), hops, responder: h });
  const walkFields = fc.record({ mode: fc.constantFrom('exact' as const, 'up' as const, 'down' as const), end: key, iterative: fc.boolean(), walking: fc.boolean(), part: hops });
  const search = fc.tuple(walkFields, key, requestId, h, fc.integer({ min: 1, max: DEFAULTS.drtMaxEndpoints }), hops).map(([f, cursor, id, r, remaining, n]): DrtMsg => ({
    kind: 'search', cursor, requestId: id, hops: n, ...(f.walking ? { walking: true } : {}), requester: r, mode: f.mode, remaining,
    iterative: f.iterative, part: f.part, ...(f.mode === 'exact' ? {} : { end: f.end }),
  }));
  const found = fc.tuple(walkFields, key, requestId, h, fc.nat(DEFAULTS.drtMaxEndpoints), hops, fc.array(entry(w), { maxLength: 4 }), fc.option(h, { nil: undefined }), h).map(([f, cursor, id, r, remaining, n, entries, next, responder]): DrtMsg => ({
    kind: 'found', cursor, requestId: id, hops: n, ...(f.walking ? { walking: true } : {}), requester: r, mode: f.mode, remaining,
    iterative: f.iterative, part: f.part, ...(f.mode === 'exact' ? {} : { end: f.end }), entries, ...(next ? { next } : {}), done: next === undefined, responder,
  }));
  const handoff = fc.record({ kind: fc.constant('handoff' as const), cursor: key, requestId: fc.constant(0), hops, entries: fc.array(entry(w), { minLength: 1, maxLength: 4 }), leaving: fc.boolean(), walking: fc.boolean() });
  return fc.oneof(op, unregister, ack, search, found, handoff).map((m) => {
    // The decoder leaves a false `walking` or `leaving` out.
    const { walking, leaving, ...rest } = m as DrtMsg;
    return { ...rest, ...(walking ? { walking } : {}), ...(leaving ? { leaving } : {}) } as DrtMsg;
  });
}

test('every valid DRT message round-trips, at both id widths', () => {
  for (const w of [20, 32] as const) {
    fc.assert(fc.property(drtMsg(w), (m) => expect(plain(decodeDrt(encodeDrt(m), { idBytes: w }))).toBe(plain(m))), { numRuns: 300 });
  }
});

const h: NodeHandle = { guid: Guid.fromName('n', 256), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 7 } };
const k = Guid.fromName('key', 256);
const reg: DrtMsg = { kind: 'register', cursor: k, requestId: 1, requester: h, appData: Uint8Array.of(1), ttlMs: 1_000, hops: 0 };
const search: DrtMsg = { kind: 'search', cursor: k, requestId: 2, requester: h, mode: 'up', end: k, remaining: 3, iterative: false, hops: 0, part: 0 };
const e: DrtEntry = { key: k, appData: Uint8Array.of(1), publisher: h, ttlMs: 1_000 };
const found: DrtMsg = { ...search, kind: 'found', remaining: 0, entries: [e], done: true, responder: h };

test('each limit of DrtMsg is refused with a FrameDecodeError', () => {
  const bad: [DrtMsg, string][] = [
    [{ ...reg, cursor: Guid.fromName('key', 160) }, 'guid'],
    [{ ...reg, appData: new Uint8Array(DEFAULTS.drtMaxAppDataBytes + 1) }, 'payload'],
    [{ ...reg, appData: new Uint8Array(0) }, 'payload'],
    [{ ...reg, ttlMs: DEFAULTS.drtMaxLifetimeMs + 1 }, 'lifetime'],
    [{ ...reg, ttlMs: 0 }, 'lifetime'],
    [{ ...reg, requestId: 0 }, 'missing'],
    [{ ...reg, requester: undefined }, 'missing'],
    [{ ...reg, hops: DEFAULTS.drtMaxSearchHops + 1 }, 'hops'],
    [{ ...reg, status: 'ok' }, 'reply'],
    [{ ...reg, mode: 'up' }, 'payload'],
    [{ ...reg, kind: 'unregister' }, 'payload'],
    [{ ...reg, kind: 'ack', appData: undefined, ttlMs: undefined, responder: h }, 'reply'],
    [{ ...reg, kind: 'ack', appData: undefined, ttlMs: undefined, status: 'ok' }, 'missing'],
    [{ ...search, remaining: 0 }, 'count'],
    [{ ...search, remaining: DEFAULTS.drtMaxEndpoints + 1 }, 'count'],
    [{ ...search, end: undefined }, 'guid'],
    [{ ...search, mode: 'exact' }, 'payload'],
    [{ ...search, mode: undefined }, 'emptyBody'],
    [{ ...search, part: DEFAULTS.drtMaxSearchHops + 1 }, 'hops'],
    [{ ...search, entries: [e] }, 'payload'],
    [{ ...found, entries: Array(DEFAULTS.drtMaxEndpoints + 1).fill(e) }, 'count'],
    [{ ...found, entries: [{ ...e, appData: new Uint8Array(DEFAULTS.drtMaxAppDataBytes + 1) }] }, 'payload'],
    [{ ...found, entries: [{ ...e, ttlMs: 0 }] }, 'lifetime'],
    [{ ...found, entries: [{ ...e, key: Guid.fromName('key', 160) }] }, 'guid'],
    [{ ...found, next: h }, 'payload'],
    [{ ...found, responder: undefined }, 'missing'],
    [{ kind: 'handoff', cursor: k, requestId: 0, hops: 0, entries: [] }, 'missing'],
    [{ kind: 'handoff', cursor: k, requestId: 3, requester: h, hops: 0, entries: [e] }, 'missing'],
    [{ ...reg, leaving: true }, 'payload'],
    [{ ...found, leaving: true }, 'payload'],
  ];
  for (const [m, reason] of bad) {
    let got: unknown;
    try {
      decodeDrt(encodeDrt(m), { idBytes: 32 });
    } catch (err) {
      got = err;
    }
    expect({ m: plain(m), got: got instanceof FrameDecodeError ? got.reason : String(got) }).toEqual({ m: plain(m), got: reason });
  }
  // A node handle of the other width than the node's.
  expect(() => decodeDrt(encodeDrt(reg), { idBytes: 20 })).toThrow(FrameDecodeError);
  expect(() => decodeDrt(Uint8Array.of(0xff, 0xff))).toThrow(FrameDecodeError);
  expect(() => decodeDrt(Uint8Array.of(0x08, 0x09))).toThrow(FrameDecodeError); // kind 9: unknown
});

test('arbitrary bytes decode or fail with a DecodeError, never anything else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try {
      decodeDrt(bytes, { idBytes: 32 });
    } catch (err) {
      expect(err).toBeInstanceOf(DecodeError);
    }
  }), { numRuns: 2_000 });
});
