/**
 * The check every signed publish or unpublish passes before this node acts on it (stores, serves,
 * forwards or withdraws a pointer): it must carry the server's credential and signature, the
 * credential must stand for the server's GUID, the signature must verify, and the record must not be
 * older than the newest one accepted from that publisher for that object (a replay).
 *
 * An exact duplicate of the newest record passes: the same publish reaches a node once per salted
 * path that crosses it, again in a hand-over, and again after a hop's failover. It is reported with
 * the time its first copy was accepted, so a duplicate replayed later cannot keep a pointer alive
 * past that copy's lifetime; the publisher refreshes pointers by republishing with a new sequence.
 *
 * With a provider that does not authenticate (`none`) every record passes unchecked, at no cost.
 */
import { recordOrder, type LocationRecord } from '../security/records';
import { signRecord, verifyRecord } from '../security/recordSigning';
import type { SecurityProvider } from '../security/provider';
import { ReplayGuard } from '../security/replayGuard';
import type { PublishMsg, UnpublishMsg } from './messages';

export interface RecordGateStats {
  /** Records refused for carrying no signature while this node requires one. */
  unsignedRecords: number;
  /** Records refused for a credential that does not stand for the server, or a bad signature. */
  forgedRecords: number;
  /** Records refused for being older than one already accepted. */
  replayedRecords: number;
}

export class RecordGate {
  readonly stats: RecordGateStats = { unsignedRecords: 0, forgedRecords: 0, replayedRecords: 0 };
  readonly guard = new ReplayGuard();

  constructor(readonly provider: SecurityProvider) {}

  get authenticates(): boolean {
    return this.provider.authenticates;
  }

  /** The signature fields this node adds to a record it publishes (none when not authenticating). */
  sign(record: LocationRecord): { publisherKey: Uint8Array; signature: Uint8Array } | undefined {
    if (!this.provider.authenticates) return undefined;
    return { publisherKey: this.provider.credential(), signature: signRecord(this.provider, record) };
  }

  /**
   * When the record may be acted on: the time its first copy was accepted here (now for a fresh
   * record), or undefined when it is refused (counted). Never throws.
   */
  admit(msg: PublishMsg | UnpublishMsg, record: LocationRecord, now: number): number | undefined {
    if (!this.provider.authenticates) return now;
    const key = msg.publisherKey;
    const signature = msg.signature;
    if (key === undefined || signature === undefined) {
      this.stats.unsignedRecords++;
      return undefined;
    }
    const order = recordOrder(record);
    // The cheap check first: a replay is refused without a signature verification.
    const verdict = this.guard.check(key, record.object.bytes, order, now);
    if (verdict === 'replay') {
      this.stats.replayedRecords++;
      return undefined;
    }
    if (!verifyRecord(this.provider, key, record, signature)) {
      this.stats.forgedRecords++;
      return undefined;
    }
    // Admitted only after the signature held: a forged record with a huge sequence locks nobody out.
    if (verdict === 'fresh') {
      this.guard.admit(key, record.object.bytes, order, now);
      return now;
    }
    return this.guard.acceptedAt(key, record.object.bytes, now) ?? now;
  }
}

/** The signed statement of a publish message (its per-hop fields left out). */
export function publishRecord(p: PublishMsg): LocationRecord {
  return { kind: 'publish', object: p.object, server: p.server, tag: p.tag, sequence: p.sequence, lifetimeMs: p.lifetimeMs };
}

/** The signed statement of an unpublish message. */
export function unpublishRecord(u: UnpublishMsg): LocationRecord {
  return { kind: 'unpublish', object: u.object, server: u.server, sequence: u.sequence };
}
