/**
 * The check every signed publish or unpublish passes before this node acts on it (stores, serves,
 * forwards or withdraws a pointer): it must carry the server's credential and signature, the
 * credential must stand for the server's GUID, the signature must verify, and the record must not be
 * older than the newest one accepted from that publisher for that object (a replay).
 *
 * An exact duplicate of the newest record passes: the same publish reaches a node once per salted
 * path that crosses it, again in a hand-over, again after a hop's failover, and again when its
 * publisher re-sends it unchanged on republish. It is reported with the time its first copy was
 * accepted, and `lifetimeLeft` lets a copy renew the pointer only within `renewMs` of that time
 * (DEFAULTS.signedRecordRenewMs), so a duplicate replayed after its publisher is gone cannot keep a
 * pointer alive past that window; the publisher re-signs with a new sequence before it runs out.
 *
 * Signatures already checked are remembered (security/verifiedRecords.ts): a duplicate costs a hash,
 * not a verification. The replay check comes first and does not depend on the cache.
 *
 * With a provider that does not authenticate (`none`) every record passes unchecked, at no cost.
 */
import { DEFAULTS } from '../defaults';
import { encodeRecord, recordOrder, type LocationRecord } from '../security/records';
import type { SecurityProvider } from '../security/provider';
import { ReplayGuard } from '../security/replayGuard';
import { VerifiedRecords } from '../security/verifiedRecords';
import type { PublishMsg, UnpublishMsg } from './messages';
import type { Guid } from '../routing/guid';
import { encodeGrant } from '../security/ownership';

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
  /** Signatures checked here before (and the records this node signed itself). */
  readonly verified: VerifiedRecords;

  constructor(
    readonly provider: SecurityProvider,
    opts: { readonly verifiedEntries?: number; readonly renewMs?: number } = {},
  ) {
    this.verified = new VerifiedRecords(opts.verifiedEntries ?? DEFAULTS.verifiedRecordEntries);
    this.renewMs = opts.renewMs ?? DEFAULTS.signedRecordRenewMs;
  }

  /** How long after its first copy an unchanged record may still renew a pointer (ms). */
  readonly renewMs: number;

  get authenticates(): boolean {
    return this.provider.authenticates;
  }

  /** The signature fields this node adds to a record it publishes (none when not authenticating). */
  sign(record: LocationRecord): { publisherKey: Uint8Array; signature: Uint8Array } | undefined {
    if (!this.provider.authenticates) return undefined;
    const bytes = encodeRecord(record);
    const publisherKey = this.provider.credential();
    const signature = this.provider.sign(bytes);
    // This node's own record comes back through its own forward upcall: known good, never verified.
    this.verified.remember(bytes, signature, publisherKey);
    return { publisherKey, signature };
  }

  /**
   * How long a pointer left by this copy of a record may live from `now` (ms; ≤ 0: not at all), given
   * `firstAt` from `admit`: the record's lifetime from now, but never past `renewMs` after the first
   * copy (nor past the first copy's own lifetime when that is longer). A fresh record (firstAt = now)
   * gets its whole lifetime; an unchanged republish renews the pointer like a fresh one while it is
   * young; a copy replayed later runs out with the window.
   */
  lifetimeLeft(lifetimeMs: number, firstAt: number, now: number): number {
    return Math.min(lifetimeMs, firstAt + Math.max(lifetimeMs, this.renewMs) - now);
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
    if (!this.signatureHolds(key, record, signature)) {
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

  /**
   * Whether a record's signature holds (its server's credential and signature), without the replay
   * check and without advancing the replay guard: for a record that is quoted (an owner notice), not
   * acted on as a publish. Never throws.
   */
  recordHolds(msg: PublishMsg | UnpublishMsg, record: LocationRecord): boolean {
    if (!this.provider.authenticates) return true;
    if (msg.publisherKey === undefined || msg.signature === undefined) return false;
    return this.signatureHolds(msg.publisherKey, record, msg.signature);
  }

  /**
   * Whether `signature` is `ownerKey`'s grant to `server` for `object` until `expiresAt`
   * (security/ownership.ts), answered from the same cache as records (a grant's bytes carry their
   * own domain tag, so they never collide with a record's). Never throws.
   */
  grantHolds(ownerKey: Uint8Array, object: Guid, server: Guid, expiresAt: number, signature: Uint8Array): boolean {
    let bytes: Uint8Array;
    try {
      bytes = encodeGrant(object, server, expiresAt);
    } catch {
      return false;
    }
    const provider = this.provider;
    return this.verified.check(bytes, signature, ownerKey, () => provider.verify(ownerKey, bytes, signature));
  }

  /**
   * Whether `signature` is the record's server's signature of it, with `credential` the server's
   * (security/recordSigning.ts's verifyRecord), answered from the cache when this exact triple passed
   * before. A record that cannot be encoded is not valid.
   */
  private signatureHolds(credential: Uint8Array, record: LocationRecord, signature: Uint8Array): boolean {
    let bytes: Uint8Array;
    try {
      bytes = encodeRecord(record);
    } catch {
      return false;
    }
    const provider = this.provider;
    return this.verified.check(bytes, signature, credential, () =>
      provider.validateCredential(credential, record.server.guid) && provider.verify(credential, bytes, signature),
    );
  }
}

/** The signed statement of a publish message (its per-hop fields left out). */
export function publishRecord(p: PublishMsg): LocationRecord {
  const record: LocationRecord = { kind: 'publish', object: p.object, server: p.server, tag: p.tag, sequence: p.sequence, lifetimeMs: p.lifetimeMs };
  if (p.owner === undefined) return record;
  return { ...record, owner: p.owner.nameHash ? { key: p.owner.key, nameHash: p.owner.nameHash } : { key: p.owner.key } };
}

/** The signed statement of an unpublish message. */
export function unpublishRecord(u: UnpublishMsg): LocationRecord {
  return { kind: 'unpublish', object: u.object, server: u.server, sequence: u.sequence };
}
