import { DEFAULTS } from '../../defaults';
import { DecodeError, InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import type { Address } from '../../transport/types';
import { FrameDecodeError, type DecodeReason } from '../../wire/codec';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import type { LocateFound, LocateMsg, LocateNotFound, LocationMsg, PublishMsg, UnpublishMsg } from '../../location/messages';
import type { NodeHandle } from '../../routing/messages';
import { decodeReason } from '../helpers/decodeReason';
import { hostileInputTests } from '../helpers/hostileInput';
import { lenField, outcomeOf, varint, varintField, BAD_ADDRESSES } from '../helpers/codecTesting';

// The oracle throughout is the input object: a decoded message must say exactly what was encoded.

type Bits = 160 | 256;
type Kind = LocationMsg['kind'];
const KINDS: readonly Kind[] = ['publish', 'unpublish', 'locate', 'found', 'notFound', 'handOver'];

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function guid(rng: SeededRng, bits: Bits): Guid {
  return Guid.random(() => rng.int(256), bits);
}

function address(rng: SeededRng, family: 4 | 6, port = 1 + rng.int(65_535)): Address {
  return { family, ip: randomBytes(rng, family === 4 ? 4 : 16), port };
}

function handle(rng: SeededRng, bits: Bits, family: 4 | 6 = rng.int(2) ? 4 : 6): NodeHandle {
  return { guid: guid(rng, bits), address: address(rng, family) };
}

function guids(rng: SeededRng, bits: Bits, n: number): Guid[] {
  return Array.from({ length: n }, () => guid(rng, bits));
}

function publish(rng: SeededRng, bits: Bits, o: Partial<PublishMsg> = {}): LocationMsg {
  const msg: PublishMsg = {
    object: guid(rng, bits),
    server: handle(rng, bits),
    tag: 'video/mp4',
    saltIndex: 1,
    sequence: 42,
    lifetimeMs: DEFAULTS.pointerLifetimeMs,
    pathLatency: 12.75,
    extra: false,
    ...o,
  };
  return { kind: 'publish', publish: msg };
}

function unpublish(rng: SeededRng, bits: Bits, o: Partial<UnpublishMsg> = {}): LocationMsg {
  const msg: UnpublishMsg = { object: guid(rng, bits), server: handle(rng, bits), saltIndex: 2, sequence: 43, extra: true, ...o };
  return { kind: 'unpublish', unpublish: msg };
}

function locate(rng: SeededRng, bits: Bits, o: Partial<LocateMsg> = {}): LocationMsg {
  const msg: LocateMsg = {
    locateId: 77,
    locateKey: 0x8000_0001,
    object: guid(rng, bits),
    origin: handle(rng, bits),
    query: 'video/mp4',
    wanted: 3,
    exclude: guids(rng, bits, 2),
    saltIndex: 0,
    pathLatency: 3.5,
    moduleId: 9,
    payload: randomBytes(rng, 100),
    diverted: false,
    ...o,
  };
  return { kind: 'locate', locate: msg };
}

function found(rng: SeededRng, bits: Bits, o: Partial<LocateFound> = {}): LocationMsg {
  const msg: LocateFound = {
    locateId: 78,
    locateKey: 0xffff_fffe,
    object: guid(rng, bits),
    server: handle(rng, bits),
    tag: 'video/mp4',
    hops: 4,
    pathLatency: 40.125,
    ...o,
  };
  return { kind: 'found', found: msg };
}

function notFound(rng: SeededRng, bits: Bits, o: Partial<LocateNotFound> = {}): LocationMsg {
  const msg: LocateNotFound = { locateId: 79, locateKey: 12345, object: guid(rng, bits), saltIndex: 2, diverted: guids(rng, bits, 3), hops: 6, ...o };
  return { kind: 'notFound', notFound: msg };
}

/** A hand-over of `n` publish records of one width (one signed, as a hand-over carries a signed record). */
function handOver(rng: SeededRng, bits: Bits, n = 3): LocationMsg {
  const pointers = Array.from({ length: n }, (_, i) => {
    const p = (publish(rng, bits, { saltIndex: i % DEFAULTS.maxSalts, sequence: 1000 + i }) as { publish: PublishMsg }).publish;
    return i === 1 ? { ...p, publisherKey: randomBytes(rng, 44), signature: randomBytes(rng, 64) } : p;
  });
  return { kind: 'handOver', handOver: { pointers } };
}

/** One publish record as a hand-over carries it; `family` fixes its server's address family. */
function record(rng: SeededRng, bits: Bits, o: Partial<PublishMsg> = {}, family?: 4 | 6): PublishMsg {
  return (publish(rng, bits, { server: handle(rng, bits, family), ...o }) as { publish: PublishMsg }).publish;
}

function handOverOf(pointers: PublishMsg[]): LocationMsg {
  return { kind: 'handOver', handOver: { pointers } };
}

function sample(rng: SeededRng, kind: Kind, bits: Bits): LocationMsg {
  switch (kind) {
    case 'publish':
      return publish(rng, bits);
    case 'unpublish':
      return unpublish(rng, bits);
    case 'locate':
      return locate(rng, bits);
    case 'found':
      return found(rng, bits);
    case 'notFound':
      return notFound(rng, bits);
    case 'handOver':
      return handOver(rng, bits);
    case 'ownerNotice': {
      const p = (publish(rng, bits) as { publish: PublishMsg }).publish;
      return { kind: 'ownerNotice', notice: { record: { ...p, publisherKey: randomBytes(rng, 32), signature: randomBytes(rng, 64), owner: { key: randomBytes(rng, 32) } } } };
    }
    case 'publishAck': // its own tests: tests/unit/publishAckCodec.test.ts
      return { kind: 'publishAck', ack: { object: guid(rng, bits), saltIndex: 1, nonce: randomBytes(rng, 8) } };
  }
}

function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

function expectGuid(actual: Guid, expected: Guid): void {
  expect(actual).toBeInstanceOf(Guid);
  expect(actual.hex).toBe(expected.hex);
  expectBytes(actual.bytes, expected.bytes);
}

function expectGuids(actual: readonly Guid[], expected: readonly Guid[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((g, i) => expectGuid(actual[i], g));
}

function expectHandle(actual: NodeHandle, expected: NodeHandle): void {
  expectGuid(actual.guid, expected.guid);
  expect(actual.address.family).toBe(expected.address.family);
  expectBytes(actual.address.ip, expected.address.ip);
  expect(actual.address.port).toBe(expected.address.port);
}

/** Field by field, and no fields beyond the domain type's. */
function expectLocation(actual: LocationMsg, expected: LocationMsg): void {
  expect(actual.kind).toBe(expected.kind);
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  if (expected.kind === 'handOver' && actual.kind === 'handOver') {
    const [a, e] = [actual.handOver, expected.handOver];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expect(a.pointers).toHaveLength(e.pointers.length);
    e.pointers.forEach((p, i) => {
      expectLocation({ kind: 'publish', publish: a.pointers[i] }, { kind: 'publish', publish: p });
      if (p.publisherKey) expectBytes(a.pointers[i].publisherKey!, p.publisherKey);
      if (p.signature) expectBytes(a.pointers[i].signature!, p.signature);
    });
  } else if (expected.kind === 'publish' && actual.kind === 'publish') {
    const [a, e] = [actual.publish, expected.publish];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expectGuid(a.object, e.object);
    expectHandle(a.server, e.server);
    expect(a.tag).toBe(e.tag);
    expect(a.saltIndex).toBe(e.saltIndex);
    expect(a.sequence).toBe(e.sequence);
    expect(a.lifetimeMs).toBe(e.lifetimeMs);
    expect(a.pathLatency).toBe(e.pathLatency);
    expect(a.extra).toBe(e.extra);
  } else if (expected.kind === 'unpublish' && actual.kind === 'unpublish') {
    const [a, e] = [actual.unpublish, expected.unpublish];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expectGuid(a.object, e.object);
    expectHandle(a.server, e.server);
    expect(a.saltIndex).toBe(e.saltIndex);
    expect(a.sequence).toBe(e.sequence);
    expect(a.extra).toBe(e.extra);
  } else if (expected.kind === 'locate' && actual.kind === 'locate') {
    const [a, e] = [actual.locate, expected.locate];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expect(a.locateId).toBe(e.locateId);
    expectGuid(a.object, e.object);
    expectHandle(a.origin, e.origin);
    expect(a.query).toBe(e.query);
    expect(a.wanted).toBe(e.wanted);
    expectGuids(a.exclude, e.exclude);
    expect(a.saltIndex).toBe(e.saltIndex);
    expect(a.pathLatency).toBe(e.pathLatency);
    expect(a.moduleId).toBe(e.moduleId);
    expectBytes(a.payload, e.payload);
    expect(a.diverted).toBe(e.diverted);
  } else if (expected.kind === 'found' && actual.kind === 'found') {
    const [a, e] = [actual.found, expected.found];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expect(a.locateId).toBe(e.locateId);
    expectGuid(a.object, e.object);
    expectHandle(a.server, e.server);
    expect(a.tag).toBe(e.tag);
    expect(a.hops).toBe(e.hops);
    expect(a.pathLatency).toBe(e.pathLatency);
  } else if (expected.kind === 'notFound' && actual.kind === 'notFound') {
    const [a, e] = [actual.notFound, expected.notFound];
    expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
    expect(a.locateId).toBe(e.locateId);
    expectGuid(a.object, e.object);
    expect(a.saltIndex).toBe(e.saltIndex);
    expectGuids(a.diverted, e.diverted);
    expect(a.hops).toBe(e.hops);
  } else {
    throw new Error(`kinds differ: ${actual.kind} vs ${expected.kind}`);
  }
}

function roundTrip(msg: LocationMsg, idBytes?: 20 | 32): LocationMsg {
  return decodeLocation(encodeLocation(msg), idBytes ? { idBytes } : undefined);
}

/** Every byte array a decoded message holds, to check none shares the input's memory. */
function bytesHeld(msg: LocationMsg): Uint8Array[] {
  const h = (x: NodeHandle) => [x.guid.bytes, x.address.ip];
  switch (msg.kind) {
    case 'publish':
      return [msg.publish.object.bytes, ...h(msg.publish.server)];
    case 'unpublish':
      return [msg.unpublish.object.bytes, ...h(msg.unpublish.server)];
    case 'locate':
      return [msg.locate.object.bytes, ...h(msg.locate.origin), msg.locate.payload, ...msg.locate.exclude.map((g) => g.bytes)];
    case 'found':
      return [msg.found.object.bytes, ...h(msg.found.server)];
    case 'notFound':
      return [msg.notFound.object.bytes, ...msg.notFound.diverted.map((g) => g.bytes)];
    case 'handOver':
      return msg.handOver.pointers.flatMap((p) => [
        p.object.bytes, ...h(p.server), ...(p.publisherKey ? [p.publisherKey] : []), ...(p.signature ? [p.signature] : []),
      ]);
    case 'ownerNotice': {
      const p = msg.notice.record;
      return [p.object.bytes, ...h(p.server), p.publisherKey!, p.signature!, p.owner!.key];
    }
    case 'publishAck':
      return [msg.ack.object.bytes, msg.ack.nonce];
  }
}

/** The reason decoding `bytes` fails with; fails the test if it decodes or throws anything else. */
function reasonOf(bytes: Uint8Array, idBytes?: 20 | 32): DecodeReason {
  return decodeReason(() => decodeLocation(bytes, idBytes ? { idBytes } : undefined));
}

const decodeOutcome = outcomeOf(decodeLocation, encodeLocation);

/** `bytes` with the first occurrence of `marker` (ASCII) replaced by `replacement`, same length. */
function patch(bytes: Uint8Array, marker: string, replacement: readonly number[]): Uint8Array {
  expect(replacement).toHaveLength(marker.length);
  const at = Buffer.from(bytes).indexOf(Buffer.from(marker, 'latin1'));
  expect(at).toBeGreaterThanOrEqual(0);
  const out = Uint8Array.from(bytes);
  out.set(replacement, at);
  return out;
}

describe('location codec round trip', () => {
  const rng = new SeededRng(31);

  const cases = KINDS.flatMap((kind) => ([160, 256] as const).map((bits) => [kind, bits] as const));
  test.each(cases)('%s with %i-bit GUIDs, IPv4 and IPv6 handles', (kind, bits) => {
    for (const family of [4, 6] as const) {
      const msg = sample(rng, kind, bits);
      // Put the family under test on the message's handle, where it has one.
      const h = handle(rng, bits, family);
      const withFamily: LocationMsg =
        msg.kind === 'publish'
          ? { kind: 'publish', publish: { ...msg.publish, server: h } }
          : msg.kind === 'unpublish'
            ? { kind: 'unpublish', unpublish: { ...msg.unpublish, server: h } }
            : msg.kind === 'locate'
              ? { kind: 'locate', locate: { ...msg.locate, origin: h } }
              : msg.kind === 'found'
                ? { kind: 'found', found: { ...msg.found, server: h } }
                : msg.kind === 'handOver'
                  ? handOverOf(msg.handOver.pointers.map((p) => ({ ...p, server: handle(rng, bits, family) })))
                  : msg;
      expectLocation(roundTrip(withFamily), withFamily);
      expectLocation(roundTrip(withFamily, bits === 160 ? 20 : 32), withFamily);
    }
  });

  test('publish at the edges of every limit', () => {
    // 85 three-byte characters plus one byte: exactly maxTagBytes bytes of UTF-8.
    const longTag = '€'.repeat(85) + 'x';
    expect(Buffer.byteLength(longTag)).toBe(DEFAULTS.maxTagBytes);
    const edges: Partial<PublishMsg>[] = [
      { tag: longTag, saltIndex: DEFAULTS.maxSalts - 1, sequence: 0xffff_ffff, lifetimeMs: DEFAULTS.maxPointerLifetimeMs, pathLatency: Number.MAX_VALUE, extra: true },
      { tag: '', saltIndex: 0, sequence: 0, lifetimeMs: 1, pathLatency: 0, extra: false },
      { tag: '\uFEFFbom kept', pathLatency: Number.MIN_VALUE },
      { tag: 'astral 😀 and nul \u0000 inside', pathLatency: 0.1 + 0.2 },
    ];
    for (const o of edges) {
      for (const bits of [160, 256] as const) {
        const msg = publish(rng, bits, o);
        expectLocation(roundTrip(msg), msg);
      }
    }
    // A JS string that is not well-formed UTF-16 has no UTF-8 form: a lone surrogate goes out as U+FFFD.
    const lone = roundTrip(publish(rng, 160, { tag: 'a\uD800b' }));
    expect(lone.kind === 'publish' && lone.publish.tag).toBe('a\uFFFDb');
  });

  test('hand-over records keep every publish field, at the edges of the publish limits', () => {
    const longTag = '€'.repeat(85) + 'x'; // exactly maxTagBytes bytes of UTF-8
    expect(Buffer.byteLength(longTag)).toBe(DEFAULTS.maxTagBytes);
    for (const bits of [160, 256] as const) {
      const idBytes = (bits / 8) as 20 | 32;
      const msgs = [
        handOverOf([
          record(rng, bits, { tag: longTag, saltIndex: DEFAULTS.maxSalts - 1, sequence: 0xffff_ffff, lifetimeMs: DEFAULTS.maxPointerLifetimeMs, pathLatency: Number.MAX_VALUE, extra: true }, 4),
          record(rng, bits, { tag: '', saltIndex: 0, sequence: 0, lifetimeMs: 1, pathLatency: 0, extra: false }, 6),
          record(rng, bits, { tag: 'astral 😀 and nul \u0000 inside' }, 4),
        ]),
        // No records, and exactly as many as a hand-over may carry.
        handOverOf([]),
        handOver(rng, bits, DEFAULTS.maxHandOverPointers),
      ];
      for (const msg of msgs) {
        expectLocation(roundTrip(msg), msg);
        expectLocation(roundTrip(msg, idBytes), msg);
      }
    }
  });

  test('locate, found and notFound at the edges of every limit', () => {
    const longQuery = 'q'.repeat(DEFAULTS.maxTagBytes);
    const msgs: LocationMsg[] = [
      locate(rng, 256, {
        locateId: 0xffff_ffff,
        query: longQuery,
        wanted: DEFAULTS.maxReplicas,
        exclude: guids(rng, 256, DEFAULTS.maxReplicas),
        saltIndex: DEFAULTS.maxSalts - 1,
        pathLatency: 1e300,
        moduleId: 0xffff_ffff,
        payload: randomBytes(rng, DEFAULTS.maxInlineObjectPayload),
        diverted: true,
      }),
      locate(rng, 160, { locateId: 0, query: '', wanted: 1, exclude: [], saltIndex: 0, pathLatency: 0, moduleId: 0, payload: new Uint8Array(0) }),
      found(rng, 160, { locateId: 0, tag: '', hops: 0, pathLatency: 0 }),
      found(rng, 256, { locateId: 0xffff_ffff, tag: longQuery, hops: 0xffff_ffff, pathLatency: 1e-9 }),
      notFound(rng, 160, { locateId: 0, saltIndex: 0, diverted: [], hops: 0 }),
      notFound(rng, 256, { locateId: 0xffff_ffff, saltIndex: DEFAULTS.maxSalts - 1, diverted: guids(rng, 256, DEFAULTS.maxReplicas), hops: 0xffff_ffff }),
      unpublish(rng, 256, { saltIndex: DEFAULTS.maxSalts - 1, sequence: 0xffff_ffff, extra: false }),
      unpublish(rng, 160, { saltIndex: 0, sequence: 0 }),
    ];
    for (const msg of msgs) expectLocation(roundTrip(msg), msg);
    for (const port of [1, 65_535]) {
      const msg = found(rng, 160, { server: { guid: guid(rng, 160), address: address(rng, 6, port) } });
      expectLocation(roundTrip(msg), msg);
    }
  });

  test('decodes a plain Uint8Array, a Buffer and a view at an offset', () => {
    const msg = locate(rng, 160);
    const encoded = encodeLocation(msg);
    expectLocation(decodeLocation(new Uint8Array(encoded)), msg);
    expectLocation(decodeLocation(Buffer.from(encoded)), msg);
    // A payload inside a larger buffer, as a reassembled route may hand it over.
    const big = new Uint8Array(encoded.length + 10).fill(0xee);
    big.set(encoded, 5);
    expectLocation(decodeLocation(big.subarray(5, 5 + encoded.length)), msg);
  });

  test('decoded messages never alias the input buffer', () => {
    for (const kind of KINDS) {
      for (const bits of [160, 256] as const) {
        const msg = sample(rng, kind, bits);
        const input = new Uint8Array(encodeLocation(msg));
        const decoded = decodeLocation(input);
        input.fill(0xff);
        expectLocation(decoded, msg);
        for (const bytes of bytesHeld(decoded)) expect(bytes.buffer).not.toBe(input.buffer);
      }
    }
  });

  test('encoding leaves the input message untouched and is repeatable', () => {
    const msg = locate(rng, 256);
    const before = encodeLocation(msg);
    const again = encodeLocation(msg);
    expectBytes(again, before);
    expectLocation(decodeLocation(before), msg);
    // Every kind: a twin built from the same seed is the oracle for the message after encoding.
    KINDS.forEach((kind, i) => {
      const [encoded, twin] = [sample(new SeededRng(100 + i), kind, 256), sample(new SeededRng(100 + i), kind, 256)];
      const first = encodeLocation(encoded);
      expectLocation(encoded, twin);
      expectBytes(encodeLocation(encoded), first);
      expectLocation(decodeLocation(first), twin);
    });
  });

  test('a second body on the wire replaces the first, as proto3 specifies for a oneof', () => {
    const first = publish(rng, 160);
    const second = notFound(rng, 160);
    const both = Uint8Array.from([...encodeLocation(first), ...encodeLocation(second)]);
    expectLocation(decodeLocation(both), second);
  });

  test('decodeLocation rejects an idBytes option other than 20 or 32', () => {
    const bytes = encodeLocation(publish(rng, 160));
    expect(() => decodeLocation(bytes, { idBytes: 16 as unknown as 20 })).toThrow(InvalidArgumentError);
  });
});

describe('location codec rejects malformed messages with a reason', () => {
  const rng = new SeededRng(37);
  const fakeGuid = (n: number) => ({ bytes: new Uint8Array(n) }) as unknown as Guid;
  const enc = (msg: LocationMsg) => encodeLocation(msg);
  const guid20 = () => Array.from(guid(rng, 160).bytes);

  test('tooLarge: more than maxMessageBytes', () => {
    expect(reasonOf(new Uint8Array(DEFAULTS.maxMessageBytes + 1))).toBe('tooLarge');
  });

  test('protobuf: garbage, overlong lengths, truncated fields, nesting past the limit', () => {
    expect(reasonOf(new Uint8Array(11).fill(0xff))).toBe('protobuf');
    expect(reasonOf(Uint8Array.from([0x0a, 0x05, 0x01]))).toBe('protobuf'); // publish longer than the input
    expect(reasonOf(Uint8Array.from([0x0a]))).toBe('protobuf'); // publish's tag, cut off
    expect(reasonOf(new Uint8Array(300).fill(0x0b))).toBe('protobuf'); // 300 nested start-groups
    // A double (path latency, field 7 of publish) with only 3 of its 8 bytes.
    expect(reasonOf(Uint8Array.from(lenField(1, [0x39, 1, 2, 3])))).toBe('protobuf');
  });

  test('emptyBody: no body, or only a kind this version does not know', () => {
    expect(reasonOf(new Uint8Array(0))).toBe('emptyBody');
    // Changed by design: field 7 is the owner notice and 8 the publish ack, so the first unknown kind is field 9.
    expect(reasonOf(Uint8Array.from(lenField(9, [])))).toBe('emptyBody'); // field 9, skipped as unknown (8 is the publish ack)
    expect(reasonOf(Uint8Array.from(lenField(99, [1, 2, 3])))).toBe('emptyBody');
    // protobufjs skips a known field of the wrong wire type as it skips an unknown one: here a
    // publish sent as a varint.
    expect(reasonOf(Uint8Array.from([0x08, 0x01]))).toBe('emptyBody');
  });

  test('missing: a publish, unpublish or found without its server, a locate without its origin', () => {
    const g = guid20();
    expect(reasonOf(Uint8Array.from(lenField(1, [...lenField(1, g), ...varintField(6, 1000)])))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(2, lenField(1, g))))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(3, [...lenField(2, g), ...varintField(5, 1)])))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(4, lenField(2, g))))).toBe('missing');
  });

  test('guid: wrong object width, widths mixed in one message, or not the configured width', () => {
    // A body present but empty has a zero-length object GUID.
    expect(reasonOf(Uint8Array.from(lenField(1, [])))).toBe('guid');
    expect(reasonOf(Uint8Array.from(lenField(5, [])))).toBe('guid');
    for (const n of [0, 19, 21, 31, 33]) {
      expect(reasonOf(enc(publish(rng, 160, { object: fakeGuid(n) })))).toBe('guid');
      expect(reasonOf(enc(unpublish(rng, 160, { object: fakeGuid(n) })))).toBe('guid');
      expect(reasonOf(enc(locate(rng, 160, { object: fakeGuid(n) })))).toBe('guid');
      expect(reasonOf(enc(found(rng, 160, { object: fakeGuid(n) })))).toBe('guid');
      expect(reasonOf(enc(notFound(rng, 160, { object: fakeGuid(n) })))).toBe('guid');
    }
    // The object says 160 bits; a handle or list entry says 256 (and the other way round).
    expect(reasonOf(enc(publish(rng, 160, { server: handle(rng, 256) })))).toBe('guid');
    expect(reasonOf(enc(unpublish(rng, 256, { server: handle(rng, 160) })))).toBe('guid');
    expect(reasonOf(enc(locate(rng, 160, { origin: handle(rng, 256) })))).toBe('guid');
    expect(reasonOf(enc(found(rng, 256, { server: handle(rng, 160) })))).toBe('guid');
    expect(reasonOf(enc(locate(rng, 160, { exclude: [guid(rng, 160), guid(rng, 256)] })))).toBe('guid');
    expect(reasonOf(enc(locate(rng, 256, { exclude: [fakeGuid(0)] })))).toBe('guid');
    expect(reasonOf(enc(notFound(rng, 256, { diverted: [guid(rng, 256), guid(rng, 160)] })))).toBe('guid');
    // Consistent in itself, but not this node's id space.
    for (const kind of KINDS) {
      expect(reasonOf(enc(sample(rng, kind, 160)), 32)).toBe('guid');
      expect(reasonOf(enc(sample(rng, kind, 256)), 20)).toBe('guid');
    }
  });

  test('address: bad family, ip length or port on every handle', () => {
    const bad = BAD_ADDRESSES;
    for (const a of bad) {
      const h = { guid: guid(rng, 160), address: a };
      expect(reasonOf(enc(publish(rng, 160, { server: h })))).toBe('address');
      expect(reasonOf(enc(unpublish(rng, 160, { server: h })))).toBe('address');
      expect(reasonOf(enc(locate(rng, 160, { origin: h })))).toBe('address');
      expect(reasonOf(enc(found(rng, 160, { server: h })))).toBe('address');
    }
  });

  test('tag: a tag or query over maxTagBytes bytes (not characters)', () => {
    const over = 'x'.repeat(DEFAULTS.maxTagBytes + 1);
    const overInBytes = '€'.repeat(86); // 86 characters, 258 bytes
    for (const text of [over, overInBytes]) {
      expect(reasonOf(enc(publish(rng, 160, { tag: text })))).toBe('tag');
      expect(reasonOf(enc(locate(rng, 160, { query: text })))).toBe('tag');
      expect(reasonOf(enc(found(rng, 256, { tag: text })))).toBe('tag');
    }
  });

  test('tag: invalid UTF-8 in a tag or query is rejected, never replaced', () => {
    const invalid = [
      [0x80, 0x41, 0x41, 0x41], // a lone continuation byte
      [0xc0, 0xaf, 0x41, 0x41], // an overlong '/'
      [0xed, 0xa0, 0x80, 0x41], // a UTF-16 surrogate (U+D800)
      [0xe2, 0x82, 0x41, 0x41], // a three-byte sequence cut short
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0x41, 0x41, 0x41, 0xff], // a byte UTF-8 never uses
    ];
    for (const bytes of invalid) {
      expect(reasonOf(patch(enc(publish(rng, 160, { tag: 'TAG!' })), 'TAG!', bytes))).toBe('tag');
      expect(reasonOf(patch(enc(locate(rng, 160, { query: 'TAG!' })), 'TAG!', bytes))).toBe('tag');
      expect(reasonOf(patch(enc(found(rng, 160, { tag: 'TAG!' })), 'TAG!', bytes))).toBe('tag');
    }
    // The same patch with valid bytes decodes: the marker is the tag, not something else.
    const ok = decodeLocation(patch(enc(publish(rng, 160, { tag: 'TAG!' })), 'TAG!', [0xc3, 0xa9, 0x41, 0x41]));
    expect(ok.kind === 'publish' && ok.publish.tag).toBe('éAA');
  });

  test('salt: saltIndex not below maxSalts', () => {
    for (const saltIndex of [DEFAULTS.maxSalts, DEFAULTS.maxSalts + 1, 0xffff_ffff]) {
      expect(reasonOf(enc(publish(rng, 160, { saltIndex })))).toBe('salt');
      expect(reasonOf(enc(unpublish(rng, 160, { saltIndex })))).toBe('salt');
      expect(reasonOf(enc(locate(rng, 160, { saltIndex })))).toBe('salt');
      expect(reasonOf(enc(notFound(rng, 160, { saltIndex })))).toBe('salt');
    }
  });

  test('replicas: wanted outside 1..maxReplicas, too many excluded or diverted GUIDs', () => {
    for (const wanted of [0, DEFAULTS.maxReplicas + 1, 0xffff_ffff]) {
      expect(reasonOf(enc(locate(rng, 160, { wanted })))).toBe('replicas');
    }
    expect(reasonOf(enc(locate(rng, 160, { exclude: guids(rng, 160, DEFAULTS.maxReplicas + 1) })))).toBe('replicas');
    expect(reasonOf(enc(notFound(rng, 256, { diverted: guids(rng, 256, DEFAULTS.maxReplicas + 1) })))).toBe('replicas');
  });

  test('lifetime: 0 or above maxPointerLifetimeMs', () => {
    for (const lifetimeMs of [0, DEFAULTS.maxPointerLifetimeMs + 1, 0xffff_ffff]) {
      expect(reasonOf(enc(publish(rng, 160, { lifetimeMs })))).toBe('lifetime');
    }
  });

  test('latency: negative, NaN or infinite path latency', () => {
    for (const pathLatency of [-1, -Number.MIN_VALUE, -Infinity, Infinity, NaN]) {
      expect(reasonOf(enc(publish(rng, 160, { pathLatency })))).toBe('latency');
      expect(reasonOf(enc(locate(rng, 160, { pathLatency })))).toBe('latency');
      expect(reasonOf(enc(found(rng, 160, { pathLatency })))).toBe('latency');
    }
  });

  test('payload: an inline object payload above maxInlineObjectPayload', () => {
    expect(reasonOf(enc(locate(rng, 160, { payload: new Uint8Array(DEFAULTS.maxInlineObjectPayload + 1) })))).toBe('payload');
    expect(reasonOf(enc(locate(rng, 256, { payload: new Uint8Array(60_000) })))).toBe('payload');
  });
});

