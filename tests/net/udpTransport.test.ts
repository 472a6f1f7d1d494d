import { spawnSync } from 'node:child_process';
import { InvalidArgumentError, TransportError } from '../../errors';
import { type Address } from '../../transport/types';
import { addressKey, formatIp } from '../../transport/address';
import { openUdpTransport, type UdpTransport } from '../../transport/udp';
import { parseAddress } from '../../transport/address';
import { measureRawDgramRate } from '../../bench/rawDgram';
import { until } from '../helpers/until';

/**
 * Whether ::1 can be bound here, probed once with a real bind in a child process so the answer is
 * known when tests are declared and the IPv6 test shows up as skipped, with the reason, if not.
 */
const ipv6Probe = spawnSync(
  process.execPath,
  ['-e', `const s = require('dgram').createSocket('udp6'); s.on('error', e => { console.log(e.message); process.exit(1); }); s.bind(0, '::1', () => s.close());`],
  { encoding: 'utf8', timeout: 10_000 },
);
const ipv6 = ipv6Probe.status === 0;
const itIpv6 = ipv6 ? it : it.skip;
const ipv6Title = ipv6 ? '' : ` — SKIPPED: cannot bind ::1 on this machine (${ipv6Probe.stdout.trim() || 'probe failed'})`;

const open: UdpTransport[] = [];
async function udp(opts?: Parameters<typeof openUdpTransport>[0]): Promise<UdpTransport> {
  const t = await openUdpTransport(opts);
  open.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Waits until cond() holds or the (generous) deadline passes; tests then assert on counts, not time. */
function udpResources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'Immediate').length;
}

async function pingPong(family: 4 | 6): Promise<void> {
  const a = await udp({ family });
  const b = await udp({ family });
  expect(a.local.family).toBe(family);
  expect(formatIp(a.local)).toBe(family === 4 ? '127.0.0.1' : '::1');
  expect(a.local.port).toBeGreaterThan(0);
  const atA: { text: string; from: string }[] = [];
  const atB: { text: string; from: string }[] = [];
  b.onReceive((bytes, from) => {
    atB.push({ text: Buffer.from(bytes).toString(), from: addressKey(from) });
    b.send(from, Buffer.from('pong'));
  });
  a.onReceive((bytes, from) => atA.push({ text: Buffer.from(bytes).toString(), from: addressKey(from) }));
  a.send(b.local, Buffer.from('ping'));
  await until(() => atA.length > 0);
  expect(atB).toEqual([{ text: 'ping', from: addressKey(a.local) }]);
  expect(atA).toEqual([{ text: 'pong', from: addressKey(b.local) }]);
  expect(a.stats).toMatchObject({ sent: 1, received: 1, bytesSent: 4, bytesReceived: 4, dropped: {} });
}

