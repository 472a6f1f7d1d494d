import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import type { Address } from '../../transport/types';
import { FrameDecodeError, type DecodeReason } from '../../wire/codec';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import { decodeMembership, encodeMembership } from '../../wire/membershipCodec';
import type { Adopt, JoinMulticast, JoinMulticastAck, JoinReply, JoinRequest, LeaveNotice, MembershipMsg, NeighbourReply, NeighbourRequest } from '../../membership/messages';
import type { NodeHandle } from '../../routing/messages';
import { decodeReason } from '../helpers/decodeReason';
import { hostileInputTests } from '../helpers/hostileInput';
import { lenField, outcomeOf, varint, varintField, BAD_ADDRESSES } from '../helpers/codecTesting';

// The oracle throughout is the input object: a decoded message must say exactly what was encoded.

type Bits = 160 | 256;
type Family = 4 | 6;
type Kind = MembershipMsg['kind'];
const KINDS: readonly Kind[] = [
  'joinRequest',
  'multicast',
  'multicastAck',
  'joinReply',
  'neighbourRequest',
  'neighbourReply',
  'adopt',
  'leave',
  'candidates',
];
/** The kinds that carry at least one GUID (and so a width) when built by sample(). */
const KINDS_WITH_GUIDS = KINDS.filter((k) => k !== 'neighbourRequest' && k !== 'adopt');
/**
 * The kinds that carry a handle after their first one (a list of nodes, a replacement), written out
 * from messages.proto so the cases that ran can be counted against it.
 */
const KINDS_WITH_A_LATER_HANDLE: readonly Kind[] = ['multicastAck', 'joinReply', 'neighbourReply', 'leave', 'candidates'];

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function guid(rng: SeededRng, bits: Bits): Guid {
  return Guid.random(() => rng.int(256), bits);
}

function address(rng: SeededRng, family: Family, port = 1 + rng.int(65_535)): Address {
  return { family, ip: randomBytes(rng, family === 4 ? 4 : 16), port };
}

function handle(rng: SeededRng, bits: Bits, family: Family = rng.int(2) ? 4 : 6): NodeHandle {
  return { guid: guid(rng, bits), address: address(rng, family) };
}

function handles(rng: SeededRng, bits: Bits, n: number, family?: Family): NodeHandle[] {
  return Array.from({ length: n }, () => handle(rng, bits, family));
}

function joinRequest(rng: SeededRng, bits: Bits, o: Partial<JoinRequest> = {}, family?: Family): MembershipMsg {
  return { kind: 'joinRequest', joinRequest: { joining: handle(rng, bits, family), joinId: 11, ...o } };
}

function multicast(rng: SeededRng, bits: Bits, o: Partial<JoinMulticast> = {}, family?: Family): MembershipMsg {
  const msg: JoinMulticast = { joining: handle(rng, bits, family), joinId: 12, level: 3, multicastId: 13, holes: [0, 17, 3 * 16 + 5], ...o };
  return { kind: 'multicast', multicast: msg };
}

function multicastAck(rng: SeededRng, bits: Bits, o: Partial<JoinMulticastAck> = {}, family?: Family): MembershipMsg {
  return { kind: 'multicastAck', multicastAck: { multicastId: 14, reached: handles(rng, bits, 3, family), ...o } };
}

function joinReply(rng: SeededRng, bits: Bits, o: Partial<JoinReply> = {}, family?: Family): MembershipMsg {
  const msg: JoinReply = { joinId: 15, surrogate: handle(rng, bits, family), level: 4, neighbours: handles(rng, bits, 4, family), ...o };
  return { kind: 'joinReply', joinReply: msg };
}

function neighbourRequest(o: Partial<NeighbourRequest> = {}): MembershipMsg {
  return { kind: 'neighbourRequest', neighbourRequest: { requestId: 16, level: 5, ...o } };
}

function neighbourReply(rng: SeededRng, bits: Bits, o: Partial<NeighbourReply> = {}, family?: Family): MembershipMsg {
  return { kind: 'neighbourReply', neighbourReply: { requestId: 17, level: 5, nodes: handles(rng, bits, 5, family), ...o } };
}

function adopt(o: Partial<Adopt> = {}): MembershipMsg {
  return { kind: 'adopt', adopt: { rttMs: 23.5, listsYou: true, ...o } };
}