hostileInputTests('location codec', [41, 2025, 43], (rng) =>
  KINDS.flatMap((kind) => [encodeLocation(sample(rng, kind, 160)), encodeLocation(sample(rng, kind, 256))]),
decodeOutcome);

describe('location hand-over message', () => {
  const rng = new SeededRng(57);
  const enc = (m: LocationMsg) => encodeLocation(m);

  const fakeGuid = (n: number) => ({ bytes: new Uint8Array(n) }) as unknown as Guid;

  test('count: more than maxHandOverPointers records; exactly that many decode', () => {
    expect(reasonOf(enc(handOver(rng, 160, DEFAULTS.maxHandOverPointers + 1)))).toBe('count');
    expect(reasonOf(enc(handOver(rng, 256, DEFAULTS.maxHandOverPointers + 1)))).toBe('count');
    const full = handOver(rng, 256, DEFAULTS.maxHandOverPointers);
    expectLocation(decodeLocation(enc(full)), full);
  });

  test('protobuf: a hand-over cut short', () => {
    expect(reasonOf(Uint8Array.from([(6 << 3) | 2]))).toBe('protobuf'); // its tag alone
    expect(reasonOf(enc(handOver(rng, 160)).subarray(0, 10))).toBe('protobuf'); // its length runs past the end
  });

  test('missing: a record with its object but no server', () => {
    expect(reasonOf(Uint8Array.from(lenField(6, lenField(1, [...lenField(1, Array.from(guid(rng, 160).bytes)), ...varintField(6, 1000)]))))).toBe('missing');
  });

  test('guid: a record\'s object or server GUID of a width that is neither 20 nor 32, or an empty record', () => {
    for (const n of [0, 19, 21, 31, 33]) {
      for (const bits of [160, 256] as const) {
        // The odd GUID in the first record, with a valid record after it.
        expect(reasonOf(enc(handOverOf([record(rng, bits, { object: fakeGuid(n) }), record(rng, bits)])))).toBe('guid');
        const server: NodeHandle = { guid: fakeGuid(n), address: address(rng, 4) };
        expect(reasonOf(enc(handOverOf([record(rng, bits, { server }), record(rng, bits)])))).toBe('guid');
      }
    }
    expect(reasonOf(Uint8Array.from(lenField(6, lenField(1, []))))).toBe('guid');
  });

  test('guid: records of two widths in one message, or not the configured width', () => {
    const a = handOver(rng, 160, 2) as { handOver: { pointers: readonly PublishMsg[] } };
    const b = handOver(rng, 256, 2) as { handOver: { pointers: readonly PublishMsg[] } };
    expect(reasonOf(enc({ kind: 'handOver', handOver: { pointers: [...a.handOver.pointers, ...b.handOver.pointers] } }))).toBe('guid');
    expect(reasonOf(enc(handOver(rng, 160, 1)), 32)).toBe('guid');
    for (const [bits, other] of [
      [160, 256],
      [256, 160],
    ] as const) {
      // A record whose server's width differs from its object's, first or after a valid record.
      expect(reasonOf(enc(handOverOf([record(rng, bits, { server: handle(rng, other) })])))).toBe('guid');
      expect(reasonOf(enc(handOverOf([record(rng, bits), record(rng, bits, { server: handle(rng, other) })])))).toBe('guid');
      // Records each consistent in itself, of two widths.
      expect(reasonOf(enc(handOverOf([record(rng, bits), record(rng, other)])))).toBe('guid');
      expect(reasonOf(enc(handOver(rng, bits, 1)), bits === 160 ? 32 : 20)).toBe('guid');
    }
  });

  test('address: bad family, ip length or port on a record\'s server, first or after a valid record', () => {
    const bad = BAD_ADDRESSES;
    for (const a of bad) {
      for (const bits of [160, 256] as const) {
        const server = { guid: guid(rng, bits), address: a };
        expect(reasonOf(enc(handOverOf([record(rng, bits, { server }), record(rng, bits)])))).toBe('address');
        expect(reasonOf(enc(handOverOf([record(rng, bits), record(rng, bits, { server })])))).toBe('address');
      }
    }
  });

  test('each record is checked as a publish is (lifetime, salt, tag)', () => {
    const p = (publish(rng, 160) as { publish: PublishMsg }).publish;
    expect(reasonOf(enc({ kind: 'handOver', handOver: { pointers: [p, { ...p, lifetimeMs: 0 }] } }))).toBe('lifetime');
    expect(reasonOf(enc({ kind: 'handOver', handOver: { pointers: [{ ...p, saltIndex: DEFAULTS.maxSalts }] } }))).toBe('salt');
    expect(reasonOf(enc({ kind: 'handOver', handOver: { pointers: [{ ...p, tag: 'x'.repeat(DEFAULTS.maxTagBytes + 1) }] } }))).toBe('tag');
  });

  test('every publish rule holds for each record, with the publish reason', () => {
    const bad: [Partial<PublishMsg>, DecodeReason][] = [
      [{ tag: 'x'.repeat(DEFAULTS.maxTagBytes + 1) }, 'tag'],
      [{ tag: '€'.repeat(86) }, 'tag'], // 86 characters, 258 bytes
      [{ saltIndex: DEFAULTS.maxSalts }, 'salt'],
      [{ lifetimeMs: 0 }, 'lifetime'],
      [{ lifetimeMs: DEFAULTS.maxPointerLifetimeMs + 1 }, 'lifetime'],
      [{ pathLatency: -1 }, 'latency'],
      [{ pathLatency: NaN }, 'latency'],
      [{ pathLatency: Infinity }, 'latency'],
    ];
    for (const [o, reason] of bad) {
      for (const bits of [160, 256] as const) {
        // The bad record last, so the valid one before it does not stop the check.
        expect(reasonOf(enc(handOverOf([record(rng, bits), record(rng, bits, o, 6)])))).toBe(reason);
      }
    }
    // Invalid UTF-8 in a record's tag, rejected as in a publish; valid bytes in its place decode.
    const marked = enc(handOverOf([record(rng, 160), record(rng, 160, { tag: 'TAG!' }, 4)]));
    expect(reasonOf(patch(marked, 'TAG!', [0x80, 0x41, 0x41, 0x41]))).toBe('tag');
    expect(reasonOf(patch(marked, 'TAG!', [0xed, 0xa0, 0x80, 0x41]))).toBe('tag');
    const ok = decodeLocation(patch(marked, 'TAG!', [0xc3, 0xa9, 0x41, 0x41]));
    expect(ok.kind === 'handOver' && ok.handOver.pointers[1].tag).toBe('éAA');
  });

  test('an empty hand-over decodes (nothing to take over)', () => {
    expectLocation(decodeLocation(Uint8Array.from(lenField(6, []))), { kind: 'handOver', handOver: { pointers: [] } });
  });

  test('a record inside a hand-over has the bytes of the same record sent as a publish', () => {
    const p = (publish(rng, 160) as { publish: PublishMsg }).publish;
    const inHandOver = Buffer.from(enc({ kind: 'handOver', handOver: { pointers: [p] } }));
    const asPublish = Buffer.from(enc({ kind: 'publish', publish: p }));
    // One length-delimited field: its tag byte, then its length, then exactly that many bytes.
    const unwrap = (buf: Buffer, tag: number): Buffer => {
      expect(buf[0]).toBe(tag);
      let at = 1;
      let len = 0;
      for (let shift = 1; ; shift *= 128) {
        const byte = buf[at++];
        len += (byte & 0x7f) * shift;
        if (byte < 0x80) break;
      }
      expect(buf.length).toBe(at + len);
      return buf.subarray(at);
    };
    // Hand-over (field 6) holding one record (field 1) vs. publish (field 1): the same record bytes.
    expect(unwrap(unwrap(inHandOver, (6 << 3) | 2), (1 << 3) | 2).equals(unwrap(asPublish, (1 << 3) | 2))).toBe(true);
  });
});
