/**
 * The request / reply fields on the wire (RouteMsg.request_id, DirectMsg.reply_to and reply_status):
 * round trips of every status, the size bounds fragmentation relies on, plain messages unchanged,
 * and bad input (unknown status, a status without a request id, an error answer with a payload,
 * truncation, oversize) refused with a reason.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { REPLY_STATUSES, WIRE_VERSION, type DirectMsg, type Frame, type NodeHandle, type RouteMsg } from '../../routing/messages';
import { SeededRng } from '../../sim/random';
import { decodeFrame, directFrameOverhead, encodeFrame, encodedFrameSize, FrameDecodeError, routeFrameOverhead } from '../../wire/codec';
import { lenField, varint, varintField } from '../helpers/codecTesting';
import { decodeReason } from '../helpers/decodeReason';

const rng = new SeededRng(31);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const handle = (family: 4 | 6 = 4): NodeHandle => ({
  guid: Guid.random(() => rng.int(256), 160),
  address: { family, ip: bytes(family === 4 ? 4 : 16), port: 1 + rng.int(65_535) },
});
const frame = (body: Frame['body'], sender = handle()): Frame => ({ version: WIRE_VERSION, sender, messageId: rng.int(2 ** 32), body });
const direct = (over: Partial<DirectMsg> = {}): DirectMsg => ({ destCheck: rng.int(2 ** 32), moduleId: 3, payload: bytes(40), hops: 4, ...over });
const route = (over: Partial<RouteMsg> = {}): RouteMsg => ({
  source: handle(6), dest: Guid.random(() => rng.int(256), 160), fuzzy: false, ttl: 40, hops: 2, level: 3, moduleId: 5, payload: bytes(60), ...over,
});

test('a request id and every reply status survive a round trip', () => {
  for (const requestId of [1, 2, 0xffff_ffff, 123_456]) {
    const f = frame({ kind: 'route', route: route({ requestId, routeId: 9 }) });
    const back = decodeFrame(encodeFrame(f));
    expect(back.body.kind === 'route' && back.body.route.requestId).toBe(requestId);
  }
  for (const status of REPLY_STATUSES) {
    const payload = status === 'ok' ? bytes(70) : new Uint8Array(0);
    for (const replyTo of [1, 0xffff_ffff]) {
      const f = frame({ kind: 'direct', direct: direct({ payload, reply: { replyTo, status }, fragment: { messageId: 4, index: 1, count: 2 } }) });
      const back = decodeFrame(encodeFrame(f));
      if (back.body.kind !== 'direct') throw new Error('not a direct frame');
      expect(back.body.direct.reply).toEqual({ replyTo, status });
      expect(Array.from(back.body.direct.payload)).toEqual(Array.from(payload));
      expect(back.body.direct.fragment).toEqual({ messageId: 4, index: 1, count: 2 });
    }
  }
});

test('plain routes and direct messages carry no request fields: same bytes as before', () => {
  const r = route({ routeId: 7 });
  const plain = encodeFrame(frame({ kind: 'route', route: r }));
  // Field 12 of RouteMsg (tag 0x60) never appears when there is no request id; the decoded route has none.
  const back = decodeFrame(plain);
  expect(back.body.kind === 'route' && 'requestId' in back.body.route).toBe(false);
  const d = decodeFrame(encodeFrame(frame({ kind: 'direct', direct: direct() })));
  expect(d.body.kind === 'direct' && 'reply' in d.body.direct).toBe(false);
  // A request id costs only its own field: 1 tag byte and its varint.
  const sender = handle();
  const without = encodedFrameSize({ version: WIRE_VERSION, sender, messageId: 1, body: { kind: 'route', route: r } });
  const withId = encodedFrameSize({ version: WIRE_VERSION, sender, messageId: 1, body: { kind: 'route', route: { ...r, requestId: 0xffff_ffff } } });
  expect(withId - without).toBe(1 + 5);
});

test('the overhead bounds cover a request and a reply at their largest; a plain route is bounded as before', () => {
  const self = handle(6);
  const base = { source: self, dest: self.guid, fuzzy: true, ttl: DEFAULTS.maxTtl, hops: DEFAULTS.maxTtl, level: 0, moduleId: 0xffff, payload: new Uint8Array(0) };
  const plain = routeFrameOverhead(base);
  const request = routeFrameOverhead({ ...base, requestId: 1 });
  expect(request - plain).toBe(1 + 5);
  const piece = new Uint8Array(DEFAULTS.mtu - request);
  const worst: Frame = {
    version: WIRE_VERSION, sender: handle(6), messageId: 0xffff_ffff,
    body: { kind: 'route', route: { ...base, payload: piece, level: 160, ackWanted: true, routeId: 0xffff_ffff, requestId: 0xffff_ffff, fragment: { messageId: 0xffff_ffff, index: 2047, count: 2048 } } },
  };
  expect(encodeFrame(worst).length).toBeLessThanOrEqual(DEFAULTS.mtu);
  const replyOverhead = directFrameOverhead(self, true);
  expect(replyOverhead).toBeGreaterThan(directFrameOverhead(self));
  const replyFrame: Frame = {
    version: WIRE_VERSION, sender: self, messageId: 0xffff_ffff,
    body: { kind: 'direct', direct: direct({ destCheck: 0xffff_ffff, moduleId: 0xffff_ffff, hops: DEFAULTS.maxTtl, payload: new Uint8Array(DEFAULTS.mtu - replyOverhead), reply: { replyTo: 0xffff_ffff, status: 'ok' }, fragment: { messageId: 0xffff_ffff, index: 2047, count: 2048 } }) },
  };
  expect(encodeFrame(replyFrame).length).toBeLessThanOrEqual(DEFAULTS.mtu);
});

/** A Frame's bytes built by hand, with a DirectMsg whose fields are given raw (what the encoder would never write). */
function rawDirectFrame(directFields: number[]): Uint8Array {
  const sender = [...lenField(1, bytes(20)), ...varintField(2, 1), ...lenField(3, [127, 0, 0, 1]), ...varintField(4, 4000)];
  return Uint8Array.from([...varintField(1, WIRE_VERSION), ...lenField(2, sender), ...lenField(14, directFields)]);
}
const destCheck = [0x0d, 1, 2, 3, 4]; // field 1, fixed32

