/**
 * This node as a publisher (JSAC 2004 §III-B): the objects it serves, the sequence each publication
 * carries, and the records that publish, republish (soft state) and unpublish send toward every
 * salted root. Pure: time comes in as `now`; the caller routes the records it returns, in order.
 *
 * Signed records are signed once per version: a republish re-sends the signature it already has
 * while its receivers would still renew their pointers with it (see `renewMs`), and takes a new
 * sequence and signature only after that. With a schedule (`republishMs`), each publication is
 * republished at its own phase of the period (republishSchedule.ts) rather than all at once.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { LocationRecord } from '../security/records';
import type { OwnerClaim, PublishMsg, UnpublishMsg } from './messages';
import { RepublishSchedule } from './republishSchedule';

/** One object this node serves. */
export interface Publication {
  readonly object: Guid;
  readonly tag: string;
  /** The sequence its records carry now: a new publish, or a signed republish, takes a higher one. */
  readonly sequence: number;
  /** The ownership claim its records carry (location/ownership.ts); absent: an open object. */
  readonly owner?: OwnerClaim;
}

/** Signs this node's records (location/recordGate.ts's RecordGate is one). */
export interface RecordSigner {
  /** Whether records are signed (and so a republish needs a fresh sequence). */
  readonly authenticates: boolean;
  /** The signature fields for `record`, or undefined when nothing is signed. */
  sign(record: LocationRecord): { publisherKey: Uint8Array; signature: Uint8Array } | undefined;
}

export interface PublisherOptions {
  /** This node: the server every record names. */
  readonly self: NodeHandle;
  /** Salted roots each object is published toward (one record each). */
  readonly salts: number;
  /** How long the pointers a publish leaves live without a republish (ms). */
  readonly pointerLifetimeMs: number;
  /**
   * How long after a node first accepts a signed record an unchanged copy still renews its pointer
   * (ms; DEFAULTS.signedRecordRenewMs, the receivers' RecordGate.renewMs). A republish re-sends the
   * record it has while `age + pointerLifetimeMs ≤ renewMs`, so the copy renews every pointer for a
   * full lifetime exactly as a fresh record would; otherwise it signs a new sequence. Absent or 0:
   * every signed republish is a new sequence.
   */
  readonly renewMs?: number;
  /** Republish period for `republishDue` (ms); absent: only `republishAll` republishes. */
  readonly republishMs?: number;
  /** Where this node's republish phases start, in [0, 1) (e.g. from its GUID). Default 0. */
  readonly phaseOffset?: number;
}

/** A publication's signature fields and when they were made. */
interface SignedVersion {
  readonly sequence: number;
  readonly signedAt: number;
  readonly fields: { publisherKey: Uint8Array; signature: Uint8Array } | undefined;
}

export class Publisher {
  /** Object GUID hex → publication. Bounded by what the application publishes (one entry per object). */
  private readonly published = new Map<string, Publication>();
  /** The last sequence handed out: sequences only grow. */
  private sequenceBase = 0;
  /** Object GUID hex → the signature of its current publication (one entry per publication). */
  private readonly versions = new Map<string, SignedVersion>();
  /** When each publication is next republished; undefined without a period. */
  private readonly schedule: RepublishSchedule | undefined;

  constructor(
    private readonly opts: PublisherOptions,
    private readonly signer: RecordSigner,
  ) {
    const period = opts.republishMs ?? 0;
    this.schedule = period > 0 ? new RepublishSchedule(period, opts.phaseOffset ?? 0) : undefined;
  }

  /** Objects published. */
  get size(): number {
    return this.published.size;
  }

  /** The publication of `object`, if this node serves it. */
  get(object: Guid): Publication | undefined {
    return this.published.get(object.hex);
  }

  /** Advertises that this node serves `object`: the records to route, salted root 0 first. */
  publish(object: Guid, tag: string, now: number, owner?: OwnerClaim): PublishMsg[] {
    const prev = this.published.get(object.hex);
    // A fresh sequence on every publish: it replaces what an earlier publication left behind.
    const seq = this.nextSequence(prev, now);
    const pub: Publication = owner === undefined ? { object, tag, sequence: seq } : { object, tag, sequence: seq, owner };
    this.published.set(object.hex, pub);
    this.schedule?.add(object.hex, now);
    return this.records(pub, now);
  }