function leave(rng: SeededRng, bits: Bits, o: Partial<LeaveNotice> = {}, family?: Family): MembershipMsg {
  return { kind: 'leave', leave: { leaving: handle(rng, bits, family), replacement: handle(rng, bits, family), ...o } };
}

function sample(rng: SeededRng, kind: Kind, bits: Bits, family?: Family): MembershipMsg {
  switch (kind) {
    case 'joinRequest':
      return joinRequest(rng, bits, {}, family);
    case 'multicast':
      return multicast(rng, bits, {}, family);
    case 'multicastAck':
      return multicastAck(rng, bits, {}, family);
    case 'joinReply':
      return joinReply(rng, bits, {}, family);
    case 'neighbourRequest':
      return neighbourRequest();
    case 'neighbourReply':
      return neighbourReply(rng, bits, {}, family);
    case 'adopt':
      return adopt();
    case 'leave':
      return leave(rng, bits, {}, family);
    case 'candidates':
      return { kind: 'candidates', candidates: { nodes: handles(rng, bits, 3, family) } };
    case 'neighbourRetry':
      return { kind: 'neighbourRetry', neighbourRetry: { requestId: 7, cookie: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) } };
  }
}

/**
 * A comparable picture of a message: GUIDs and byte arrays are checked for their class on the way, and
 * every key is kept (an optional field left out must stay left out, so toStrictEqual compares keys).
 */
function shape(x: unknown): unknown {
  if (x instanceof Guid) return { guid: x.hex, bits: x.bits };
  if (x instanceof Uint8Array) return { bytes: Array.from(x) };
  if (Array.isArray(x)) return x.map(shape);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]));
  return x;
}

function expectMembership(actual: MembershipMsg, expected: MembershipMsg): void {
  expect(shape(actual)).toStrictEqual(shape(expected));
}

/** Every byte array a decoded message holds, to check none shares the input's memory. */
function bytesHeld(x: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (x instanceof Guid) out.push(x.bytes);
  else if (x instanceof Uint8Array) out.push(x);
  else if (Array.isArray(x)) for (const v of x) bytesHeld(v, out);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) bytesHeld(v, out);
  return out;
}

function roundTrip(msg: MembershipMsg, idBytes?: 20 | 32): MembershipMsg {
  return decodeMembership(encodeMembership(msg), idBytes ? { idBytes } : undefined);
}

/** The reason decoding `bytes` fails with; fails the test if it decodes or throws anything else. */
function reasonOf(bytes: Uint8Array, idBytes?: 20 | 32): DecodeReason {
  return decodeReason(() => decodeMembership(bytes, idBytes ? { idBytes } : undefined));
}

const decodeOutcome = outcomeOf(decodeMembership, encodeMembership);
/** A NodeHandle's fields: IPv4 127.0.0.1:4000 with the given GUID bytes. */
const rawHandle = (g: ArrayLike<number>) => [...lenField(1, g), ...varintField(2, 1), ...lenField(3, [127, 0, 0, 1]), ...varintField(4, 4000)];

