/**
 * The UDP transport's address caches (transport/addressCache.ts): a cached text is what formatting
 * the Address afresh gives, and what the WHATWG URL parser prints for the same bytes (an independent
 * IPv6 formatter, RFC 5952 compression); a cached sender Address equals a fresh parse and is the same
 * object for the same peer; neither cache grows past its limit.
 */
import { formatAddress } from '../../transport/addressText';
import { formatIp, parseAddress } from '../../transport/address';
import { HostTexts, SenderAddresses } from '../../transport/addressCache';
import type { Address } from '../../routing/handle';
import { SeededRng } from '../../sim/random';

const rng = new SeededRng(77);

/** IPv6 bytes with runs of zero groups, so compression is exercised in every position. */
function randomIp(family: 4 | 6): Uint8Array {
  const ip = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < ip.length; i++) ip[i] = rng.int(256);
  if (family === 6) {
    const from = rng.int(8);
    const len = rng.int(8 - from + 1);
    for (let g = from; g < from + len; g++) ip[2 * g] = ip[2 * g + 1] = 0;
    if (rng.int(4) === 0) ip[2 * rng.int(8)] = 0; // single zero groups and small values too
  }
  return ip;
}

/** The text the URL parser gives for these bytes: written out in full, then serialized by WHATWG rules. */
function oracleHost(a: Address): string {
  if (a.family === 4) return new URL(`http://${Array.from(a.ip).join('.')}/`).hostname;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a.ip[i] << 8) | a.ip[i + 1]).toString(16).padStart(4, '0'));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Through the cache as the transport does it: the cached text when there is one, else formatted and kept. */
function hostThrough(cache: HostTexts, a: Address): string {
  const hit = cache.get(a);
  if (hit !== undefined) return hit;
  const text = formatIp(a);
  cache.set(a, text);
  return text;
}

test.each([4, 6] as const)('IPv%i: a cached host text equals formatAddress afresh and the URL oracle', (family) => {
  const cache = new HostTexts(1_000);
  const addresses: Address[] = Array.from({ length: 300 }, () => Object.freeze({ family, ip: randomIp(family), port: 1 + rng.int(65_535) }));
  for (let round = 0; round < 3; round++) {
    for (const a of addresses) {
      const host = hostThrough(cache, a);
      const asText = family === 4 ? `${host}:${a.port}` : `[${host}]:${a.port}`;
      expect(asText).toBe(formatAddress({ family: a.family, ip: Uint8Array.from(a.ip), port: a.port }));
      expect(host).toBe(oracleHost(a));
    }
  }
  expect(cache.size).toBe(addresses.length);
});

test('the host cache stays within its limit and starts over past it', () => {
  const limit = 50;
  const cache = new HostTexts(limit);
  const kept: Address[] = [];
  for (let i = 0; i < 10 * limit; i++) {
    const a: Address = { family: 4, ip: randomIp(4), port: 4000 };
    kept.push(a); // kept alive: only the limit bounds the cache here, not the collector
    expect(hostThrough(cache, a)).toBe(oracleHost(a));
    expect(cache.size).toBeLessThanOrEqual(limit);
  }
  // The most recent entries are still there, the ones from before the last restart are not.
  const restartedAt = kept.length - cache.size;
  expect(kept.slice(restartedAt).every((a) => cache.get(a) !== undefined)).toBe(true);
  expect(kept.slice(0, restartedAt).some((a) => cache.get(a) !== undefined)).toBe(false);
});

test.each([4, 6] as const)('IPv%i: a sender Address equals a fresh parse, one object per peer', (family) => {
  const cache = new SenderAddresses(1_000);
  const peers = Array.from({ length: 200 }, () => ({ host: oracleHost({ family, ip: randomIp(family), port: 1 }), port: 1 + rng.int(65_535) }));
  const first = peers.map((p) => cache.get(p.host, p.port));
  for (const [i, p] of peers.entries()) {
    const again = cache.get(p.host, p.port);
    expect(again).toBe(first[i]);
    expect(again).toEqual(parseAddress(p.host, p.port));
    expect(Object.isFrozen(again)).toBe(true);
  }
  // Same host, other port: another Address.
  const other = cache.get(peers[0].host, peers[0].port === 1 ? 2 : 1);
  expect(other).not.toBe(first[0]);
  expect(other.ip).toEqual(first[0].ip);
  expect(() => cache.get('not-an-ip', 4000)).toThrow();
});

test('the sender cache stays within its limit', () => {
  const limit = 64;
  const cache = new SenderAddresses(limit);
  for (let i = 0; i < 20 * limit; i++) {
    const got = cache.get('127.0.0.1', 1 + (i % 1000));
    expect(got).toEqual(parseAddress('127.0.0.1', 1 + (i % 1000)));
    expect(cache.size).toBeLessThanOrEqual(limit);
  }
});
