/**
 * A fixed list of endpoints from configuration: "127.0.0.1:4000", "[::1]:4000" or Address objects.
 * Bad entries are refused when the list is built, so a typo fails at start-up, not at join time.
 */
import { InvalidArgumentError } from '../errors';
import type { Address } from '../routing/handle';
import { addressKey, formatIp } from '../transport/address';
import { parseAddress } from '../transport/address';
import type { BootstrapProvider } from './provider';

const PORT = /^\d{1,5}$/;

/** "a.b.c.d:port" or "[v6]:port" to an Address; a peer's port is never 0. */
export function parseEndpoint(text: string): Address {
  const s = text.trim();
  let host: string;
  let port: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']:');
    if (close < 0) throw new InvalidArgumentError(`expected "[ipv6]:port", got ${JSON.stringify(text)}`);
    host = s.slice(1, close);
    port = s.slice(close + 2);
    // Brackets are only for IPv6: they set its colons apart from the port's.
    if (!host.includes(':')) throw new InvalidArgumentError(`not an IPv6 literal in brackets: ${JSON.stringify(text)}`);
  } else {
    const colon = s.lastIndexOf(':');
    host = s.slice(0, colon);
    port = s.slice(colon + 1);
    if (colon < 0 || host.includes(':')) {
      throw new InvalidArgumentError(`expected "ipv4:port" or "[ipv6]:port", got ${JSON.stringify(text)}`);
    }
  }
  const portNumber = Number(port);
  if (!PORT.test(port) || portNumber < 1 || portNumber > 65535) {
    throw new InvalidArgumentError(`bad port in ${JSON.stringify(text)}`);
  }
  return parseAddress(host, portNumber);
}

/** The text parseEndpoint reads back: "a.b.c.d:port" or "[v6]:port". */
export function formatEndpoint(a: Address): string {
  return a.family === 4 ? `${formatIp(a)}:${a.port}` : `[${formatIp(a)}]:${a.port}`;
}

/** A copy of an Address object after checking it is one a peer can have. */
export function checkedAddress(a: Address): Address {
  const lengthOk = (a.family === 4 && a.ip?.length === 4) || (a.family === 6 && a.ip?.length === 16);
  if (!lengthOk || !(a.ip instanceof Uint8Array)) throw new InvalidArgumentError('an address is family 4 with 4 IP bytes or 6 with 16');
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new InvalidArgumentError(`bad port ${a.port}`);
  return Object.freeze({ family: a.family, ip: Uint8Array.from(a.ip), port: a.port });
}

/**
 * A bootstrap provider with a fixed list of endpoints from configuration: `"127.0.0.1:4000"`,
 * `"[::1]:4000"` or Address objects. Bad entries are refused by the constructor with
 * InvalidArgumentError, so a typo fails at start-up, not at join time; duplicates are dropped.
 */
export class StaticBootstrap implements BootstrapProvider {
  /** Always `static`. */
  readonly name = 'static';
  private readonly addresses: readonly Address[];

  constructor(entries: ReadonlyArray<Address | string>) {
    const seen = new Set<string>();
    const out: Address[] = [];
    for (const e of entries) {
      const a = typeof e === 'string' ? parseEndpoint(e) : checkedAddress(e);
      const key = addressKey(a);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
    this.addresses = out;
  }

  /** The configured endpoints, duplicates removed, in the order given. */
  async resolve(): Promise<Address[]> {
    return this.list();
  }

  /** The same, synchronously: a static list needs no I/O, so a join can start in the same event. */
  list(): Address[] {
    return [...this.addresses];
  }
}
