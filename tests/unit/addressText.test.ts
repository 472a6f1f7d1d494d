/**
 * Addresses as text (issue 13): formatAddress / parseAddress round trip for any IPv4 or IPv6
 * address, IPv6 text as the WHATWG URL parser prints it (an independent RFC 5952 oracle), and
 * node.address printing as that text while staying a plain { family, ip, port } value.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { createNode } from '../../api/node';
import { InvalidArgumentError } from '../../errors';
import { formatAddress, parseAddress } from '../../index';
import type { Address } from '../../transport/types';
import { SimNetwork } from '../../transport/simNetwork';
import { openUdpTransport } from '../../transport/udp';

const port = fc.integer({ min: 1, max: 65535 });
const v4 = fc.record({ family: fc.constant(4 as const), ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), port });
// Runs of zero groups matter for compression: draw groups that are often 0.
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6 = fc.record({
  family: fc.constant(6 as const),
  ip: fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => Uint8Array.from(gs.flatMap((g) => [g >> 8, g & 0xff]))),
  port,
});
const isMapped = (a: Address): boolean => a.family === 6 && a.ip.slice(0, 10).every((b) => b === 0) && a.ip[10] === 0xff && a.ip[11] === 0xff;
const plain = (a: Address) => ({ family: a.family, ip: Uint8Array.from(a.ip), port: a.port });

test('parseAddress(formatAddress(a)) gives a back for any IPv4 or IPv6 address (mapped IPv6 comes back as IPv4)', () => {
  fc.assert(
    fc.property(fc.oneof(v4, v6), (a) => {
      const back = plain(parseAddress(formatAddress(a)));
      if (isMapped(a)) expect(back).toEqual({ family: 4, ip: a.ip.slice(12), port: a.port });
      else expect(back).toEqual(plain(a));
    }),
    { numRuns: 2000 },
  );
});

test('the text is "a.b.c.d:port" and "[v6]:port" with v6 as the URL parser normalizes it', () => {
  fc.assert(
    fc.property(v4, (a) => expect(formatAddress(a)).toBe(`${[...a.ip].join('.')}:${a.port}`)),
  );
  fc.assert(
    fc.property(v6, (a) => {
      const full = Array.from({ length: 8 }, (_, i) => ((a.ip[2 * i] << 8) | a.ip[2 * i + 1]).toString(16)).join(':');
      const host = new URL(`udp://[${full}]:1/`).hostname;
      expect(formatAddress(a)).toBe(`${host}:${a.port}`);
    }),
    { numRuns: 2000 },
  );
  expect(formatAddress({ family: 6, ip: Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0)), port: 4000 })).toBe('[::1]:4000');
});

test('bad input is an InvalidArgumentError', () => {
  for (const bad of ['127.0.0.1', '::1:4000', '[127.0.0.1]:4', '1.2.3.4:0', 'x:1', 42]) {
    expect(() => parseAddress(bad as string)).toThrow(InvalidArgumentError);
  }
  for (const bad of [null, {}, { family: 4, ip: new Uint8Array(16), port: 1 }, { family: 6, ip: new Uint8Array(16), port: -1 }]) {
    expect(() => formatAddress(bad as unknown as Address)).toThrow(InvalidArgumentError);
  }
});

test('node.address prints as its text in template strings, JSON and util.inspect, and is still a plain Address', async () => {
  const net = new SimNetwork({ seed: 3 });
  const node = await createNode({ transport: net.createTransport(), clock: net.clock });
  const text = formatAddress(node.address);
  expect(text).toMatch(/^10\.\d+\.\d+\.\d+:1$/);
  expect(`${node.address}`).toBe(text);
  expect(String(node.address)).toBe(text);
  expect(JSON.stringify({ at: node.address })).toBe(JSON.stringify({ at: text }));
  expect(inspect(node.address)).toBe(text);
  expect(Object.keys(node.address).sort()).toEqual(['family', 'ip', 'port']);
  expect(plain(node.address)).toEqual(plain(node.handle.address));
  expect(parseAddress(String(node.address))).toEqual(plain(node.handle.address));
  await node.close();

  const udp = await openUdpTransport({ family: 6, host: '::1' }).catch(() => undefined);
  if (!udp) return; // no IPv6 loopback on this machine
  const six = await createNode({ transport: udp, clock: undefined, security: 'none' });
  expect(`${six.address}`).toBe(`[::1]:${six.address.port}`);
  await six.close();
});
