/**
 * Return routability: over random traffic, the bytes answered to an unproven address never exceed the
 * bytes received from it (checked against a running sum kept by the test); a cookie proves only the
 * address it was made for, in its time bucket or the next; proofs expire.
 */
import { DEFAULTS } from '../../defaults';
import type { Address } from '../../routing/handle';
import { ReturnRoutability } from '../../routing/returnRoutability';
import { SeededRng } from '../../sim/random';

const addr = (n: number, port = 4000): Address => ({ family: 4, ip: Uint8Array.of(10, 0, (n >> 8) & 255, n & 255), port });
const random = (seed: number) => {
  const rng = new SeededRng(seed);
  return (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
};

test('bytes sent to an unproven address never exceed the bytes received from it', () => {
  for (let trial = 0; trial < 20; trial++) {
    const rng = new SeededRng(trial);
    const rr = new ReturnRoutability(random(trial));
    const received = new Map<number, number>();
    const sent = new Map<number, number>();
    let granted = 0;
    for (let step = 0; step < 5_000; step++) {
      const a = rng.int(50);
      if (rng.next() < 0.5) {
        const bytes = 1 + rng.int(200);
        rr.received(addr(a), bytes, step);
        received.set(a, (received.get(a) ?? 0) + bytes);
      } else {
        const bytes = 1 + rng.int(400);
        if (rr.spend(addr(a), bytes, step)) {
          granted++;
          sent.set(a, (sent.get(a) ?? 0) + bytes);
          expect(sent.get(a)!).toBeLessThanOrEqual(received.get(a) ?? 0);
        }
      }
    }
    expect(granted).toBeGreaterThan(100);
  }
});

test('a proven address may be sent anything until its proof expires', () => {
  const rr = new ReturnRoutability(random(1));
  expect(rr.spend(addr(1), 1_000, 0)).toBe(false);
  rr.prove(addr(1), 0);
  expect(rr.spend(addr(1), 100_000, 10)).toBe(true);
  expect(rr.spend(addr(1, 4001), 1, 10)).toBe(false); // another port is another address
  expect(rr.isProven(addr(1), DEFAULTS.provenAddressTtlMs - 1)).toBe(true);
  expect(rr.isProven(addr(1), DEFAULTS.provenAddressTtlMs)).toBe(false);
});

test('a cookie proves the address it was made for, within its bucket and the next, and no other', () => {
  const rr = new ReturnRoutability(random(2));
  const other = new ReturnRoutability(random(3));
  const t = 5 * DEFAULTS.cookieBucketMs + 7;
  const cookie = rr.cookie(addr(1), t);
  expect(cookie.length).toBe(DEFAULTS.cookieBytes);
  expect(rr.checkCookie(addr(2), cookie, t)).toBe(false);
  expect(rr.checkCookie(addr(1, 4001), cookie, t)).toBe(false);
  expect(other.checkCookie(addr(1), cookie, t)).toBe(false); // another node's key
  expect(rr.checkCookie(addr(1), cookie, t + 2 * DEFAULTS.cookieBucketMs)).toBe(false); // too old
  expect(rr.isProven(addr(1), t)).toBe(false);
  expect(rr.checkCookie(addr(1), cookie, t + DEFAULTS.cookieBucketMs)).toBe(true);
  expect(rr.isProven(addr(1), t + DEFAULTS.cookieBucketMs)).toBe(true);
  // A flipped bit is refused.
  const bad = cookie.slice();
  bad[0] ^= 1;
  expect(new ReturnRoutability(random(2)).checkCookie(addr(1), bad, t)).toBe(false);
});

test('the maps stay bounded', () => {
  const rr = new ReturnRoutability(random(4), { maxProven: 8, provenTtlMs: 1e9, maxCredits: 8, maxCreditBytes: 100, bucketMs: 1_000, cookieBytes: 8 });
  for (let i = 0; i < 100; i++) {
    rr.received(addr(i), 1_000, 0);
    rr.prove(addr(1_000 + i), 0);
  }
  expect(rr.creditOf(addr(99), 0)).toBe(100); // capped
  expect(rr.creditOf(addr(0), 0)).toBe(0); // evicted: its credit is lost, never gained
  expect(rr.isProven(addr(1_099), 0)).toBe(true);
  expect(rr.isProven(addr(1_000), 0)).toBe(false);
});
