/**
 * Mobile Tapestry's pure parts: the proxy table (attach, detach with a forwarding entry, routing,
 * expiry, bounds), the sender's proxy cache (against a plain model), options and the codec.
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { DecodeError, InvalidArgumentError } from '../../errors';
import { DEFAULTS } from '../../defaults';
import { ProxyCache, ProxyTable } from '../../upcalls/mobile/proxyTable';
import { mobile } from '../../upcalls/mobile';
import { decodeMobile, encodeMobile } from '../../wire/mobileCodec';
import type { MobileMsg } from '../../upcalls/mobile/messages';

const g = (s: string) => Guid.fromName(s);
const h = (s: string, port = 4000): NodeHandle => ({ guid: g(s), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 2), port } });

describe('ProxyTable', () => {
  const limits = { maxAttachments: 2, maxForwarding: 1, forwardingMs: 1_000, maxForwards: 3 };
  test('attach, route to the mobile node, detach to a forwarding entry that expires', () => {
    const t = new ProxyTable(limits);
    const m = h('mobile');
    expect(t.route('x', 0, 0)).toEqual({ kind: 'nack' });
    expect(t.attach('x', m)).toBe('ok');
    expect(t.attach('x', h('thief'))).toBe('refused');
    expect(t.route('x', 0, 0)).toEqual({ kind: 'toMobile', node: m });
    expect(t.detach('x', h('thief'), 0, h('p2'))).toBe('unknown');
    expect(t.detach('x', m, 100, h('p2'))).toBe('ok');
    expect(t.attachments).toBe(0);
    expect(t.route('x', 0, 500)).toEqual({ kind: 'toProxy', proxy: h('p2') });
    expect(t.route('x', 3, 500)).toEqual({ kind: 'nack' });
    expect(t.nextExpiry()).toBe(1_100);
    expect(t.route('x', 0, 1_100)).toEqual({ kind: 'nack' });
    t.expire(1_100);
    expect(t.forwardingEntries).toBe(0);
  });
  test('coming back removes the forwarding entry; bounds hold', () => {
    const t = new ProxyTable(limits);
    t.attach('x', h('m1'));
    t.detach('x', h('m1'), 0, h('p2'));
    t.attach('x', h('m1'));
    expect(t.forwardingEntries).toBe(0);
    expect(t.attach('y', h('m2'))).toBe('ok');
    expect(t.attach('z', h('m3'))).toBe('refused');
    t.detach('x', h('m1'), 0, h('p2'));
    t.detach('y', h('m2'), 0, h('p3'));
    expect(t.forwardingEntries).toBe(1); // maxForwarding 1: the second move is not forwarded
    expect(t.route('y', 0, 1)).toEqual({ kind: 'nack' });
    expect(t.detach('y', h('m2'), 0)).toBe('unknown');
  });
});

test('ProxyCache agrees with a plain model (TTL, capacity, oldest dropped first)', () => {
  const rng = new SeededRng(5);
  const c = new ProxyCache(4, 100);
  const model = new Map<string, { p: NodeHandle; until: number }>();
  let now = 0;
  const pool = Array.from({ length: 8 }, (_, i) => h(`p${i}`, 5000 + i));
  for (let i = 0; i < 2_000; i++) {
    const key = `k${rng.int(8)}`;
    const op = rng.int(4);
    if (op === 0) {
      const p = pool[rng.int(8)];
      c.set(key, p, now);
      model.delete(key);
      if (model.size >= 4) model.delete(model.keys().next().value!);
      model.set(key, { p, until: now + 100 });
    } else if (op === 1) {
      c.delete(key);
      model.delete(key);
    } else if (op === 2) {
      const e = model.get(key);
      const want = e && e.until > now ? e.p : undefined;
      if (e && e.until <= now) model.delete(key);
      expect(c.get(key, now)).toBe(want);
    } else now += rng.int(40);
    expect(c.size).toBe(model.size);
  }
});

test('mobile() options: unknown keys and out-of-range values are refused', () => {
  expect(() => mobile({ forwardingMs: -1 })).toThrow(InvalidArgumentError);
  expect(() => mobile({ onMessage: 5 } as never)).toThrow(InvalidArgumentError);
  expect(() => mobile({ forwardMs: 5 } as never)).toThrow(InvalidArgumentError);
  expect(mobile().id).toBe(0xfe12);
});

describe('mobile codec', () => {
  const msgs: MobileMsg[] = [
    { kind: 'attach', mobile: g('M'), requestId: 1 },
    { kind: 'detach', mobile: g('M'), requestId: 2 },
    { kind: 'detach', mobile: g('M'), requestId: 2, newProxy: h('p') },
    { kind: 'reply', mobile: g('M'), requestId: 2, status: 'unknown' },
    { kind: 'data', mobile: g('M'), sender: h('s'), sendId: 4, forwards: 1, payload: Uint8Array.of(9) },
    { kind: 'ack', mobile: g('M'), sendId: 4, proxy: h('p', 7) },
    { kind: 'nack', mobile: g('M'), sendId: 4 },
  ];
  const text = (m: unknown) => JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v));
  test('every message round-trips', () => {
    for (const m of msgs) expect(text(decodeMobile(encodeMobile(m), { idBytes: 20 }))).toBe(text(m));
  });
  test('limits: forwards, payload, id 0, GUID width, unknown status, garbage', () => {
    const data = msgs[4] as Extract<MobileMsg, { kind: 'data' }>;
    const bad = [
      encodeMobile({ ...data, forwards: DEFAULTS.mobileMaxForwards + 1 }),
      encodeMobile({ ...data, payload: new Uint8Array(DEFAULTS.mobileMaxPayloadBytes + 1) }),
      encodeMobile({ kind: 'nack', mobile: g('M'), sendId: 0 }),
      encodeMobile({ kind: 'attach', mobile: Guid.fromName('M', 256), requestId: 1 }),
      encodeMobile({ kind: 'reply', mobile: g('M'), requestId: 1, status: 'nope' as never }),
      Uint8Array.of(0xff, 0x01),
    ];
    for (const b of bad) expect(() => decodeMobile(b, { idBytes: 20 })).toThrow(DecodeError);
  });
});
