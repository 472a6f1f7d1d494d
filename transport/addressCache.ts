/**
 * The UDP transport's two address caches, one per direction of the per-datagram conversion between
 * an Address ({ family, ip bytes, port }) and the text node:dgram speaks:
 *
 * - HostTexts: destination Address → the host text handed to dgram. Keyed by the Address object in
 *   a WeakMap: the Addresses a node sends to are held by its routing table, interned handles and
 *   pending hops, so the same object comes back send after send, and an entry lives no longer than
 *   its Address. A count of entries added bounds it as well (DEFAULTS.udpAddressCache): past it the
 *   cache starts over empty, so it stays bounded even while something keeps its keys alive. An
 *   Address is a value: its ip bytes are not changed once it has been used (a cached text would not
 *   follow the change); the port is read afresh on every send and is not part of the text.
 *
 * - SenderAddresses: a sender's text and port (dgram's rinfo) → one frozen Address, so a peer that
 *   sends again is not parsed again and its datagrams all carry the same Address object (which in
 *   turn keeps HostTexts' hits high for the acknowledgements sent back to it). A Map by text, then by
 *   port; past DEFAULTS.udpAddressCache entries it starts over empty.
 */
import type { Address } from '../routing/handle';
import { parseAddress } from './address';

export class HostTexts {
  private texts = new WeakMap<Address, string>();
  private added = 0;

  /** @param limit most entries added before the cache starts over (≥ 1). */
  constructor(private readonly limit: number) {}

  /** The cached text for this Address object, if any. */
  get(to: Address): string | undefined {
    return this.texts.get(to);
  }

  /** Remembers `text` for this Address object; starts over first when the cache is full. */
  set(to: Address, text: string): void {
    if (this.added >= this.limit) {
      this.texts = new WeakMap();
      this.added = 0;
    }
    this.texts.set(to, text);
    this.added++;
  }

  /** Entries added since the cache last started over: an upper bound of the entries it holds. */
  get size(): number {
    return this.added;
  }
}

export class SenderAddresses {
  private byText = new Map<string, Map<number, Address>>();
  private count = 0;

  /** @param limit most Addresses held (≥ 1). */
  constructor(private readonly limit: number) {}

  /** The Address of `host`:`port` (parsed once); throws InvalidArgumentError as parseAddress does. */
  get(host: string, port: number): Address {
    let ports = this.byText.get(host);
    const known = ports?.get(port);
    if (known) return known;
    const parsed = parseAddress(host, port);
    if (this.count >= this.limit) {
      this.byText = new Map();
      this.count = 0;
      ports = undefined;
    }
    if (!ports) this.byText.set(host, (ports = new Map()));
    ports.set(port, parsed);
    this.count++;
    return parsed;
  }

  /** Addresses held. */
  get size(): number {
    return this.count;
  }
}