describe('UdpTransport', () => {
  it('IPv4: two transports exchange datagrams both ways', async () => {
    await pingPong(4);
  });

  itIpv6(`IPv6 (::1): two transports exchange datagrams both ways${ipv6Title}`, async () => {
    await pingPong(6);
  });

  it('receives (nearly) all of 5,000 datagrams sent in one synchronous loop in the same process', async () => {
    const a = await udp();
    const b = await udp();
    let got = 0;
    b.onReceive(() => got++);
    const payload = new Uint8Array(1000);
    for (let i = 0; i < 5000; i++) a.send(b.local, payload);
    expect(a.queued).toBeGreaterThan(0); // the loop outran the per-turn budget: batching is in play
    await until(() => got >= 5000);
    expect(got).toBeGreaterThanOrEqual(4950);
    expect(a.stats.sent).toBe(5000);
    expect(a.queued).toBe(0);
  });

  it('drops and counts oversize datagrams, on send and on receipt', async () => {
    const a = await udp({ mtu: 500 });
    const b = await udp({ maxDatagramBytes: 300 });
    let got = 0;
    b.onReceive(() => got++);
    a.send(b.local, new Uint8Array(501));
    expect(a.stats.dropped.oversize).toBe(1);
    a.send(b.local, new Uint8Array(400)); // within a's MTU, beyond what b accepts
    a.send(b.local, new Uint8Array(200));
    await until(() => got === 1 && b.stats.dropped.tooLarge === 1);
    expect(got).toBe(1);
    expect(b.stats.dropped.tooLarge).toBe(1);
    expect(a.stats.sent).toBe(2);
  });

  it('bounds the send queue and counts what does not fit', async () => {
    const a = await udp({ sendQueue: 10, sendBatch: 4 });
    const b = await udp();
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < 30; i++) a.send(b.local, new Uint8Array([i]));
    // 4 leave within this turn's budget, 10 wait, the rest are refused.
    expect(a.stats.sent).toBe(4);
    expect(a.queued).toBe(10);
    expect(a.stats.dropped.queueFull).toBe(16);
    await until(() => got === 14);
    expect(got).toBe(14);
  });

  it('counts sends to the other address family and to bad addresses', async () => {
    const a = await udp();
    a.send(parseAddress('::1', 9), new Uint8Array(1));
    a.send({ family: 4, ip: new Uint8Array([127, 0, 0, 1]), port: 0 }, new Uint8Array(1));
    expect(a.stats.dropped).toEqual({ family: 1, badAddress: 1 });
    expect(a.stats.sent).toBe(0);
  });

  it('a datagram that waits in the queue keeps the bytes it was sent with, though the caller reuses its buffer', async () => {
    const a = await udp({ sendBatch: 8 });
    const b = await udp();
    const got: number[] = [];
    b.onReceive((bytes) => got.push(bytes[0]));
    const buf = new Uint8Array(1);
    for (let i = 0; i < 100; i++) {
      buf[0] = i;
      a.send(b.local, buf);
    }
    buf[0] = 255;
    expect(a.queued).toBe(92);
    await until(() => got.length >= 100);
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('no turn sends more than sendBatch directly, whatever earlier turns sent', async () => {
    const batch = 8;
    const a = await udp({ sendBatch: batch });
    const b = await udp();
    let got = 0;
    b.onReceive(() => got++);
    let total = 0;
    // Turns that send 0..batch datagrams, then a burst: each turn's direct sends stay within the batch,
    // and a burst still gets at least half of it at once.
    for (const perTurn of [1, 2, 3, 0, 1, 5, 8, 2, 1, 1, 3, 100, 1, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 8]) {
      const before = a.stats.sent;
      const nothingWaiting = a.queued === 0;
      for (let i = 0; i < perTurn; i++) a.send(b.local, new Uint8Array(1));
      total += perTurn;
      const direct = a.stats.sent - before;
      expect(direct).toBeLessThanOrEqual(batch);
      // Behind datagrams still queued, new ones queue too (order is kept).
      if (perTurn >= batch && nothingWaiting) expect(direct).toBeGreaterThanOrEqual(batch / 2);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => got === total);
    expect(a.stats.sent).toBe(total);
  });

  it('one Address object, sent to again with another port, reaches the new port (the port is not cached)', async () => {
    const a = await udp();
    const b = await udp();
    const c = await udp();
    const atB: string[] = [];
    const atC: string[] = [];
    b.onReceive((bytes) => atB.push(Buffer.from(bytes).toString()));
    c.onReceive((bytes) => atC.push(Buffer.from(bytes).toString()));
    const to: { family: 4; ip: Uint8Array; port: number } = { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: b.local.port };
    a.send(to, Buffer.from('one'));
    to.port = c.local.port;
    a.send(to, Buffer.from('two'));
    to.port = 0;
    a.send(to, Buffer.from('three'));
    await until(() => atB.length + atC.length >= 2);
    expect(atB).toEqual(['one']);
    expect(atC).toEqual(['two']);
    expect(a.stats.dropped).toEqual({ badAddress: 1 });
  });

  it('datagrams from one peer carry one Address object', async () => {
    const a = await udp();
    const b = await udp();
    const froms: Address[] = [];
    b.onReceive((_bytes, from) => froms.push(from));
    for (let i = 0; i < 3; i++) a.send(b.local, new Uint8Array(1));
    await until(() => froms.length === 3);
    expect(new Set(froms).size).toBe(1);
    expect(addressKey(froms[0])).toBe(addressKey(a.local));
  });

  it('contains a throwing receive handler', async () => {
    const a = await udp();
    const b = await udp();
    let calls = 0;
    b.onReceive(() => {
      calls++;
      throw new Error('faulty handler');
    });
    a.send(b.local, new Uint8Array(1));
    a.send(b.local, new Uint8Array(1));
    await until(() => calls === 2);
    expect(b.stats.dropped.handlerError).toBe(2);
  });

  it('close() releases the socket: idempotent, port re-bindable, no handles left, later sends counted', async () => {
    const before = udpResources();
    const a = await openUdpTransport();
    const b = await openUdpTransport();
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < 200; i++) a.send(b.local, new Uint8Array(10));
    await until(() => got === 200);
    const port = a.local.port;
    const closing = a.close();
    expect(a.close()).toBe(closing);
    await Promise.all([closing, b.close()]);
    expect(udpResources()).toBe(before);
    a.send(b.local, new Uint8Array(1));
    expect(a.stats.dropped.closed).toBe(1);
    const again = await udp({ port });
    expect(again.local.port).toBe(port);
  });

  it('rejects with TransportError when it cannot bind', async () => {
    const a = await udp();
    await expect(openUdpTransport({ port: a.local.port })).rejects.toBeInstanceOf(TransportError);
    await expect(openUdpTransport({ host: '256.0.0.1' })).rejects.toBeInstanceOf(TransportError);
    await expect(openUdpTransport({ host: 'localhost' })).rejects.toBeInstanceOf(TransportError);
    await expect(openUdpTransport({ family: 4, host: '::1' })).rejects.toBeInstanceOf(TransportError);
    // The failed attempts left no socket behind.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap')).toHaveLength(1);
  });

  it('measureRawDgramRate: moves datagrams between two plain sockets', async () => {
    const rate = await measureRawDgramRate(100, 200);
    expect(rate.sent).toBeGreaterThan(0);
    expect(rate.received).toBeGreaterThan(0);
    expect(rate.received).toBeLessThanOrEqual(rate.sent);
    expect(rate.perSecond).toBe(rate.received * 10);
  });
});

describe('parseAddress', () => {
  it('parses IPv4 and IPv6 literals to bytes that format back', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', '127.0.0.1'],
      ['::1', '::1'],
      ['2001:db8::8:800:200c:417a', '2001:db8::8:800:200c:417a'],
      ['fe80::1%lo', 'fe80::1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['::', '::'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [text, formatted] of cases) expect(formatIp(parseAddress(text, 1))).toBe(formatted);
  });

  it('turns IPv4-mapped IPv6 into IPv4, so a peer has one identity', () => {
    const a: Address = parseAddress('::ffff:127.0.0.1', 4000);
    expect(a).toEqual({ family: 4, ip: new Uint8Array([127, 0, 0, 1]), port: 4000 });
  });

  it('refuses host names and malformed literals', () => {
    for (const bad of ['localhost', '1.2.3', '1::2::3', '12345::', '1.2.3.256']) {
      expect(() => parseAddress(bad, 1)).toThrow(InvalidArgumentError);
    }
  });
});
