/**
 * Which records a DHT node takes (pure: no clock, no I/O). Every record arriving — at a root (PUT), a
 * replica holder (STORE), a node on a get's path (CACHE) and at the getter (VALUE) — passes the
 * user's validator, and under an authenticating provider its publisher's signature
 * (recordSignature.ts): a record that fails is refused and counted, never stored and never served.
 *
 * Cached copies, under `signed`: a node takes a CACHE only from the node it last passed a get for
 * that salted key to (gets for a popular key pass by together, so every copy from there is taken). A copy is otherwise a record nobody asked this node to hold; a publisher with a
 * key of its own could sign a record of an owned key and spread it to path caches that held none, to
 * be served there in place of the owner's.
 */
import type { Guid } from '../../routing/guid';
import type { ModuleSecurity } from '../contract';
import type { DhtValidator } from './api';
import type { DhtRecord, DhtRemoval } from './messages';
import { recordVerifies, removalVerifies, signRecord, signRemoval } from './recordSignature';

/** What became of a record arriving: taken, refused by the validator, or forged (signature or credential refused). */
export type RecordVerdict = 'ok' | 'invalid' | 'forged';

/** The counters the gate keeps (part of DhtStats). */
export interface GateCounts {
  invalid: number;
  forged: number;
  unsolicitedCopies: number;
}

export class RecordGate {
  /** Salted key hex → the next hop a get for it went to (insertion order: oldest first). */
  private readonly awaited = new Map<string, string>();

  constructor(
    private readonly security: ModuleSecurity,
    private readonly validator: DhtValidator | undefined,
    readonly counts: GateCounts,
    private readonly maxAwaited: number,
  ) {}

  /** Whether keys are owned (the provider authenticates): see RecordStore. */
  get owned(): boolean {
    return this.security.authenticates;
  }

  /** Copies awaited (bounded by maxAwaited). */
  get awaitedCopies(): number {
    return this.awaited.size;
  }

  /** Whether the validator accepts `value` under `key` (no validator: any value). */
  valid(key: Guid, value: Uint8Array): boolean {
    if (!this.validator) return true;
    try {
      return this.validator.validate(key, value) !== false;
    } catch {
      return false;
    }
  }

  /** Whether `record` may be taken under `key`; a refusal is counted. The signature first: a forged record is forged whatever its value. */
  check(key: Guid, record: DhtRecord): RecordVerdict {
    if (!recordVerifies(this.security, key, record)) {
      this.counts.forged++;
      return 'forged';
    }
    if (!this.valid(key, record.value)) {
      this.counts.invalid++;
      return 'invalid';
    }
    return 'ok';
  }

  /** Whether a remove of `publisher`'s record of `key` is its own (always, when nothing is authenticated); a forged one is counted. */
  removalOk(key: Guid, publisher: Guid, removal: DhtRemoval | undefined): boolean {
    if (removalVerifies(this.security, key, publisher, removal)) return true;
    this.counts.forged++;
    return false;
  }

  /** This node's record, signed when the provider authenticates. */
  sign(key: Guid, record: DhtRecord): DhtRecord {
    return signRecord(this.security, key, record);
  }

  /** This node's removal of its record, signed when the provider authenticates (else undefined). */
  signRemoval(key: Guid, seq: number, publisher: Guid): DhtRemoval | undefined {
    return signRemoval(this.security, key, seq, publisher);
  }

  /** A get for `salted` (hex) went on to `nextHop`: its copy may come back from there. */
  expectCopy(salted: string, nextHop: Guid): void {
    if (!this.security.authenticates) return;
    this.awaited.delete(salted); // re-inserted last: the newest expectation
    if (this.awaited.size >= this.maxAwaited) this.awaited.delete(this.awaited.keys().next().value!);
    this.awaited.set(salted, nextHop.hex);
  }

  /** Whether a copy of `salted` from `from` is awaited (always, when nothing is authenticated); a refusal is counted. */
  copyAwaited(salted: string, from: Guid | undefined): boolean {
    if (!this.security.authenticates) return true;
    if (from && this.awaited.get(salted) === from.hex) return true;
    this.counts.unsolicitedCopies++;
    return false;
  }
}