test('raw frames built by hand decode as the encoder writes them (the builder is right)', () => {
  const f = decodeFrame(rawDirectFrame([...destCheck, ...varintField(2, 9), ...lenField(3, [1, 2]), ...varintField(6, 77), ...varintField(7, 0)]));
  expect(f.body.kind === 'direct' && f.body.direct.reply).toEqual({ replyTo: 77, status: 'ok' });
});

test('reply: a status beyond the known ones, a status without a request id, an error answer carrying bytes', () => {
  const reason = (fields: number[]) => decodeReason(() => decodeFrame(rawDirectFrame([...destCheck, ...fields])));
  expect(reason([...varintField(6, 5), ...varintField(7, REPLY_STATUSES.length)])).toBe('reply');
  expect(reason([...varintField(6, 5), ...varintField(7, 0xffff_ffff)])).toBe('reply');
  expect(reason([...varintField(7, 2)])).toBe('reply');
  expect(reason([...lenField(3, [1]), ...varintField(6, 5), ...varintField(7, 1)])).toBe('reply');
});

test('every truncation of a request or a reply frame is a DecodeError or a valid frame; oversize is tooLarge', () => {
  const frames = [
    frame({ kind: 'route', route: route({ requestId: 0xfedc_ba98, routeId: 3 }) }),
    frame({ kind: 'direct', direct: direct({ reply: { replyTo: 0xffff_fff0, status: 'ok' } }) }),
    frame({ kind: 'direct', direct: direct({ payload: new Uint8Array(0), reply: { replyTo: 12, status: 'noSuchNode' } }) }),
  ];
  let refused = 0;
  for (const f of frames) {
    const full = encodeFrame(f);
    for (let n = 0; n < full.length; n++) {
      try {
        decodeFrame(full.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(FrameDecodeError);
        refused++;
      }
    }
  }
  expect(refused).toBeGreaterThan(0);
  // A reply frame padded past the datagram limit.
  const big = rawDirectFrame([...destCheck, ...lenField(3, new Uint8Array(DEFAULTS.maxDatagramBytes)), ...varintField(6, 1)]);
  expect(decodeReason(() => decodeFrame(big))).toBe('tooLarge');
  // varint() is the writer's own: a reply id at its largest is 5 bytes.
  expect(varint(0xffff_ffff).length).toBe(5);
});
