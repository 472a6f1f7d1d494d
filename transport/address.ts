/**
 * Addresses as text: IP literals to bytes and back, and a stable string key. node:net validates
 * literals but has no parser to bytes. Used by the UDP transport, bootstrap lists and the tools.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors';
import type { Address } from '../routing/handle';

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const ip = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    ip[i] = v;
  }
  return ip;
}

function parseIpv6(text: string): Uint8Array | undefined {
  // A zone ("fe80::1%eth0") names a local interface; it is not part of the address bytes.
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  let tailIpv4: Uint8Array | undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (half: string, isLast: boolean): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const items = half.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (isLast && i === items.length - 1 && item.includes('.')) {
        tailIpv4 = parseIpv4(item);
        if (!tailIpv4) return undefined;
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      out.push(parseInt(item, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const fixed = head.length + tail.length + (tailIpv4 ? 2 : 0);
  if (halves.length === 1 ? fixed !== 8 : fixed > 7) return undefined;
  groups.push(...head, ...new Array<number>(8 - fixed).fill(0), ...tail);
  const ip = new Uint8Array(16);
  groups.forEach((g, i) => {
    ip[2 * i] = g >> 8;
    ip[2 * i + 1] = g & 0xff;
  });
  if (tailIpv4) ip.set(tailIpv4, 12);
  return ip;
}

/** True for ::ffff:a.b.c.d, the form IPv4 peers take on a dual-stack IPv6 socket. */
function isIpv4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/**
 * The Address for an IP literal and port. IPv4-mapped IPv6 literals become IPv4 addresses, so a peer
 * has one identity whichever socket family it reached us through.
 */
export function parseAddress(host: string, port: number): Address {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`bad port ${port}`);
  const kind = isIP(host.split('%')[0]);
  const ip = kind === 4 ? parseIpv4(host) : kind === 6 ? parseIpv6(host) : undefined;
  if (!ip) throw new InvalidArgumentError(`not an IP literal: ${JSON.stringify(host)}`);
  if (isIpv4Mapped(ip)) return Object.freeze({ family: 4 as const, ip: ip.slice(12), port });
  return Object.freeze({ family: kind as 4 | 6, ip, port });
}

/** A stable string key for an address: "4:127.0.0.1:4000" or "6:::1:4000". */
export function addressKey(a: Address): string {
  return `${a.family}:${formatIp(a)}:${a.port}`;
}

/** The textual IP of an address, as node:dgram wants it. */
export function formatIp(a: Address): string {
  if (a.family === 4) return Array.from(a.ip).join('.');
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((a.ip[i] << 8) | a.ip[i + 1]).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 prints it.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}