describe('membership codec round trip', () => {
  const rng = new SeededRng(51);

  const cases = KINDS.flatMap((kind) => ([160, 256] as const).map((bits) => [kind, bits] as const));
  test.each(cases)('%s with %i-bit GUIDs, IPv4 and IPv6 handles', (kind, bits) => {
    for (const family of [4, 6] as const) {
      const msg = sample(rng, kind, bits, family);
      expectMembership(roundTrip(msg), msg);
      expectMembership(roundTrip(msg, bits === 160 ? 20 : 32), msg);
    }
  });

  test('every list and number at the edges of its limit', () => {
    for (const bits of [160, 256] as const) {
      const idBytes = (bits / 8) as 20 | 32;
      const holeBound = idBytes * 8 * 256;
      const msgs: MembershipMsg[] = [
        joinRequest(rng, bits, { joinId: 0 }),
        joinRequest(rng, bits, { joinId: 0xffff_ffff }),
        multicast(rng, bits, { joinId: 0, level: 0, multicastId: 0, holes: [] }),
        multicast(rng, bits, {
          joinId: 0xffff_ffff,
          level: bits,
          multicastId: 0xffff_ffff,
          holes: Array.from({ length: DEFAULTS.maxJoinHoles }, (_, i) => (i === 0 ? holeBound - 1 : rng.int(holeBound))),
        }),
        multicastAck(rng, bits, { multicastId: 0, reached: [] }),
        multicastAck(rng, bits, { multicastId: 0xffff_ffff, reached: handles(rng, bits, DEFAULTS.maxJoinReached) }),
        joinReply(rng, bits, { joinId: 0, level: 0, neighbours: [] }),
        joinReply(rng, bits, { joinId: 0xffff_ffff, level: bits, neighbours: handles(rng, bits, DEFAULTS.maxJoinReached) }),
        neighbourRequest({ requestId: 0, level: 0 }),
        neighbourRequest({ requestId: 0xffff_ffff, level: bits }),
        neighbourRequest({ requestId: 7, level: 0, leafSet: true }),
        neighbourRequest({ requestId: 8, level: 1, perSlot: 1, slots: 1 << 5 }),
        neighbourRequest({ requestId: 9, level: bits - 1, slots: 0xffff_ffff }),
        neighbourReply(rng, bits, { requestId: 0, level: 0, nodes: [] }),
        neighbourReply(rng, bits, { requestId: 0xffff_ffff, level: bits, nodes: handles(rng, bits, DEFAULTS.maxNeighbourReply) }),
        { kind: 'leave', leave: { leaving: handle(rng, bits) } },
      ];
      for (const msg of msgs) {
        expectMembership(roundTrip(msg), msg);
        expectMembership(roundTrip(msg, idBytes), msg);
      }
    }
    for (const rttMs of [0, Number.MIN_VALUE, 0.1 + 0.2, 1e9, Number.MAX_VALUE]) {
      for (const listsYou of [false, true]) {
        const msg = adopt({ rttMs, listsYou });
        expectMembership(roundTrip(msg), msg);
      }
    }
    for (const flags of [{ answer: true }, { expectListed: true }, { answer: true, expectListed: true }] as const) {
      const msg = adopt({ rttMs: 3, ...flags });
      expectMembership(roundTrip(msg), msg);
    }
    for (const port of [1, 65_535]) {
      const msg = joinRequest(rng, 160, { joining: { guid: guid(rng, 160), address: address(rng, 6, port) } });
      expectMembership(roundTrip(msg), msg);
    }
  });

  test('a neighbour request without slots keeps the bytes it always had; slots add one field', () => {
    const plain = neighbourRequest({ requestId: 3, level: 2, perSlot: 1 });
    const zero = neighbourRequest({ requestId: 3, level: 2, perSlot: 1, slots: 0 });
    const some = neighbourRequest({ requestId: 3, level: 2, perSlot: 1, slots: 0b1010 });
    expect(Buffer.from(encodeMembership(zero))).toEqual(Buffer.from(encodeMembership(plain)));
    // Field 5, varint: tag 0x28 then 10; the message sits one length-prefixed level down.
    expect(encodeMembership(some).length).toBe(encodeMembership(plain).length + 2);
    expect(roundTrip(zero)).toEqual(plain);
  });

  test('a leave without a replacement decodes with no replacement key', () => {
    const msg: MembershipMsg = { kind: 'leave', leave: { leaving: handle(rng, 160) } };
    const decoded = roundTrip(msg);
    expect(decoded.kind === 'leave' && 'replacement' in decoded.leave).toBe(false);
    expectMembership(decoded, msg);
  });

  test('decodes a plain Uint8Array, a Buffer and a view at an offset', () => {
    const msg = joinReply(rng, 160);
    const encoded = encodeMembership(msg);
    expectMembership(decodeMembership(new Uint8Array(encoded)), msg);
    expectMembership(decodeMembership(Buffer.from(encoded)), msg);
    // A payload inside a larger buffer, as a reassembled route may hand it over.
    const big = new Uint8Array(encoded.length + 10).fill(0xee);
    big.set(encoded, 5);
    expectMembership(decodeMembership(big.subarray(5, 5 + encoded.length)), msg);
  });

  test('decoded messages never alias the input buffer', () => {
    for (const kind of KINDS) {
      for (const bits of [160, 256] as const) {
        const msg = sample(rng, kind, bits);
        const input = new Uint8Array(encodeMembership(msg));
        const decoded = decodeMembership(input);
        input.fill(0xff);
        expectMembership(decoded, msg);
        for (const bytes of bytesHeld(decoded)) expect(bytes.buffer).not.toBe(input.buffer);
      }
    }
  });

  test('encoding leaves the input message untouched and is repeatable', () => {
    for (const kind of KINDS) {
      const msg = sample(rng, kind, 256);
      const before = shape(msg);
      const first = encodeMembership(msg);
      expect(Array.from(encodeMembership(msg))).toEqual(Array.from(first));
      expect(shape(msg)).toStrictEqual(before);
      expectMembership(decodeMembership(first), msg);
    }
  });

  test('a second body on the wire replaces the first, as proto3 specifies for a oneof', () => {
    const first = joinRequest(rng, 160);
    const second = adopt({ rttMs: 7 });
    const both = Uint8Array.from([...encodeMembership(first), ...encodeMembership(second)]);
    expectMembership(decodeMembership(both), second);
  });

  test('decodeMembership rejects an idBytes option other than 20 or 32', () => {
    const bytes = encodeMembership(adopt());
    expect(() => decodeMembership(bytes, { idBytes: 16 as unknown as 20 })).toThrow(InvalidArgumentError);
  });
});

