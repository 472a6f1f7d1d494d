/**
 * Return routability and anti-amplification (QUIC's address validation, RFC 9000 §8; DTLS cookies):
 * which source addresses proved they receive what is sent to them, and how many bytes an answer to an
 * unproven one may carry. A request from an unproven address is answered with at most the bytes
 * received from that address (its credit); a larger answer waits for the address to prove itself by
 * echoing a cookie, a MAC of the address and a time bucket under a key only this node holds, so the
 * check keeps no state per requester.
 *
 * An address is proven by: answering a ping this node sent there (the pong carried the ping's
 * nonce), or echoing a valid cookie. Proofs expire (DEFAULTS.provenAddressTtlMs): addresses change hands.
 *
 * Pure: time comes in as `now`, the key from the random source the node hands in (drawn once, lazily).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DEFAULTS } from '../defaults';
import { BoundedMap } from './boundedMap';
import type { Address } from './handle';
import { peerKey, type PeerKey } from './rateLimiter';

export interface ReturnRoutabilityLimits {
  readonly maxProven: number;
  readonly provenTtlMs: number;
  readonly maxCredits: number;
  readonly maxCreditBytes: number;
  readonly bucketMs: number;
  readonly cookieBytes: number;
}

const FROM_DEFAULTS: ReturnRoutabilityLimits = {
  maxProven: DEFAULTS.maxProvenAddresses,
  provenTtlMs: DEFAULTS.provenAddressTtlMs,
  maxCredits: DEFAULTS.maxAmplificationCredits,
  maxCreditBytes: DEFAULTS.maxAmplificationCreditBytes,
  bucketMs: DEFAULTS.cookieBucketMs,
  cookieBytes: DEFAULTS.cookieBytes,
};

export class ReturnRoutability {
  /** Proven address → when its proof expires (ms); the least recently proven goes first. */
  private readonly proven: BoundedMap<PeerKey, number>;
  /** Unproven address → bytes received from it not yet spent on answers; the oldest goes first. */
  private readonly credit: BoundedMap<PeerKey, number>;
  private key: Uint8Array | undefined;

  constructor(
    /** The node's random source; asked once, for the cookie key, when the first cookie is made or checked. */
    private readonly random: (bytes: number) => Uint8Array,
    private readonly limits: ReturnRoutabilityLimits = FROM_DEFAULTS,
  ) {
    this.proven = new BoundedMap(limits.maxProven);
    this.credit = new BoundedMap(limits.maxCredits);
  }

  /** `address` answered this node's ping or echoed its cookie at `now`: answers to it are no longer limited. */
  prove(address: Address, now: number): void {
    const key = peerKey(address);
    this.credit.delete(key);
    this.proven.refresh(key, now + this.limits.provenTtlMs);
  }

  isProven(address: Address, now: number): boolean {
    const until = this.proven.get(peerKey(address));
    return until !== undefined && until > now;
  }

  /** `bytes` came from `address`: an unproven address earns that much credit (up to maxCreditBytes). */
  received(address: Address, bytes: number, now: number): void {
    if (this.isProven(address, now)) return;
    const key = peerKey(address);
    this.credit.set(key, Math.min(this.limits.maxCreditBytes, (this.credit.get(key) ?? 0) + bytes));
  }

  /** Credit left for an unproven address (bytes); Infinity for a proven one. */
  creditOf(address: Address, now: number): number {
    return this.isProven(address, now) ? Number.POSITIVE_INFINITY : (this.credit.get(peerKey(address)) ?? 0);
  }

  /**
   * Whether an answer of `bytes` may go to `address` now; when it may and the address is unproven,
   * the answer's bytes are spent from its credit. A refused answer spends nothing.
   */
  spend(address: Address, bytes: number, now: number): boolean {
    if (this.isProven(address, now)) return true;
    const key = peerKey(address);
    const left = this.credit.get(key) ?? 0;
    if (bytes > left) return false;
    this.credit.set(key, left - bytes);
    return true;
  }

  /** The cookie `address` is to echo: a MAC of the address and the current time bucket. */
  cookie(address: Address, now: number): Uint8Array {
    return this.mac(address, Math.floor(now / this.limits.bucketMs));
  }

  /** Whether `cookie` is one this node gave `address` in this bucket or the last; a valid one proves the address. */
  checkCookie(address: Address, cookie: Uint8Array, now: number): boolean {
    const bucket = Math.floor(now / this.limits.bucketMs);
    const ok = equal(cookie, this.mac(address, bucket)) || equal(cookie, this.mac(address, bucket - 1));
    if (ok) this.prove(address, now);
    return ok;
  }

  private mac(address: Address, bucket: number): Uint8Array {
    this.key ??= this.random(32);
    const ip = address.ip;
    const data = new Uint8Array(ip.length + 7);
    data.set(ip, 0);
    let i = ip.length;
    data[i++] = address.family;
    data[i++] = (address.port >>> 8) & 0xff;
    data[i++] = address.port & 0xff;
    const b = bucket >>> 0;
    data[i++] = b >>> 24;
    data[i++] = (b >>> 16) & 0xff;
    data[i++] = (b >>> 8) & 0xff;
    data[i] = b & 0xff;
    return hmac(sha256, this.key, data).subarray(0, this.limits.cookieBytes);
  }
}

/** Compares in time independent of where the first difference is. */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
