/**
 * The wire side of the awaitable unpublish: an UnpublishMsg's ack_nonce (answered by the existing
 * PublishAck kind). Oracles: the input object (a round trip says exactly what was encoded), the
 * limit written in messages.proto (exactly 8 bytes or absent; anything else a FrameDecodeError with
 * reason 'nonce'), and the schema as it was before the field (read from messages.proto with it cut
 * out) for both directions of compatibility.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { PUBLISH_ACK_NONCE_BYTES, type UnpublishMsg } from '../../location/messages';
import type { NodeHandle } from '../../routing/messages';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import { decodeReason } from '../helpers/decodeReason';

const rng = new SeededRng(77);
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
const guid = (bits: 160 | 256): Guid => Guid.random(() => rng.int(256), bits);
const handle = (bits: 160 | 256): NodeHandle => ({ guid: guid(bits), address: { family: 4, ip: bytes(4), port: 1 + rng.int(65_535) } });

function unpublish(bits: 160 | 256, o: Partial<UnpublishMsg> = {}): UnpublishMsg {
  return { object: guid(bits), server: handle(bits), saltIndex: 1, sequence: 9, extra: false, ...o };
}

/** The proto as it was before the unpublish's nonce: UnpublishMsg without field 8. */
function oldSchema(): protobuf.Root {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'messages.proto'), 'utf8').replace(/\/\/.*$/gm, '');
  const body = /^message UnpublishMsg \{[\s\S]*?^\}$/m.exec(text)![0];
  const cut = body.replace(/^\s*bytes ack_nonce = 8;.*$/m, '');
  expect(cut).not.toMatch(/ack_nonce/);
  return protobuf.parse(text.replace(body, cut), { keepCase: false }).root;
}

describe('UnpublishMsg ack_nonce round trip', () => {
  test.each([160, 256] as const)('every field comes back exactly, the nonce in a copy (%i-bit)', (bits) => {
    for (let salt = 0; salt < DEFAULTS.maxSalts; salt++) {
      const u = unpublish(bits, { saltIndex: salt, sequence: rng.int(0x7fff_ffff), ackNonce: bytes(PUBLISH_ACK_NONCE_BYTES), publisherKey: bytes(32), signature: bytes(64) });
      const wire = encodeLocation({ kind: 'unpublish', unpublish: u });
      const back = decodeLocation(wire, { idBytes: bits / 8 as 20 | 32 });
      expect(back.kind).toBe('unpublish');
      if (back.kind !== 'unpublish') return;
      const got = back.unpublish;
      expect(Object.keys(got).sort()).toEqual(Object.keys(u).sort());
      expect(got.object.hex).toBe(u.object.hex);
      expect(got.server.guid.hex).toBe(u.server.guid.hex);
      expect([got.saltIndex, got.sequence, got.extra]).toEqual([u.saltIndex, u.sequence, u.extra]);
      expect(Array.from(got.ackNonce!)).toEqual(Array.from(u.ackNonce!));
      expect(Array.from(got.signature!)).toEqual(Array.from(u.signature!));
      wire.fill(0);
      expect(Array.from(got.ackNonce!)).toEqual(Array.from(u.ackNonce!));
    }
  });

  test('an unpublish without a nonce decodes without one (no key, not an empty array)', () => {
    const back = decodeLocation(encodeLocation({ kind: 'unpublish', unpublish: unpublish(160) }));
    expect(back.kind === 'unpublish' && 'ackNonce' in back.unpublish).toBe(false);
  });

  test('the nonce costs exactly its field on the wire: 2 bytes of tag and length and 8 of nonce', () => {
    const u = unpublish(160);
    const without = encodeLocation({ kind: 'unpublish', unpublish: u }).length;
    const withNonce = encodeLocation({ kind: 'unpublish', unpublish: { ...u, ackNonce: bytes(8) } }).length;
    // The body's own length prefix may grow by one byte as well.
    expect(withNonce - without).toBeGreaterThanOrEqual(10);
    expect(withNonce - without).toBeLessThanOrEqual(11);
  });
});

describe('compatibility with the schema before the unpublish nonce', () => {
  const old = oldSchema();
  const OldLocation = old.lookupType('tapestry.LocationMsg');

  test('an unpublish an older sender encodes (no ack_nonce) decodes here, asking no acknowledgement', () => {
    const u = unpublish(256);
    const oldBytes = OldLocation.encode(OldLocation.fromObject({
      unpublish: { object: u.object.bytes, server: { guid: u.server.guid.bytes, family: 1, ip: u.server.address.ip, port: u.server.address.port }, saltIndex: 1, sequence: 9 },
    })).finish();
    const back = decodeLocation(oldBytes);
    expect(back.kind).toBe('unpublish');
    if (back.kind !== 'unpublish') return;
    expect(back.unpublish.ackNonce).toBeUndefined();
    expect(back.unpublish.object.hex).toBe(u.object.hex);
    expect(back.unpublish.sequence).toBe(9);
  });

  test('an older receiver reads an unpublish carrying a nonce as the same unpublish (the field is skipped)', () => {
    const u = unpublish(160, { ackNonce: bytes(PUBLISH_ACK_NONCE_BYTES) });
    const seen = OldLocation.toObject(OldLocation.decode(encodeLocation({ kind: 'unpublish', unpublish: u })), { bytes: Array }) as { unpublish: Record<string, unknown> };
    expect(seen.unpublish.object).toEqual(Array.from(u.object.bytes));
    expect(seen.unpublish.saltIndex).toBe(1);
    expect(seen.unpublish.sequence).toBe(9);
    expect(seen.unpublish).not.toHaveProperty('ackNonce');
  });
});

describe('limit of the new field (FrameDecodeError with a reason)', () => {
  test.each([1, 7, 9, 16, 64])('nonce: an unpublish ack_nonce of %i bytes', (n) => {
    const wire = encodeLocation({ kind: 'unpublish', unpublish: unpublish(160, { ackNonce: new Uint8Array(n) }) });
    expect(decodeReason(() => decodeLocation(wire))).toBe('nonce');
  });

  test('an empty ack_nonce on the wire reads as absent (what an older sender sends)', () => {
    const wire = encodeLocation({ kind: 'unpublish', unpublish: unpublish(160, { ackNonce: new Uint8Array(0) }) });
    const back = decodeLocation(wire);
    expect(back.kind === 'unpublish' && back.unpublish.ackNonce).toBeUndefined();
  });
});