  /** Withdraws `object`: the unpublish records to route, or undefined when it was not published. */
  unpublish(object: Guid): UnpublishMsg[] | undefined {
    const pub = this.published.get(object.hex);
    if (!pub) return undefined;
    this.published.delete(object.hex);
    this.versions.delete(object.hex);
    this.schedule?.remove(object.hex);
    const server = this.opts.self;
    // Withdraws the publication's current sequence; ranks just above that publish (security/records.ts).
    const signed = this.signer.sign({ kind: 'unpublish', object, server, sequence: pub.sequence });
    const out: UnpublishMsg[] = [];
    for (let salt = 0; salt < this.opts.salts; salt++) {
      out.push({ object, server, saltIndex: salt, sequence: pub.sequence, extra: false, ...signed });
    }
    return out;
  }

  /** Soft state: every publication's records again, publication by publication, refreshing the pointers' expiry. */
  republishAll(now: number): PublishMsg[] {
    const out: PublishMsg[] = [];
    for (const key of this.published.keys()) this.republishOne(key, now, out);
    return out;
  }

  /** Soft state on a schedule: the records of the publications due by `now`, earliest first. */
  republishDue(now: number): PublishMsg[] {
    const out: PublishMsg[] = [];
    for (const key of this.schedule?.due(now) ?? []) this.republishOne(key, now, out);
    return out;
  }

  /** When `republishDue` next has something to send, or undefined (nothing published, or no period). */
  nextRepublishAt(): number | undefined {
    return this.schedule?.nextAt();
  }

  private republishOne(key: string, now: number, out: PublishMsg[]): void {
    const pub = this.published.get(key);
    if (pub === undefined) return;
    // A signed record that its receivers would no longer renew a pointer with gets a new sequence:
    // the refresh is then a fresh record, and a copy of an old version replayed later is refused (or
    // runs out with the receivers' renew window) instead of keeping a withdrawn server's pointers alive.
    let current = pub;
    if (this.signer.authenticates && !this.reusable(key, pub, now)) {
      current = { ...pub, sequence: this.nextSequence(pub, now) };
      this.published.set(key, current);
    }
    for (const r of this.records(current, now)) out.push(r);
  }

  /** Whether re-sending the current signature renews every receiver's pointer for a full lifetime. */
  private reusable(key: string, pub: Publication, now: number): boolean {
    const v = this.versions.get(key);
    return v !== undefined && v.sequence === pub.sequence && now - v.signedAt + this.opts.pointerLifetimeMs <= (this.opts.renewMs ?? 0);
  }

  /**
   * Sequences only grow, also across unpublish/publish of the same object: the clock keeps them
   * above what a restarted node used before, the counter keeps them distinct within a millisecond.
   */
  nextSequence(prev: Publication | undefined, now: number): number {
    const candidate = Math.max(Math.floor(now), this.sequenceBase + 1, (prev?.sequence ?? 0) + 1);
    this.sequenceBase = candidate;
    return candidate >>> 0;
  }

  /**
   * One publish record per salted root; one signature serves them all (the salt is a per-hop field),
   * and serves again while the publication's sequence is unchanged.
   */
  private records(pub: Publication, now: number): PublishMsg[] {
    const lifetimeMs = this.opts.pointerLifetimeMs;
    const server = this.opts.self;
    const key = pub.object.hex;
    let version = this.versions.get(key);
    if (version === undefined || version.sequence !== pub.sequence) {
      const o = pub.owner;
      const fields = this.signer.sign({
        kind: 'publish', object: pub.object, server, tag: pub.tag, sequence: pub.sequence, lifetimeMs,
        ...(o === undefined ? {} : { owner: o.nameHash ? { key: o.key, nameHash: o.nameHash } : { key: o.key } }),
      });
      version = { sequence: pub.sequence, signedAt: now, fields };
      this.versions.set(key, version);
    }
    const signed = version.fields;
    const out: PublishMsg[] = [];
    for (let salt = 0; salt < this.opts.salts; salt++) {
      out.push({
        object: pub.object, server, tag: pub.tag, saltIndex: salt, sequence: pub.sequence,
        lifetimeMs, pathLatency: 0, extra: false, ...signed, ...(pub.owner && signed ? { owner: pub.owner } : {}),
      });
    }
    return out;
  }
}
