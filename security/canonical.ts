/**
 * A small writer and reader for the canonical byte strings that get signed. Every variable-length
 * field carries its length, and every string starts with a domain tag, so two different statements
 * never share an encoding (a challenge answer can never be taken for a signed record, and a tag
 * cannot bleed into the field after it).
 */
import { DecodeError, InvalidArgumentError } from '../errors';

export class CanonicalWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** Starts the string with its domain tag (ASCII, length-prefixed). */
  constructor(domain: string) {
    this.bytes8(new TextEncoder().encode(domain));
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new InvalidArgumentError(`not a u8: ${v}`);
    return this.push(Uint8Array.of(v));
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new InvalidArgumentError(`not a u32: ${v}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    return this.push(b);
  }

  /** Up to 255 bytes, after a one-byte length. */
  bytes8(b: Uint8Array): this {
    if (b.length > 0xff) throw new InvalidArgumentError(`field of ${b.length} bytes is over 255`);
    this.u8(b.length);
    return this.push(new Uint8Array(b));
  }

  /** Up to 65,535 bytes, after a two-byte big-endian length. */
  bytes16(b: Uint8Array): this {
    if (b.length > 0xffff) throw new InvalidArgumentError(`field of ${b.length} bytes is over 65535`);
    this.push(Uint8Array.of(b.length >> 8, b.length & 0xff));
    return this.push(new Uint8Array(b));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
}

/** Reads what CanonicalWriter wrote; any mismatch or overrun is a DecodeError. */
export class CanonicalReader {
  private at = 0;

  constructor(
    private readonly buf: Uint8Array,
    domain: string,
  ) {
    const tag = this.bytes8();
    if (Buffer.compare(tag, new TextEncoder().encode(domain)) !== 0) throw new DecodeError(`not a ${domain} string`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }

  u32(): number {
    this.need(4);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.at, 4).getUint32(0);
    this.at += 4;
    return v;
  }

  bytes8(): Uint8Array {
    return this.take(this.u8());
  }

  bytes16(): Uint8Array {
    this.need(2);
    const n = (this.buf[this.at] << 8) | this.buf[this.at + 1];
    this.at += 2;
    return this.take(n);
  }

  /** Whether every byte was read (an optional trailing field is absent). */
  get atEnd(): boolean {
    return this.at === this.buf.length;
  }

  /** Throws unless every byte was read: trailing bytes would make two encodings of one value. */
  end(): void {
    if (this.at !== this.buf.length) throw new DecodeError(`${this.buf.length - this.at} trailing bytes`);
  }

  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new DecodeError('truncated');
  }
}
