/**
 * The wire side of the awaitable publish: a PublishMsg's ack_nonce and the PublishAck kind. Oracles:
 * the input object (a round trip says exactly what was encoded), the limits written in
 * messages.proto (each broken one is a FrameDecodeError with its reason), and the schema as it was
 * before the change (read from messages.proto with the new fields cut out) for both directions of
 * compatibility.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { PUBLISH_ACK_NONCE_BYTES, type LocationMsg, type PublishMsg } from '../../location/messages';
import type { NodeHandle } from '../../routing/messages';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import { decodeReason } from '../helpers/decodeReason';

const rng = new SeededRng(31);
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
const guid = (bits: 160 | 256): Guid => Guid.random(() => rng.int(256), bits);
const handle = (bits: 160 | 256): NodeHandle => ({ guid: guid(bits), address: { family: 4, ip: bytes(4), port: 1 + rng.int(65_535) } });

function publish(bits: 160 | 256, o: Partial<PublishMsg> = {}): PublishMsg {
  return { object: guid(bits), server: handle(bits), tag: 't', saltIndex: 2, sequence: 7, lifetimeMs: 1_000, pathLatency: 3.5, extra: false, ...o };
}

/** The proto as it was before the acknowledgement: no ack_nonce, no PublishAck. */
function oldSchema(): protobuf.Root {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'messages.proto'), 'utf8');
  const cut = text
    .replace(/\/\/.*$/gm, '') // comments off: they name the new fields too
    .replace(/^\s*bytes ack_nonce = \d+;.*$/gm, '') // PublishMsg's and UnpublishMsg's
    .replace(/^\s*PublishAck publish_ack = 8;.*$/m, '')
    .replace(/^message PublishAck \{[\s\S]*?^\}$/m, '');
  expect(cut).not.toMatch(/ack_nonce|PublishAck/);
  return protobuf.parse(cut, { keepCase: false }).root;
}

describe('PublishAck round trip', () => {
  test.each([160, 256] as const)('object, salt and nonce come back exactly, in copies (%i-bit)', (bits) => {
    for (let salt = 0; salt < DEFAULTS.maxSalts; salt++) {
      const ack = { object: guid(bits), saltIndex: salt, nonce: bytes(PUBLISH_ACK_NONCE_BYTES) };
      const wire = encodeLocation({ kind: 'publishAck', ack });
      const back = decodeLocation(wire, { idBytes: bits / 8 as 20 | 32 });
      expect(back.kind).toBe('publishAck');
      if (back.kind !== 'publishAck') return;
      expect(Object.keys(back.ack).sort()).toEqual(['nonce', 'object', 'saltIndex']);
      expect(back.ack.object.hex).toBe(ack.object.hex);
      expect(back.ack.saltIndex).toBe(salt);
      expect(Array.from(back.ack.nonce)).toEqual(Array.from(ack.nonce));
      // Copies: scribbling over the datagram changes nothing decoded.
      wire.fill(0);
      expect(back.ack.object.hex).toBe(ack.object.hex);
      expect(Array.from(back.ack.nonce)).toEqual(Array.from(ack.nonce));
    }
  });

  test('a publish carries its ack nonce, and one without it decodes without it', () => {
    const nonce = bytes(PUBLISH_ACK_NONCE_BYTES);
    const withNonce = decodeLocation(encodeLocation({ kind: 'publish', publish: publish(160, { ackNonce: nonce }) }));
    expect(withNonce.kind === 'publish' && Array.from(withNonce.publish.ackNonce!)).toEqual(Array.from(nonce));
    const without = decodeLocation(encodeLocation({ kind: 'publish', publish: publish(160) }));
    expect(without.kind === 'publish' && 'ackNonce' in without.publish).toBe(false);
  });

  test('a hand-over record keeps its nonce through the wire (the receiver strips it before routing on)', () => {
    const nonce = bytes(PUBLISH_ACK_NONCE_BYTES);
    const back = decodeLocation(encodeLocation({ kind: 'handOver', handOver: { pointers: [publish(256, { ackNonce: nonce })] } }));
    expect(back.kind === 'handOver' && Array.from(back.handOver.pointers[0].ackNonce!)).toEqual(Array.from(nonce));
  });
});

