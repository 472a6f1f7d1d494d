/**
 * Addresses as text for applications: `formatAddress` / `parseAddress` ("127.0.0.1:4000",
 * "[::1]:4000"), and `printableAddress`, the copy of an Address that node.address hands out.
 *
 * Address stays a plain data type ({ family, ip, port }) that callers build themselves and compare
 * field by field; the printable copy only adds non-enumerable toString / toJSON / util.inspect hooks,
 * so it prints as text in console.log, template strings and JSON, while Object.keys, spreads and
 * equality checks see the same three fields as any other Address.
 */
import { inspect } from 'node:util';
import { InvalidArgumentError } from '../errors';
import type { Address } from '../routing/handle';
import { formatEndpoint, parseEndpoint } from '../bootstrap/staticList';

/** "a.b.c.d:port" for IPv4, "[v6]:port" for IPv6 (RFC 5952 compressed): the text parseAddress reads back. */
export function formatAddress(address: Address): string {
  const a = address as Partial<Address> | null | undefined;
  const ok = !!a && a.ip instanceof Uint8Array && ((a.family === 4 && a.ip.length === 4) || (a.family === 6 && a.ip.length === 16));
  if (!ok || !Number.isInteger(a.port) || a.port! < 0 || a.port! > 65535) {
    throw new InvalidArgumentError('an address is { family: 4, ip: 4 bytes, port } or { family: 6, ip: 16 bytes, port }');
  }
  return formatEndpoint(a as Address);
}

/**
 * The Address written as "a.b.c.d:port" or "[v6]:port" (port 1..65535). IPv4-mapped IPv6 literals
 * ("[::ffff:10.0.0.1]:5") become IPv4 addresses. Anything else is an InvalidArgumentError.
 */
export function parseAddress(text: string): Address {
  if (typeof text !== 'string') throw new InvalidArgumentError('parseAddress takes a string such as "127.0.0.1:4000" or "[::1]:4000"');
  return parseEndpoint(text);
}

/** A frozen copy of `a` that prints as formatAddress(a); its enumerable fields are the plain Address's. */
export function printableAddress(a: Address): Address {
  const text = formatAddress(a);
  const out = { family: a.family, ip: a.ip, port: a.port };
  const asText = { value: () => text, enumerable: false };
  Object.defineProperties(out, { toString: asText, toJSON: asText, [inspect.custom]: asText });
  return Object.freeze(out);
}
