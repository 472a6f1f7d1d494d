/**
 * The per-peer token bucket and the once-per-interval drop log: exact counts in virtual time, a
 * bounded map of buckets, and a clock that steps back.
 */
import { DropLog, PeerRateLimiter, peerKey } from '../../routing/rateLimiter';
import { InvalidArgumentError } from '../../errors';

test('a peer gets its burst at once, then the rate; other peers are not affected', () => {
  const rl = new PeerRateLimiter(1_000, 100, 16);
  let allowed = 0;
  for (let i = 0; i < 500; i++) if (rl.allow('a', 0)) allowed++;
  expect(allowed).toBe(100);
  expect(rl.allow('b', 0)).toBe(true);
  // 50 ms refills 50 tokens.
  allowed = 0;
  for (let i = 0; i < 500; i++) if (rl.allow('a', 50)) allowed++;
  expect(allowed).toBe(50);
  // Never more than the burst, however long the peer was quiet.
  allowed = 0;
  for (let i = 0; i < 500; i++) if (rl.allow('a', 60_000)) allowed++;
  expect(allowed).toBe(100);
});

test('the map of buckets is bounded; a forgotten peer starts with a full bucket', () => {
  const rl = new PeerRateLimiter(10, 2, 3);
  for (let i = 0; i < 1_000; i++) rl.allow(`p${i}`, 0);
  expect(rl.peers).toBe(3);
  expect(rl.allow('p0', 0)).toBe(true);
});

test('a clock stepping back neither adds nor takes tokens', () => {
  const rl = new PeerRateLimiter(1_000, 10, 4);
  for (let i = 0; i < 10; i++) rl.allow('a', 1_000);
  expect(rl.allow('a', 500)).toBe(false);
  expect(rl.allow('a', 1_001)).toBe(true);
  // A bucket with tokens left keeps them when the clock steps back.
  const half = new PeerRateLimiter(1_000, 10, 4);
  for (let i = 0; i < 5; i++) half.allow('b', 1_000);
  let allowed = 0;
  for (let i = 0; i < 20; i++) if (half.allow('b', 400)) allowed++;
  expect(allowed).toBe(5);
});

test('bad limits are refused', () => {
  expect(() => new PeerRateLimiter(0, 1, 1)).toThrow(InvalidArgumentError);
  expect(() => new PeerRateLimiter(1, 0, 1)).toThrow(InvalidArgumentError);
  expect(() => new PeerRateLimiter(1, 1, 0)).toThrow(InvalidArgumentError);
});

test('drops are logged once per interval per reason, with the count since the last line', () => {
  const lines: Array<[string, number]> = [];
  const log = new DropLog(1_000, (reason, n) => lines.push([reason, n]));
  for (let t = 0; t < 3_000; t += 10) log.drop('rateLimited', t);
  log.drop('decode:protobuf', 5);
  expect(lines).toEqual([
    ['rateLimited', 1],
    ['rateLimited', 100],
    ['rateLimited', 100],
    ['decode:protobuf', 1],
  ]);
});

test('createNode refuses a bad peerRateLimit, and false turns the limit off', async () => {
  const { createNode } = await import('../../api/node');
  const { SimNetwork } = await import('../../transport/simNetwork');
  const net = new SimNetwork({ seed: 3 });
  await expect(createNode({ transport: net.createTransport(), clock: net.clock, peerRateLimit: { perSec: 0, burst: 1 } })).rejects.toThrow(InvalidArgumentError);
  const node = await createNode({ transport: net.createTransport(), clock: net.clock, peerRateLimit: false });
  const sender = net.createTransport();
  for (let i = 0; i < 20_000; i++) sender.send(node.address, Uint8Array.of(1, 2, 3));
  net.run(1_000);
  expect(node.stats.drops.rateLimited).toBe(0);
  expect(node.stats.router.framesIn).toBe(20_000);
  await node.close();
});

test('a bucket that has refilled is forgotten: buckets are kept only for peers heard lately', () => {
  // burst 10 at 1,000/s refills in 10 ms.
  const rl = new PeerRateLimiter(1_000, 10, 1_000);
  for (let i = 0; i < 200; i++) rl.allow(`p${i}`, 0);
  expect(rl.peers).toBe(200);
  // Long after they went quiet, each new peer's first datagram sweeps two old buckets away.
  for (let i = 0; i < 100; i++) rl.allow(`n${i}`, 20);
  expect(rl.peers).toBe(100);
  // Forgetting never changes a verdict: an oracle that keeps every bucket agrees on every call.
  const oracle = new Map<string, { tokens: number; at: number }>();
  const keep = (peer: string, now: number) => {
    const b = oracle.get(peer) ?? { tokens: 10, at: now };
    b.tokens = Math.min(10, b.tokens + ((now - b.at) * 1_000) / 1_000);
    b.at = now;
    oracle.set(peer, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
  let seed = 7;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let now = 100;
  const limited = new PeerRateLimiter(1_000, 10, 1_000);
  for (let i = 0; i < 20_000; i++) {
    now += rand() * 2;
    const peer = `q${Math.floor(rand() * rand() * 30)}`;
    expect(limited.allow(peer, now)).toBe(keep(peer, now));
  }
});

test('IPv4 keys are numbers, distinct per address and port; IPv6 keys are distinct strings', () => {
  const v4 = (a: number, b: number, c: number, d: number, port: number) => ({ family: 4 as const, ip: new Uint8Array([a, b, c, d]), port });
  const keys = new Set([peerKey(v4(10, 0, 0, 1, 1)), peerKey(v4(10, 0, 0, 1, 2)), peerKey(v4(10, 0, 1, 0, 1)), peerKey(v4(255, 255, 255, 255, 65535))]);
  expect(keys.size).toBe(4);
  expect(typeof peerKey(v4(10, 0, 0, 1, 1))).toBe('number');
  const v6 = (last: number, port: number) => ({ family: 6 as const, ip: new Uint8Array([...new Array(15).fill(0), last]), port });
  expect(peerKey(v6(1, 1))).not.toBe(peerKey(v6(2, 1)));
  expect(peerKey(v6(1, 1))).not.toBe(peerKey(v6(1, 2)));
});
