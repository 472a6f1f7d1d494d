import { DEFAULTS } from '../../defaults';
import { DecodeError, InvalidArgumentError, MessageTooLargeError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import type { Address } from '../../transport/types';
import {
  decodeFrame,
  encodeFrame,
  encodedFrameSize,
  FrameDecodeError,
  routeFrameOverhead,
  type DecodeReason,
} from '../../wire/codec';
import { WIRE_VERSION, type Frame, type NodeHandle, type RouteMsg } from '../../routing/messages';
import { decodeReason } from '../helpers/decodeReason';

// The oracle throughout is the input object: a decoded frame must say exactly what was encoded.

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function address(rng: SeededRng, family: 4 | 6, port = 1 + rng.int(65_535)): Address {
  return { family, ip: randomBytes(rng, family === 4 ? 4 : 16), port };
}

function handle(rng: SeededRng, bits: 160 | 256, family: 4 | 6): NodeHandle {
  return { guid: Guid.random(() => rng.int(256), bits), address: address(rng, family) };
}

function routeFrame(rng: SeededRng, bits: 160 | 256, overrides: Partial<RouteMsg> = {}): Frame {
  const route: RouteMsg = {
    source: handle(rng, bits, 6),
    dest: Guid.random(() => rng.int(256), bits),
    fuzzy: false,
    ttl: 64,
    hops: 3,
    level: 2,
    moduleId: 7,
    payload: randomBytes(rng, 120),
    ...overrides,
  };
  return { version: WIRE_VERSION, sender: handle(rng, bits, 4), messageId: rng.int(2 ** 32), body: { kind: 'route', route } };
}

function pingFrame(rng: SeededRng, nonce: number, kind: 'ping' | 'pong' = 'ping'): Frame {
  const body = kind === 'ping' ? { kind, ping: { nonce } } as const : { kind, pong: { nonce } } as const;
  return { version: WIRE_VERSION, sender: handle(rng, 160, 4), messageId: 1, body };
}

function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

function expectHandle(actual: NodeHandle, expected: NodeHandle): void {
  expect(actual.guid).toBeInstanceOf(Guid);
  expect(actual.guid.hex).toBe(expected.guid.hex);
  expectBytes(actual.guid.bytes, expected.guid.bytes);
  expect(actual.address.family).toBe(expected.address.family);
  expectBytes(actual.address.ip, expected.address.ip);
  expect(actual.address.port).toBe(expected.address.port);
}

function expectFrame(actual: Frame, expected: Frame): void {
  expect(actual.version).toBe(expected.version);
  expect(actual.messageId).toBe(expected.messageId);
  expectHandle(actual.sender, expected.sender);
  expect(actual.body.kind).toBe(expected.body.kind);
  if (expected.body.kind === 'route' && actual.body.kind === 'route') {
    const a = actual.body.route;
    const e = expected.body.route;
    expectHandle(a.source, e.source);
    expect(a.dest.hex).toBe(e.dest.hex);
    expect(a.fuzzy).toBe(e.fuzzy);
    expect(a.ttl).toBe(e.ttl);
    expect(a.hops).toBe(e.hops);
    expect(a.level).toBe(e.level);
    expect(a.moduleId).toBe(e.moduleId);
    expectBytes(a.payload, e.payload);
    if (e.fragment) {
      expect(a.fragment).toEqual({ messageId: e.fragment.messageId, index: e.fragment.index, count: e.fragment.count });
    } else {
      expect(a.fragment).toBeUndefined();
    }
  } else if (expected.body.kind === 'ping' && actual.body.kind === 'ping') {
    expect(actual.body.ping.nonce).toBe(expected.body.ping.nonce);
    expect(actual.body.ping.admission).toBe(expected.body.ping.admission);
  } else if (expected.body.kind === 'pong' && actual.body.kind === 'pong') {
    expect(actual.body.pong.nonce).toBe(expected.body.pong.nonce);
    expect(actual.body.pong.admitBelowUs).toBe(expected.body.pong.admitBelowUs);
  } else {
    throw new Error(`body kinds differ: ${actual.body.kind} vs ${expected.body.kind}`);
  }
}

function roundTrip(frame: Frame, idBytes?: 20 | 32): Frame {
  return decodeFrame(encodeFrame(frame), idBytes ? { idBytes } : undefined);
}

/** The reason decoding `bytes` fails with; fails the test if it decodes or throws anything else. */
function reasonOf(bytes: Uint8Array, idBytes?: 20 | 32): DecodeReason {
  return decodeReason(() => decodeFrame(bytes, idBytes ? { idBytes } : undefined));
}

/** Decodes and returns what happened; anything thrown that is not a DecodeError fails the test. */
function decodeOutcome(bytes: Uint8Array): 'ok' | DecodeReason {
  try {
    decodeFrame(bytes);
    return 'ok';
  } catch (err) {
    if (!(err instanceof FrameDecodeError)) throw err;
    return err.reason;
  }
}

describe('codec round trip', () => {
  const rng = new SeededRng(11);

  test.each([160, 256] as const)('route frames with %i-bit GUIDs, IPv4 and IPv6 handles', (bits) => {
    for (const [senderFamily, sourceFamily] of [[4, 4], [4, 6], [6, 4], [6, 6]] as const) {
      const frame = routeFrame(rng, bits);
      const withFamilies: Frame = {
        ...frame,
        sender: handle(rng, bits, senderFamily),
        body: { kind: 'route', route: { ...(frame.body as { route: RouteMsg }).route, source: handle(rng, bits, sourceFamily), fuzzy: true } },
      };
      expectFrame(roundTrip(withFamilies), withFamilies);
      expectFrame(roundTrip(withFamilies, bits === 160 ? 20 : 32), withFamilies);
    }
  });

  test('route frames at the edges of every limit', () => {
    const frame = routeFrame(rng, 160, {
      ttl: DEFAULTS.maxTtl,
      hops: DEFAULTS.maxTtl,
      level: 160,
      moduleId: 0xffff_ffff,
      payload: new Uint8Array(0),
    });
    expectFrame(roundTrip(frame), frame);
    const low = routeFrame(rng, 256, { ttl: 1, hops: 0, level: 0, moduleId: 0 });
    expectFrame(roundTrip({ ...low, messageId: 0xffff_ffff }), { ...low, messageId: 0xffff_ffff });
    for (const port of [1, 65_535]) {
      const f = { ...frame, sender: { guid: frame.sender.guid, address: address(rng, 6, port) } };
      expectFrame(roundTrip(f), f);
    }
  });

  test('fragments round-trip with their header', () => {
    const fragments = [
      { messageId: 0, index: 0, count: 2 },
      { messageId: 0xffff_ffff, index: 1, count: 2 },
      { messageId: 12345, index: DEFAULTS.maxFragments - 1, count: DEFAULTS.maxFragments },
    ];
    for (const fragment of fragments) {
      const frame = routeFrame(rng, 160, { fragment, payload: randomBytes(rng, 1000) });
      expectFrame(roundTrip(frame, 20), frame);
    }
  });

  test('ping and pong, including nonce 0 and the largest uint32', () => {
    for (const kind of ['ping', 'pong'] as const) {
      for (const nonce of [0, 1, 0x7fff_ffff, 0xffff_ffff]) {
        const frame = pingFrame(rng, nonce, kind);
        expectFrame(roundTrip(frame), frame);
      }
    }
    // The admission hint: absent is the zero that protobuf leaves off; every other uint32 comes back.
    for (const admitBelowUs of [undefined, 1, 25_000, 0xffff_ffff]) {
      const frame = pingFrame(rng, 9, 'pong');
      const withHint: Frame = { ...frame, body: { kind: 'pong', pong: admitBelowUs === undefined ? { nonce: 9 } : { nonce: 9, admitBelowUs } } };
      expectFrame(roundTrip(withHint), withHint);
    }
    // The ping's request for that hint: absent (false) is left off; true comes back.
    for (const admission of [undefined, true]) {
      const frame = pingFrame(rng, 9, 'ping');
      const asking: Frame = { ...frame, body: { kind: 'ping', ping: admission ? { nonce: 9, admission } : { nonce: 9 } } };
      expectFrame(roundTrip(asking), asking);
    }
    expect(encodeFrame({ ...pingFrame(rng, 9, 'ping'), body: { kind: 'ping', ping: { nonce: 9, admission: true } } }).length)
      .toBe(encodeFrame({ ...pingFrame(rng, 9, 'ping'), body: { kind: 'ping', ping: { nonce: 9 } } }).length + 2);
  });

  test('decodes a plain Uint8Array as well as a Buffer', () => {
    const frame = routeFrame(rng, 160);
    const encoded = encodeFrame(frame);
    expectFrame(decodeFrame(new Uint8Array(encoded)), frame);
    // A frame at an offset inside a larger buffer, as a receive path may hand it over.
    const big = new Uint8Array(encoded.length + 10);
    big.set(encoded, 5);
    expectFrame(decodeFrame(big.subarray(5, 5 + encoded.length)), frame);
  });

  test('decoded bytes never alias the datagram', () => {
    const frame = routeFrame(rng, 160, { fragment: { messageId: 3, index: 0, count: 2 } });
    const datagram = new Uint8Array(encodeFrame(frame));
    const decoded = decodeFrame(datagram);
    datagram.fill(0xff);
    expectFrame(decoded, frame);
    const route = (decoded.body as { route: RouteMsg }).route;
    for (const bytes of [route.payload, route.dest.bytes, route.source.guid.bytes, route.source.address.ip, decoded.sender.guid.bytes, decoded.sender.address.ip]) {
      expect(bytes.buffer).not.toBe(datagram.buffer);
    }
  });

  test('encodedFrameSize is the encoded length', () => {
    for (let i = 0; i < 50; i++) {
      const frame = routeFrame(rng, i % 2 ? 160 : 256, { payload: randomBytes(rng, rng.int(3000)) });
      expect(encodedFrameSize(frame)).toBe(encodeFrame(frame).length);
    }
    const ping = pingFrame(rng, 42);
    expect(encodedFrameSize(ping)).toBe(encodeFrame(ping).length);
  });

  test('routeFrameOverhead bounds a fragment frame at any hop, within a few bytes', () => {
    for (let i = 0; i < 300; i++) {
      const bits = i % 2 ? 160 : 256;
      const ttl = 1 + rng.int(DEFAULTS.maxTtl);
      const base = (routeFrame(rng, bits, { ttl, hops: 0, level: 0, moduleId: rng.int(2 ** 32) }).body as { route: RouteMsg }).route;
      const overhead = routeFrameOverhead(base);
      const payloadBytes = 1 + rng.int(60_000);
      // The largest this route's frame can get at any hop: an IPv6 sender on the highest port, every
      // varint that changes on the way at its widest.
      const worst: Frame = {
        version: WIRE_VERSION,
        sender: { guid: base.dest, address: address(rng, 6, 65_535) },
        messageId: 0xffff_ffff,
        body: {
          kind: 'route',
          route: {
            ...base,
            hops: ttl,
            level: bits,
            payload: new Uint8Array(payloadBytes),
            fragment: { messageId: 0xffff_ffff, index: DEFAULTS.maxFragments - 1, count: DEFAULTS.maxFragments },
            ackWanted: true,
            routeId: 0xffff_ffff,
          },
        },
      };
      const size = encodedFrameSize(worst);
      expect(size).toBeLessThanOrEqual(overhead + payloadBytes);
      expect(overhead + payloadBytes - size).toBeLessThanOrEqual(4);
    }
  });

  test('encodeFrame refuses a frame larger than a datagram', () => {
    const frame = routeFrame(rng, 160, { payload: new Uint8Array(DEFAULTS.maxDatagramBytes) });
    expect(() => encodeFrame(frame)).toThrow(MessageTooLargeError);
  });

  test('decodeFrame rejects an idBytes option other than 20 or 32', () => {
    const bytes = encodeFrame(pingFrame(rng, 1));
    expect(() => decodeFrame(bytes, { idBytes: 16 as unknown as 20 })).toThrow(InvalidArgumentError);
  });
});

describe('codec rejects malformed frames with a reason', () => {
  const rng = new SeededRng(23);
  const route = (overrides: Partial<RouteMsg>) => encodeFrame(routeFrame(rng, 160, overrides));
  const fakeGuid = (n: number) => ({ bytes: new Uint8Array(n) }) as unknown as Guid;
  const withSender = (sender: NodeHandle) => encodeFrame({ ...pingFrame(rng, 5), sender });
  // A ping frame with nonce 0 ends with its body field: tag 11/length-delimited (0x5a), length 0.
  const pingWithoutBody = () => {
    const bytes = encodeFrame(pingFrame(rng, 0));
    expect(Array.from(bytes.subarray(bytes.length - 2))).toEqual([0x5a, 0x00]);
    return bytes.subarray(0, bytes.length - 2);
  };
  const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

  test('tooLarge: a datagram above maxDatagramBytes', () => {
    expect(reasonOf(new Uint8Array(DEFAULTS.maxDatagramBytes + 1))).toBe('tooLarge');
  });

  test('protobuf: garbage, wrong wire types, overlong lengths, nesting past the limit', () => {
    expect(reasonOf(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('protobuf');
    expect(reasonOf(Uint8Array.from([0x12, 0x05, 0x01]))).toBe('protobuf'); // sender longer than the datagram
    expect(reasonOf(Uint8Array.from([0x0a]))).toBe('protobuf'); // version with a length-delimited wire type, cut off
    expect(reasonOf(new Uint8Array(300).fill(0x0b))).toBe('protobuf'); // 300 nested start-groups
    expect(reasonOf(Uint8Array.from([0x0c]))).toBe('protobuf'); // an end-group with no start
  });

  test('version: another wire version, or none (an empty datagram)', () => {
    expect(reasonOf(encodeFrame({ ...pingFrame(rng, 1), version: WIRE_VERSION + 1 }))).toBe('version');
    expect(reasonOf(encodeFrame({ ...pingFrame(rng, 1), version: 0 }))).toBe('version');
    expect(reasonOf(new Uint8Array(0))).toBe('version');
  });

  test('missing: no sender, or a route without a source', () => {
    // version 1, message id 7, an empty ping: no sender field at all.
    expect(reasonOf(Uint8Array.from([0x08, 0x01, 0x18, 0x07, 0x5a, 0x00]))).toBe('missing');
    // A route body (field 10, 0x52) holding only ttl = 5 (field 4, 0x20).
    expect(reasonOf(concat(pingWithoutBody(), [0x52, 0x02, 0x20, 0x05]))).toBe('missing');
  });

  test('emptyBody: no body, or only a kind this version does not know', () => {
    expect(reasonOf(pingWithoutBody())).toBe('emptyBody');
    // Field 50, length-delimited (tag varint 0x92 0x03), empty: skipped as unknown.
    expect(reasonOf(concat(pingWithoutBody(), [0x92, 0x03, 0x00]))).toBe('emptyBody');
  });

  test('guid: wrong width anywhere, widths mixed in one frame, or not the configured width', () => {
    const sender = handle(rng, 160, 4);
    expect(reasonOf(withSender({ ...sender, guid: fakeGuid(19) }))).toBe('guid');
    expect(reasonOf(withSender({ ...sender, guid: fakeGuid(0) }))).toBe('guid');
    expect(reasonOf(withSender({ ...sender, guid: fakeGuid(33) }))).toBe('guid');
    expect(reasonOf(route({ dest: fakeGuid(21) }))).toBe('guid');
    expect(reasonOf(route({ dest: Guid.random(() => 1, 256) }))).toBe('guid');
    expect(reasonOf(route({ source: handle(rng, 256, 4) }))).toBe('guid');
    expect(reasonOf(encodeFrame(pingFrame(rng, 1)), 32)).toBe('guid');
    expect(reasonOf(encodeFrame(routeFrame(rng, 256)), 20)).toBe('guid');
  });

  test('address: bad family, ip length or port, on the sender and on a route source', () => {
    const good = handle(rng, 160, 4);
    const bad: Address[] = [
      { family: 5 as 4, ip: new Uint8Array(4), port: 80 },
      { family: 4, ip: new Uint8Array(16), port: 80 },
      { family: 6, ip: new Uint8Array(4), port: 80 },
      { family: 4, ip: new Uint8Array(0), port: 80 },
      { family: 4, ip: new Uint8Array(4), port: 0 },
      { family: 6, ip: new Uint8Array(16), port: 65_536 },
    ];
    for (const a of bad) {
      expect(reasonOf(withSender({ guid: good.guid, address: a }))).toBe('address');
      expect(reasonOf(route({ source: { guid: good.guid, address: a } }))).toBe('address');
    }
    // Family 0 is proto3's unset value: an absent family is no family.
    expect(reasonOf(withSender({ guid: good.guid, address: { family: 0 as 4, ip: new Uint8Array(4), port: 80 } }))).toBe('address');
  });

  test('ttl: 0 or above maxTtl', () => {
    expect(reasonOf(route({ ttl: 0, hops: 0 }))).toBe('ttl');
    expect(reasonOf(route({ ttl: DEFAULTS.maxTtl + 1, hops: 0 }))).toBe('ttl');
    expect(reasonOf(route({ ttl: 0xffff_ffff, hops: 0 }))).toBe('ttl');
  });

  test('hops: more than ttl', () => {
    expect(reasonOf(route({ ttl: 5, hops: 6 }))).toBe('hops');
  });

  test('level: beyond the last digit', () => {
    expect(reasonOf(route({ level: 161 }))).toBe('level');
    expect(reasonOf(route({ level: 0xffff_ffff }))).toBe('level');
  });

  test('fragment: count below 2 or above maxFragments, index not below count', () => {
    const cases = [
      { messageId: 1, index: 0, count: 0 },
      { messageId: 1, index: 0, count: 1 },
      { messageId: 1, index: 0, count: DEFAULTS.maxFragments + 1 },
      { messageId: 1, index: 2, count: 2 },
      { messageId: 1, index: 0xffff_ffff, count: 4 },
    ];
    for (const fragment of cases) expect(reasonOf(route({ fragment }))).toBe('fragment');
  });
});

describe('codec under hostile input', () => {
  test('every truncation of a valid frame throws DecodeError or decodes; nothing else', () => {
    const rng = new SeededRng(5);
    const frames = [
      routeFrame(rng, 160, { fragment: { messageId: 9, index: 1, count: 3 } }),
      routeFrame(rng, 256),
      pingFrame(rng, 0xdead_beef),
      pingFrame(rng, 7, 'pong'),
    ];
    const outcomes: Record<string, number> = {};
    for (const frame of frames) {
      const bytes = encodeFrame(frame);
      for (let n = 0; n < bytes.length; n++) {
        const outcome = decodeOutcome(bytes.slice(0, n));
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }
    expect(outcomes.protobuf).toBeGreaterThan(0);
  });

  test('20,000 random byte strings only ever throw DecodeError', () => {
    const rng = new SeededRng(2024);
    const outcomes: Record<string, number> = {};
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = randomBytes(rng, rng.int(200));
      const outcome = decodeOutcome(bytes);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ok') {
        // What random bytes decode to is a valid frame: it survives a round trip unchanged.
        const frame = decodeFrame(bytes);
        expectFrame(decodeFrame(encodeFrame(frame)), frame);
        decoded++;
      }
    }
    // Every string was classified: a frame or a named reason.
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(decoded).toBe(outcomes.ok ?? 0);
    // Most random strings are not protobuf at all; some get past protobuf into the field checks.
    expect(outcomes.protobuf).toBeGreaterThan(10_000);
    expect(Object.keys(outcomes).filter((k) => k !== 'protobuf' && k !== 'ok').length).toBeGreaterThan(0);
  });

  test('20,000 random mutations of valid frames only ever throw DecodeError', () => {
    const rng = new SeededRng(77);
    const valid = [routeFrame(rng, 160, { fragment: { messageId: 2, index: 0, count: 2 } }), routeFrame(rng, 256), pingFrame(rng, 3)].map((f) =>
      encodeFrame(f),
    );
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from(valid[rng.int(valid.length)]);
      const edits = 1 + rng.int(4);
      for (let e = 0; e < edits; e++) bytes[rng.int(bytes.length)] = rng.int(256);
      const outcome = decodeOutcome(bytes);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    // Mutations reach past the protobuf layer into the field checks.
    expect(Object.keys(outcomes).length).toBeGreaterThan(3);
  });
});
