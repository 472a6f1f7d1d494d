/**
 * The pointer hand-over on the wire: a LocationMsg (field 6) since location owns it; these cases
 * were the membership codec's while membership carried it. A record inside a hand-over is held to
 * every rule of a publish, with the publish's reasons. The oracle is the input object.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import type { Address } from '../../transport/types';
import type { DecodeReason } from '../../wire/codec';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import type { LocationMsg, PublishMsg } from '../../location/messages';
import type { NodeHandle } from '../../routing/messages';
import { decodeReason } from '../helpers/decodeReason';
import { lenField, varintField } from '../helpers/codecTesting';

type Bits = 160 | 256;
type Family = 4 | 6;
const rng = new SeededRng(2027);

const guid = (bits: Bits) => Guid.random(() => rng.int(256), bits);
const address = (family: Family): Address => ({ family, ip: Uint8Array.from({ length: family === 4 ? 4 : 16 }, () => rng.int(256)), port: 1 + rng.int(65_535) });
const handle = (bits: Bits, family: Family = rng.int(2) ? 4 : 6): NodeHandle => ({ guid: guid(bits), address: address(family) });
const fakeGuid = (n: number) => ({ bytes: new Uint8Array(n) }) as unknown as Guid;

function record(bits: Bits, family?: Family, o: Partial<PublishMsg> = {}): PublishMsg {
  return {
    object: guid(bits), server: handle(bits, family), tag: 'video/mp4', saltIndex: rng.int(DEFAULTS.maxSalts),
    sequence: rng.int(2 ** 32), lifetimeMs: DEFAULTS.pointerLifetimeMs, pathLatency: 12.75, extra: false, ...o,
  };
}

const handOver = (pointers: PublishMsg[]): LocationMsg => ({ kind: 'handOver', handOver: { pointers } });
const enc = (msg: LocationMsg) => encodeLocation(msg);
const reasonOf = (bytes: Uint8Array, idBytes?: 20 | 32): DecodeReason => decodeReason(() => decodeLocation(bytes, idBytes ? { idBytes } : undefined));

/** Every field of every record, as plain values (GUIDs and IPs as hex). */
function shape(msg: LocationMsg): unknown {
  if (msg.kind !== 'handOver') return msg.kind;
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return msg.handOver.pointers.map((p) => ({
    ...p, object: p.object.hex, server: { guid: p.server.guid.hex, family: p.server.address.family, ip: hex(p.server.address.ip), port: p.server.address.port },
  }));
}

test('hand-over pointers keep every publish field, at the edges of the publish limits', () => {
  const longTag = '€'.repeat(85) + 'x'; // exactly maxTagBytes bytes of UTF-8
  expect(Buffer.byteLength(longTag)).toBe(DEFAULTS.maxTagBytes);
  for (const bits of [160, 256] as const) {
    const msg = handOver([
      record(bits, 4, { tag: longTag, saltIndex: DEFAULTS.maxSalts - 1, sequence: 0xffff_ffff, lifetimeMs: DEFAULTS.maxPointerLifetimeMs, pathLatency: Number.MAX_VALUE, extra: true }),
      record(bits, 6, { tag: '', saltIndex: 0, sequence: 0, lifetimeMs: 1, pathLatency: 0, extra: false }),
      record(bits, 4, { tag: 'astral 😀 and nul \u0000 inside' }),
    ]);
    expect(shape(decodeLocation(enc(msg)))).toEqual(shape(msg));
    expect(shape(decodeLocation(enc(msg), { idBytes: bits === 160 ? 20 : 32 }))).toEqual(shape(msg));
    const full = handOver(Array.from({ length: DEFAULTS.maxHandOverPointers }, () => record(bits)));
    expect(shape(decodeLocation(enc(full)))).toEqual(shape(full));
  }
});

test('missing: a pointer record with its object but no server', () => {
  expect(reasonOf(Uint8Array.from(lenField(6, lenField(1, [...lenField(1, Array.from(guid(160).bytes)), ...varintField(6, 1000)]))))).toBe('missing');
});

test('guid: a pointer GUID of a width that is neither 20 nor 32, an empty record, widths mixed', () => {
  for (const n of [0, 19, 21, 31, 33]) expect(reasonOf(enc(handOver([record(160, 4, { object: fakeGuid(n) })])))).toBe('guid');
  expect(reasonOf(Uint8Array.from(lenField(6, lenField(1, []))))).toBe('guid');
  for (const [bits, other] of [[160, 256], [256, 160]] as const) {
    // A pointer whose server's width differs from its object's, and pointers of different widths.
    expect(reasonOf(enc(handOver([record(bits, 4, { server: handle(other) })])))).toBe('guid');
    expect(reasonOf(enc(handOver([record(bits), record(other)])))).toBe('guid');
  }
});

test('count: one record over maxHandOverPointers', () => {
  for (const bits of [160, 256] as const) {
    expect(reasonOf(enc(handOver(Array.from({ length: DEFAULTS.maxHandOverPointers + 1 }, () => record(bits)))))).toBe('count');
  }
});

test('hand-over pointers are held to every publish rule, with the publish reasons', () => {
  const bad: [Partial<PublishMsg>, DecodeReason][] = [
    [{ tag: 'x'.repeat(DEFAULTS.maxTagBytes + 1) }, 'tag'],
    [{ saltIndex: DEFAULTS.maxSalts }, 'salt'],
    [{ lifetimeMs: 0 }, 'lifetime'],
    [{ lifetimeMs: DEFAULTS.maxPointerLifetimeMs + 1 }, 'lifetime'],
    [{ pathLatency: -1 }, 'latency'],
    [{ pathLatency: NaN }, 'latency'],
  ];
  for (const [o, reason] of bad) {
    for (const bits of [160, 256] as const) {
      // The bad record last, so the good one before it does not stop the check.
      expect(reasonOf(enc(handOver([record(bits), record(bits, 6, o)])))).toBe(reason);
    }
  }
  // Invalid UTF-8 in a record's tag: a marker patched after encoding.
  const bytes = Buffer.from(enc(handOver([record(160, 4, { tag: 'TAG!' })])));
  const at = bytes.indexOf(Buffer.from('TAG!', 'latin1'));
  expect(at).toBeGreaterThanOrEqual(0);
  bytes.set([0x80, 0x41, 0x41, 0x41], at);
  expect(reasonOf(Uint8Array.from(bytes))).toBe('tag');
});
