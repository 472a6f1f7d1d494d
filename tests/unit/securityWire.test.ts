/**
 * The security fields on the wire (Ping challenge, Pong credential and proof, a publish's or
 * unpublish's publisher key and signature): they round-trip, their bounds are enforced by the codecs
 * with a named reason, and without them (`none`) a message is not a byte longer than before.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { decodeFrame, encodeFrame } from '../../wire/codec';
import { decodeLocation, encodeLocation, publishToWire } from '../../wire/locationCodec';
import { handleToWire, schema } from '../../wire/fields';
import { WIRE_VERSION, type Body, type NodeHandle } from '../../routing/messages';
import { type PublishMsg, type UnpublishMsg } from '../../location/messages';
import { decodeReason } from '../helpers/decodeReason';

const sender: NodeHandle = { guid: Guid.fromName('sender'), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 4000 } };
const frame = (body: Body) => encodeFrame({ version: WIRE_VERSION, sender, messageId: 0, body });
const bytes = (n: number, v = 7) => new Uint8Array(n).fill(v);
const Frame = schema.lookupType('tapestry.Frame');
const Location = schema.lookupType('tapestry.LocationMsg');
const wireSender = handleToWire(sender);

describe('Ping and Pong', () => {
  test('a challenge, a credential and a proof round-trip', () => {
    const ping = decodeFrame(frame({ kind: 'ping', ping: { nonce: 3, challenge: bytes(32) } })).body;
    expect(ping).toEqual({ kind: 'ping', ping: { nonce: 3, challenge: bytes(32) } });
    const pong = decodeFrame(frame({ kind: 'pong', pong: { nonce: 3, credential: bytes(32, 1), proof: bytes(64, 2) } })).body;
    expect(pong).toEqual({ kind: 'pong', pong: { nonce: 3, credential: bytes(32, 1), proof: bytes(64, 2) } });
  });

  test('without security fields a ping and a pong decode to the bare nonce, and cost no byte more', () => {
    expect(decodeFrame(frame({ kind: 'ping', ping: { nonce: 3 } })).body).toEqual({ kind: 'ping', ping: { nonce: 3 } });
    expect(frame({ kind: 'ping', ping: { nonce: 3 } }).length).toBe(frame({ kind: 'pong', pong: { nonce: 3 } }).length);
    expect(frame({ kind: 'ping', ping: { nonce: 3, challenge: bytes(32) } }).length).toBe(frame({ kind: 'ping', ping: { nonce: 3 } }).length + 34);
  });

  test('over-long fields and a credential without its proof are refused by reason', () => {
    expect(decodeReason(() => decodeFrame(frame({ kind: 'ping', ping: { nonce: 1, challenge: bytes(65) } })))).toBe('tooLarge');
    expect(decodeReason(() => decodeFrame(frame({ kind: 'pong', pong: { nonce: 1, credential: bytes(DEFAULTS.maxCredentialBytes + 1), proof: bytes(64) } })))).toBe('tooLarge');
    expect(decodeReason(() => decodeFrame(frame({ kind: 'pong', pong: { nonce: 1, credential: bytes(32), proof: bytes(DEFAULTS.maxSignatureBytes + 1) } })))).toBe('tooLarge');
    // The encoder never writes half a proof, so the hostile frame is built from the schema directly.
    const half = Frame.encode({ version: WIRE_VERSION, sender: wireSender, pong: { nonce: 1, credential: bytes(32) } }).finish();
    expect(decodeReason(() => decodeFrame(half))).toBe('missing');
  });

  test('a short challenge decodes (the provider declines to answer it)', () => {
    expect(decodeFrame(frame({ kind: 'ping', ping: { nonce: 1, challenge: bytes(4) } })).body).toEqual({ kind: 'ping', ping: { nonce: 1, challenge: bytes(4) } });
  });
});

describe('signed publish and unpublish', () => {
  const publish: PublishMsg = { object: Guid.fromName('o'), server: sender, tag: 't', saltIndex: 1, sequence: 9, lifetimeMs: 1000, pathLatency: 2, extra: false };
  const unpublish: UnpublishMsg = { object: Guid.fromName('o'), server: sender, saltIndex: 1, sequence: 9, extra: false };
  const sig = { publisherKey: bytes(32, 3), signature: bytes(64, 4) };

  test('the key and signature round-trip on both kinds, as copies', () => {
    const p = encodeLocation({ kind: 'publish', publish: { ...publish, ...sig } });
    const decoded = decodeLocation(p);
    expect(decoded).toEqual({ kind: 'publish', publish: { ...publish, ...sig } });
    p.fill(0);
    expect(decoded.kind === 'publish' && decoded.publish.signature).toEqual(sig.signature);
    expect(decodeLocation(encodeLocation({ kind: 'unpublish', unpublish: { ...unpublish, ...sig } }))).toEqual({ kind: 'unpublish', unpublish: { ...unpublish, ...sig } });
  });

  test('an unsigned record is exactly the bytes it was before the fields existed', () => {
    const plain = encodeLocation({ kind: 'publish', publish });
    expect(decodeLocation(plain)).toEqual({ kind: 'publish', publish });
    // 2 + 32 + 2 + 64 bytes of fields, and the record's own length prefix may grow by one byte.
    const signedLength = encodeLocation({ kind: 'publish', publish: { ...publish, ...sig } }).length;
    expect(signedLength - plain.length).toBeGreaterThanOrEqual(100);
    expect(signedLength - plain.length).toBeLessThanOrEqual(101);
  });

  test('bounds and pairing are enforced by reason', () => {
    const wirePublish = publishToWire(publish);
    const keyOnly = Location.encode({ publish: { ...wirePublish, publisherKey: bytes(32) } }).finish();
    expect(decodeReason(() => decodeLocation(keyOnly))).toBe('missing');
    const sigOnly = Location.encode({ unpublish: { object: unpublish.object.bytes, server: wirePublish.server, saltIndex: 1, sequence: 9, signature: bytes(64) } }).finish();
    expect(decodeReason(() => decodeLocation(sigOnly))).toBe('missing');
    expect(decodeReason(() => decodeLocation(encodeLocation({ kind: 'publish', publish: { ...publish, ...sig, signature: bytes(DEFAULTS.maxSignatureBytes + 1) } })))).toBe('tooLarge');
    expect(decodeReason(() => decodeLocation(encodeLocation({ kind: 'publish', publish: { ...publish, ...sig, publisherKey: bytes(DEFAULTS.maxCredentialBytes + 1) } })))).toBe('tooLarge');
  });
});