describe('membership codec rejects malformed messages with a reason', () => {
  const rng = new SeededRng(53);
  const fakeGuid = (n: number) => ({ bytes: new Uint8Array(n) }) as unknown as Guid;
  const fakeHandle = (n: number): NodeHandle => ({ guid: fakeGuid(n), address: address(rng, 4) });
  const enc = (msg: MembershipMsg) => encodeMembership(msg);
  const guid20 = () => Array.from(guid(rng, 160).bytes);

  /** `sample` with `h` in one handle position of each kind that has handles, and everything else valid. */
  function withHandle(kind: Kind, bits: Bits, h: NodeHandle, where: 'first' | 'later'): MembershipMsg | undefined {
    const others = (n: number) => (where === 'first' ? [h, ...handles(rng, bits, n - 1)] : [...handles(rng, bits, n - 1), h]);
    switch (kind) {
      case 'joinRequest':
        return where === 'first' ? joinRequest(rng, bits, { joining: h }) : undefined;
      case 'multicast':
        return where === 'first' ? multicast(rng, bits, { joining: h }) : undefined;
      case 'multicastAck':
        return multicastAck(rng, bits, { reached: others(3) });
      case 'joinReply':
        return where === 'first' ? joinReply(rng, bits, { surrogate: h }) : joinReply(rng, bits, { neighbours: others(3) });
      case 'neighbourReply':
        return neighbourReply(rng, bits, { nodes: others(3) });
      case 'leave':
        return where === 'first' ? leave(rng, bits, { leaving: h }) : leave(rng, bits, { replacement: h });
      case 'candidates':
        return { kind: 'candidates', candidates: { nodes: others(3) } };
      default:
        return undefined;
    }
  }

  test('tooLarge: more than maxMessageBytes', () => {
    expect(reasonOf(new Uint8Array(DEFAULTS.maxMessageBytes + 1))).toBe('tooLarge');
  });

  test('protobuf: garbage, overlong lengths, truncated fields, nesting past the limit', () => {
    expect(reasonOf(new Uint8Array(11).fill(0xff))).toBe('protobuf');
    expect(reasonOf(Uint8Array.from([0x0a, 0x05, 0x01]))).toBe('protobuf'); // join request longer than the input
    expect(reasonOf(Uint8Array.from([0x4a]))).toBe('protobuf'); // field 9's tag (reserved), cut off
    expect(reasonOf(new Uint8Array(300).fill(0x0b))).toBe('protobuf'); // 300 nested start-groups
    // An adopt's rttMs (a double, field 1) with only 3 of its 8 bytes.
    expect(reasonOf(Uint8Array.from(lenField(7, [0x09, 1, 2, 3])))).toBe('protobuf');
    // Packed holes whose last varint runs past the end of its field.
    expect(reasonOf(Uint8Array.from(lenField(2, [...lenField(1, rawHandle(guid20())), ...lenField(5, [0x01, 0x80])])))).toBe('protobuf');
  });

  test('emptyBody: no body, or only a kind this version does not know', () => {
    expect(reasonOf(new Uint8Array(0))).toBe('emptyBody');
    expect(reasonOf(Uint8Array.from(lenField(11, [])))).toBe('emptyBody'); // field 11 (the first unused), skipped as unknown
    expect(reasonOf(Uint8Array.from(lenField(99, [1, 2, 3])))).toBe('emptyBody');
    // protobufjs skips a known field of the wrong wire type as it skips an unknown one: here a join
    // request sent as a varint.
    expect(reasonOf(Uint8Array.from([0x08, 0x01]))).toBe('emptyBody');
  });

  test('missing: a join request, multicast, join reply or leave without its handle', () => {
    expect(reasonOf(Uint8Array.from(lenField(1, varintField(2, 7))))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(1, [])))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(2, varintField(3, 1))))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(4, [...varintField(1, 7), ...lenField(4, rawHandle(guid20()))])))).toBe('missing');
    expect(reasonOf(Uint8Array.from(lenField(8, [])))).toBe('missing');
    // A replacement alone is not a leave notice.
    expect(reasonOf(Uint8Array.from(lenField(8, lenField(2, rawHandle(guid20())))))).toBe('missing');
  });

  test('the raw handle the malformed cases use is itself valid', () => {
    const ok = decodeMembership(Uint8Array.from(lenField(1, lenField(1, rawHandle(guid20())))));
    expect(ok.kind === 'joinRequest' && ok.joinRequest.joining.address.port).toBe(4000);
    // An empty multicast acknowledgement is a valid, empty message.
    expect(decodeMembership(Uint8Array.from(lenField(3, []))).kind).toBe('multicastAck');
  });

  test('field 9 is reserved: the pointer hand-over it carried is location\'s now, so membership skips it', () => {
    // Field 9 was the pointer hand-over, now LocationMsg field 6: a membership message carrying only
    // it has no body, whether the field is empty, holds an empty record, or holds a real hand-over.
    expect(reasonOf(Uint8Array.from(lenField(9, [])))).toBe('emptyBody');
    expect(reasonOf(Uint8Array.from(lenField(9, lenField(1, []))))).toBe('emptyBody');
    // The bytes of a valid hand-over, taken from the location codec (LocationMsg field 6: one tag
    // byte, then a one-byte length for this size) and sent as membership field 9.
    const p = {
      object: guid(rng, 160), server: handle(rng, 160), tag: 'video/mp4', saltIndex: 1, sequence: 42,
      lifetimeMs: DEFAULTS.pointerLifetimeMs, pathLatency: 12.75, extra: false,
    };
    const asLocation = encodeLocation({ kind: 'handOver', handOver: { pointers: [p] } });
    expect(asLocation[0]).toBe((6 << 3) | 2);
    expect(asLocation[1]).toBe(asLocation.length - 2);
    const handOverBody = asLocation.subarray(2);
    const asLocationAgain = decodeLocation(Uint8Array.from(lenField(6, handOverBody)));
    expect(asLocationAgain.kind === 'handOver' && asLocationAgain.handOver.pointers.map((x) => x.object.hex)).toEqual([p.object.hex]);
    expect(reasonOf(Uint8Array.from(lenField(9, handOverBody)))).toBe('emptyBody');
    // Beside a body, field 9 is skipped as any unknown field is: the body decodes as sent, either order.
    const msg = joinRequest(rng, 160);
    expectMembership(decodeMembership(Uint8Array.from([...encodeMembership(msg), ...lenField(9, handOverBody)])), msg);
    expectMembership(decodeMembership(Uint8Array.from([...lenField(9, handOverBody), ...encodeMembership(msg)])), msg);
  });

  test('guid: a handle GUID of a width that is neither 20 nor 32', () => {
    for (const n of [0, 19, 21, 31, 33]) {
      for (const kind of KINDS_WITH_GUIDS) {
        for (const bits of [160, 256] as const) {
          expect(reasonOf(enc(withHandle(kind, bits, fakeHandle(n), 'first')!))).toBe('guid');
        }
      }
    }
    // An empty handle in a list.
    expect(reasonOf(Uint8Array.from(lenField(3, lenField(2, []))))).toBe('guid');
  });

  test('guid: widths mixed in one message', () => {
    let ran = 0;
    for (const [bits, other] of [
      [160, 256],
      [256, 160],
    ] as const) {
      for (const kind of KINDS_WITH_GUIDS) {
        const msg = withHandle(kind, bits, handle(rng, other), 'later');
        if (msg) {
          expect(reasonOf(enc(msg))).toBe('guid');
          ran++;
        }
      }
    }
    // Both widths, once for every kind that carries a handle after its first.
    expect(ran).toBe(2 * KINDS_WITH_A_LATER_HANDLE.length);
  });

  test('guid: consistent in itself, but not this node\'s id space', () => {
    for (const kind of KINDS_WITH_GUIDS) {
      expect(reasonOf(enc(sample(rng, kind, 160)), 32)).toBe('guid');
      expect(reasonOf(enc(sample(rng, kind, 256)), 20)).toBe('guid');
    }
  });

  test('address: bad family, ip length or port on every handle', () => {
    const bad = BAD_ADDRESSES;
    let ran = 0;
    for (const a of bad) {
      for (const kind of KINDS_WITH_GUIDS) {
        for (const where of ['first', 'later'] as const) {
          const msg = withHandle(kind, 160, { guid: guid(rng, 160), address: a }, where);
          if (msg) {
            expect(reasonOf(enc(msg))).toBe('address');
            ran++;
          }
        }
      }
    }
    // Every bad address as the first handle of every kind with GUIDs, and as a later one where a kind has one.
    expect(ran).toBe(bad.length * (KINDS_WITH_GUIDS.length + KINDS_WITH_A_LATER_HANDLE.length));
  });

  test('level: beyond the last digit of the id width', () => {
    for (const bits of [160, 256] as const) {
      const idBytes = (bits / 8) as 20 | 32;
      for (const level of [bits + 1, 0xffff_ffff]) {
        expect(reasonOf(enc(multicast(rng, bits, { level })))).toBe('level');
        expect(reasonOf(enc(joinReply(rng, bits, { level })))).toBe('level');
        expect(reasonOf(enc(neighbourReply(rng, bits, { level })))).toBe('level');
        expect(reasonOf(enc(neighbourRequest({ level })), idBytes)).toBe('level');
      }
    }
    // The nodes after the level still set the width: 161 levels is too deep for 160-bit GUIDs.
    expect(reasonOf(enc(neighbourReply(rng, 160, { level: 161 })))).toBe('level');
    // With no GUID and no configured width, only the widest id space bounds the level.
    expect(decodeMembership(enc(neighbourRequest({ level: 256 }))).kind).toBe('neighbourRequest');
    expect(decodeMembership(enc(neighbourReply(rng, 160, { level: 200, nodes: [] }))).kind).toBe('neighbourReply');
    expect(reasonOf(enc(neighbourRequest({ level: 257 })))).toBe('level');
    expect(reasonOf(enc(neighbourReply(rng, 160, { level: 257, nodes: [] })))).toBe('level');
  });

  test('count: every list one over its bound', () => {
    for (const bits of [160, 256] as const) {
      expect(reasonOf(enc(multicast(rng, bits, { holes: new Array<number>(DEFAULTS.maxJoinHoles + 1).fill(1) })))).toBe('count');
      expect(reasonOf(enc(multicastAck(rng, bits, { reached: handles(rng, bits, DEFAULTS.maxJoinReached + 1) })))).toBe('count');
      expect(reasonOf(enc(joinReply(rng, bits, { neighbours: handles(rng, bits, DEFAULTS.maxJoinReached + 1) })))).toBe('count');
      expect(reasonOf(enc(neighbourReply(rng, bits, { nodes: handles(rng, bits, DEFAULTS.maxNeighbourReply + 1) })))).toBe('count');
    }
  });

  test('hole: a hole at or beyond bit count × 256', () => {
    for (const bits of [160, 256] as const) {
      for (const hole of [bits * 256, bits * 256 + 1, 0xffff_ffff]) {
        expect(reasonOf(enc(multicast(rng, bits, { holes: [1, 2, hole] })))).toBe('hole');
      }
    }
    // The bound follows the message's width: a hole a 256-bit table may have is too far for 160 bits.
    expect(decodeMembership(enc(multicast(rng, 256, { holes: [160 * 256] }))).kind).toBe('multicast');
    expect(reasonOf(enc(multicast(rng, 160, { holes: [160 * 256] })))).toBe('hole');
  });

  test('rtt: negative, NaN or infinite rttMs', () => {
    for (const rttMs of [-1, -Number.MIN_VALUE, -Infinity, Infinity, NaN]) {
      expect(reasonOf(enc(adopt({ rttMs })))).toBe('rtt');
    }
  });
});

hostileInputTests('membership codec', [57, 2026, 59], (rng) =>
  KINDS.flatMap((kind) => [encodeMembership(sample(rng, kind, 160)), encodeMembership(sample(rng, kind, 256))]),
decodeOutcome);