describe('compatibility with the schema before the acknowledgement', () => {
  const old = oldSchema();
  const OldLocation = old.lookupType('tapestry.LocationMsg');

  test('a publish an older sender encodes (no ack_nonce) decodes here, asking no acknowledgement', () => {
    const p = publish(160);
    const oldBytes = OldLocation.encode(OldLocation.fromObject({
      publish: { object: p.object.bytes, server: { guid: p.server.guid.bytes, family: 1, ip: p.server.address.ip, port: p.server.address.port }, tag: Buffer.from('t'), saltIndex: 2, sequence: 7, lifetimeMs: 1_000, pathLatency: 3.5 },
    })).finish();
    const back = decodeLocation(oldBytes);
    expect(back.kind).toBe('publish');
    expect(back.kind === 'publish' && back.publish.ackNonce).toBeUndefined();
    expect(back.kind === 'publish' && back.publish.object.hex).toBe(p.object.hex);
  });

  test('an older receiver reads a publish carrying a nonce as the same publish (the field is skipped)', () => {
    const p = publish(160, { ackNonce: bytes(PUBLISH_ACK_NONCE_BYTES) });
    const seen = OldLocation.toObject(OldLocation.decode(encodeLocation({ kind: 'publish', publish: p })), { bytes: Array }) as { publish: Record<string, unknown> };
    expect(seen.publish.object).toEqual(Array.from(p.object.bytes));
    expect(seen.publish.sequence).toBe(7);
    expect(seen.publish).not.toHaveProperty('ackNonce');
  });

  test('an older receiver finds no body it knows in a PublishAck (its emptyBody rule drops it)', () => {
    const wire = encodeLocation({ kind: 'publishAck', ack: { object: guid(160), saltIndex: 0, nonce: bytes(8) } });
    const seen = OldLocation.toObject(OldLocation.decode(wire), { oneofs: true }) as { body?: string };
    expect(seen.body).toBeUndefined();
  });
});

describe('limits of the new fields (FrameDecodeError with a reason)', () => {
  test.each([0, 1, 7, 9, 32])('nonce: a PublishAck nonce of %i bytes', (n) => {
    const wire = encodeLocation({ kind: 'publishAck', ack: { object: guid(160), saltIndex: 0, nonce: new Uint8Array(n) } });
    expect(decodeReason(() => decodeLocation(wire))).toBe('nonce');
  });

  test.each([1, 7, 9, 64])('nonce: a publish ack_nonce of %i bytes', (n) => {
    const wire = encodeLocation({ kind: 'publish', publish: publish(160, { ackNonce: new Uint8Array(n) }) });
    expect(decodeReason(() => decodeLocation(wire))).toBe('nonce');
  });

  test('salt: a PublishAck salt index not below maxSalts; the last one decodes', () => {
    const ok = encodeLocation({ kind: 'publishAck', ack: { object: guid(160), saltIndex: DEFAULTS.maxSalts - 1, nonce: bytes(8) } });
    expect(decodeLocation(ok).kind).toBe('publishAck');
    for (const saltIndex of [DEFAULTS.maxSalts, 0xffff_ffff]) {
      const wire = encodeLocation({ kind: 'publishAck', ack: { object: guid(160), saltIndex, nonce: bytes(8) } });
      expect(decodeReason(() => decodeLocation(wire))).toBe('salt');
    }
  });

  test('guid: a PublishAck object of neither width, or not the configured width', () => {
    const odd: LocationMsg = { kind: 'publishAck', ack: { object: { bytes: bytes(19) } as Guid, saltIndex: 0, nonce: bytes(8) } };
    expect(decodeReason(() => decodeLocation(encodeLocation(odd)))).toBe('guid');
    const wide = encodeLocation({ kind: 'publishAck', ack: { object: guid(256), saltIndex: 0, nonce: bytes(8) } });
    expect(decodeReason(() => decodeLocation(wide, { idBytes: 20 }))).toBe('guid');
    expect(decodeLocation(wide, { idBytes: 32 }).kind).toBe('publishAck');
  });
});
