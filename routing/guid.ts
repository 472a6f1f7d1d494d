import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';

/** The shape of the identifier space: ID width and digit width. */
export interface IdSpace {
  /** Bits in a GUID: 160 or 256. */
  readonly bits: 160 | 256;
  /** Bits per digit: 1, 2, 4 or 8. */
  readonly digitBits: 1 | 2 | 4 | 8;
  /** Values a digit takes: 2^digitBits. Slots per routing level. */
  readonly base: number;
  /** Digits in a GUID: bits / digitBits. Levels in a routing table. */
  readonly digits: number;
  /** Bytes in a GUID. */
  readonly bytes: number;
}

const spaces = new Map<string, IdSpace>();

/** The id space for the given widths; validated, and shared so it can be compared with ===. */
export function idSpace(bits: number = DEFAULTS.idBits, digitBits: number = DEFAULTS.digitBits): IdSpace {
  if (bits !== 160 && bits !== 256) throw new InvalidArgumentError(`idBits must be 160 or 256, got ${bits}`);
  if (digitBits !== 1 && digitBits !== 2 && digitBits !== 4 && digitBits !== 8) {
    throw new InvalidArgumentError(`digitBits must be 1, 2, 4 or 8, got ${digitBits}`);
  }
  const key = `${bits}/${digitBits}`;
  let space = spaces.get(key);
  if (!space) {
    space = Object.freeze({ bits, digitBits, base: 1 << digitBits, digits: bits / digitBits, bytes: bits / 8 });
    spaces.set(key, space);
  }
  return space;
}

/** The default space: 160-bit IDs, hex digits. */
export const DEFAULT_SPACE = idSpace();

const HEX = /^[0-9a-f]*$/;

/** A node or object identifier: immutable bytes plus their lowercase hex form. */
export class Guid {
  /** The identifier, big-endian: 20 bytes (160 bits) or 32 bytes (256 bits). Do not modify. */
  readonly bytes: Uint8Array;
  /**
   * The first 32 bits as a small integer, top bit flipped so that its signed order is the bytes'
   * unsigned order. Equality, order and shared prefixes are almost always settled here: in a large
   * simulation a comparison that reads the byte array costs another memory access (a cache miss)
   * per GUID compared.
   */
  readonly lead: number;
  /** Built on first use: most GUIDs decoded on the per-hop path are compared, never printed. */
  private hexForm: string | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.lead = ((bytes[0] ^ 0x80) << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  }

  /** Lowercase hex, 40 or 64 digits. */
  get hex(): string {
    return (this.hexForm ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('hex'));
  }

  /** A GUID from raw bytes (copied, so a decoded datagram's buffer is never kept). */
  static fromBytes(bytes: Uint8Array): Guid {
    if (bytes.length !== 20 && bytes.length !== 32) {
      throw new InvalidArgumentError(`a GUID is 20 or 32 bytes, got ${bytes.length}`);
    }
    return new Guid(new Uint8Array(bytes));
  }

  /** A GUID from 40 or 64 hex digits. */
  static fromHex(hex: string): Guid {
    const lower = hex.toLowerCase();
    if ((lower.length !== 40 && lower.length !== 64) || !HEX.test(lower)) {
      throw new InvalidArgumentError(`a GUID is 40 or 64 hex digits, got "${hex}"`);
    }
    return new Guid(Uint8Array.from(Buffer.from(lower, 'hex')));
  }

  /** The GUID of a name or key: SHA-1 for 160-bit spaces, SHA-256 for 256-bit ones. */
  static fromName(name: string | Uint8Array, bits: 160 | 256 = DEFAULTS.idBits): Guid {
    const data = typeof name === 'string' ? new TextEncoder().encode(name) : name;
    return new Guid(bits === 160 ? sha1(data) : sha256(data));
  }

  /** A GUID of the given width from a random source (tests and simulations pass a seeded one). */
  static random(nextByte: () => number, bits: 160 | 256 = DEFAULTS.idBits): Guid {
    const bytes = new Uint8Array(bits / 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = nextByte() & 0xff;
    return new Guid(bytes);
  }

  /** Number of bits in this GUID. */
  get bits(): 160 | 256 {
    return this.bytes.length === 20 ? 160 : 256;
  }

  /** Whether `other` has the same width and bytes. */
  equals(other: Guid): boolean {
    if (this.lead !== other.lead) return false;
    const a = this.bytes;
    const b = other.bytes;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Digit i (0 = most significant) for the given digit width. */
  digit(i: number, digitBits: number): number {
    // Digits within the first 32 bits come from `lead` (its top bit flipped back).
    const end = (i + 1) * digitBits;
    if (end <= 32) return ((this.lead ^ 0x80000000) >>> (32 - end)) & ((1 << digitBits) - 1);
    return digitAt(this.bytes, i, digitBits);
  }

  /** A short form for logs: the first 8 hex digits. */
  toString(): string {
    return this.hex.slice(0, 8);
  }
}

/** Digit i of a big-endian byte string, 0 = most significant, for digits of 1, 2, 4 or 8 bits. */
export function digitAt(bytes: Uint8Array, i: number, digitBits: number): number {
  const bit = i * digitBits;
  const byte = bytes[bit >> 3];
  const shift = 8 - digitBits - (bit & 7);
  return (byte >> shift) & ((1 << digitBits) - 1);
}

/** How many leading digits a and b share (0 .. digits). */
export function sharedPrefixLength(a: Guid, b: Guid, digitBits: number): number {
  // The flipped top bits cancel: this is the XOR of the first 32 bits.
  const lead = a.lead ^ b.lead;
  if (lead !== 0) return Math.floor(Math.clz32(lead) / digitBits);
  const x = a.bytes;
  const y = b.bytes;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const diff = x[i] ^ y[i];
    if (diff !== 0) {
      // Leading equal bits inside this byte, then whole digits only.
      const equalBits = i * 8 + (Math.clz32(diff) - 24);
      return Math.floor(equalBits / digitBits);
    }
  }
  return (n * 8) / digitBits;
}

/** Compares GUIDs as unsigned big-endian integers: negative, zero or positive. */
export function compareGuids(a: Guid, b: Guid): number {
  if (a.lead !== b.lead) return a.lead < b.lead ? -1 : 1;
  return Buffer.compare(a.bytes, b.bytes);
}
