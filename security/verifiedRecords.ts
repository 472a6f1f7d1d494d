/**
 * Records whose signature this node has already checked, so a record that reaches it again (on
 * another salted path, as a pointer copy, in a hand-over, after a hop's failover, or re-sent
 * unchanged by its publisher's republish) costs a hash instead of an ed25519 verification (~100 µs).
 *
 * The key is a SHA-256 digest over exactly what the check depends on: the record's canonical bytes
 * (all the signature covers), the signature and the credential, each length-prefixed so no two
 * different triples share an input. Any changed byte of the record, another signature (a forgery) or
 * another key gives another key, and only checks that passed are remembered: a hit is a triple that
 * verified before with the same provider, so it would verify again.
 *
 * The cache only answers "is this signature good"; whether the record is a replay is the replay
 * guard's question, asked before this one and unchanged by it.
 *
 * Bounded: at most `limit` digests (DEFAULTS.verifiedRecordEntries), least recently used evicted.
 */
import { createHash } from 'node:crypto';
import { DEFAULTS } from '../defaults';
import { BoundedMap } from '../routing/boundedMap';

export interface VerifiedRecordStats {
  /** Checks answered from the cache (no signature verification). */
  hits: number;
  /** Checks that had to verify a signature. */
  misses: number;
}

export class VerifiedRecords {
  readonly stats: VerifiedRecordStats = { hits: 0, misses: 0 };
  private readonly seen: BoundedMap<string, true>;

  constructor(limit: number = DEFAULTS.verifiedRecordEntries) {
    this.seen = new BoundedMap(limit);
  }

  get size(): number {
    return this.seen.size;
  }

  /** Digests evicted to stay within the limit. */
  get evictions(): number {
    return this.seen.evictions;
  }

  /**
   * Whether the signature holds, asking `verify` only when this exact (bytes, signature, credential)
   * is not known to have passed; a pass is remembered, a failure never is.
   */
  check(bytes: Uint8Array, signature: Uint8Array, credential: Uint8Array, verify: () => boolean): boolean {
    const key = recordDigest(bytes, signature, credential);
    if (this.seen.has(key)) {
      this.stats.hits++;
      this.seen.refresh(key, true);
      return true;
    }
    this.stats.misses++;
    if (!verify()) return false;
    this.seen.refresh(key, true);
    return true;
  }

  /** Remembers a triple known to be good without verifying it (a record this node just signed). */
  remember(bytes: Uint8Array, signature: Uint8Array, credential: Uint8Array): void {
    this.seen.refresh(recordDigest(bytes, signature, credential), true);
  }
}

/** SHA-256 over the three parts, each behind its 4-byte big-endian length; base64 for a Map key. */
export function recordDigest(bytes: Uint8Array, signature: Uint8Array, credential: Uint8Array): string {
  const h = createHash('sha256');
  for (const part of [bytes, signature, credential]) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(part.length, 0);
    h.update(len);
    h.update(part);
  }
  return h.digest('base64');
}
