/**
 * This node as a publisher (JSAC 2004 §III-B): the objects it serves, the sequence each publication
 * carries, and the records that publish, republish (soft state) and unpublish send toward every
 * salted root. Pure: time comes in as `now`; the caller routes the records it returns, in order.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { LocationRecord } from '../security/records';
import type { PublishMsg, UnpublishMsg } from './messages';

/** One object this node serves. */
export interface Publication {
  readonly object: Guid;
  readonly tag: string;
  /** The sequence its records carry now: a new publish, or a signed republish, takes a higher one. */
  readonly sequence: number;
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
}

export class Publisher {
  /** Object GUID hex → publication. Bounded by what the application publishes (one entry per object). */
  private readonly published = new Map<string, Publication>();
  /** The last sequence handed out: sequences only grow. */
  private sequenceBase = 0;

  constructor(
    private readonly opts: PublisherOptions,
    private readonly signer: RecordSigner,
  ) {}

  /** Objects published. */
  get size(): number {
    return this.published.size;
  }

  /** The publication of `object`, if this node serves it. */
  get(object: Guid): Publication | undefined {
    return this.published.get(object.hex);
  }

  /** Advertises that this node serves `object`: the records to route, salted root 0 first. */
  publish(object: Guid, tag: string, now: number): PublishMsg[] {
    const prev = this.published.get(object.hex);
    // A fresh sequence on every publish: it replaces what an earlier publication left behind.
    const pub: Publication = { object, tag, sequence: this.nextSequence(prev, now) };
    this.published.set(object.hex, pub);
    return this.records(pub);
  }

  /** Withdraws `object`: the unpublish records to route, or undefined when it was not published. */
  unpublish(object: Guid): UnpublishMsg[] | undefined {
    const pub = this.published.get(object.hex);
    if (!pub) return undefined;
    this.published.delete(object.hex);
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
    for (const [key, pub] of this.published) {
      // Signed records get a new sequence each round: the refresh is then a fresh record, and a copy of
      // an old round replayed later is refused instead of keeping a withdrawn server's pointers alive.
      let current = pub;
      if (this.signer.authenticates) {
        current = { ...pub, sequence: this.nextSequence(pub, now) };
        this.published.set(key, current);
      }
      for (const r of this.records(current)) out.push(r);
    }
    return out;
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

  /** One publish record per salted root; one signature serves them all (the salt is a per-hop field). */
  private records(pub: Publication): PublishMsg[] {
    const lifetimeMs = this.opts.pointerLifetimeMs;
    const server = this.opts.self;
    const signed = this.signer.sign({ kind: 'publish', object: pub.object, server, tag: pub.tag, sequence: pub.sequence, lifetimeMs });
    const out: PublishMsg[] = [];
    for (let salt = 0; salt < this.opts.salts; salt++) {
      out.push({
        object: pub.object, server, tag: pub.tag, saltIndex: salt, sequence: pub.sequence,
        lifetimeMs, pathLatency: 0, extra: false, ...signed,
      });
    }
    return out;
  }
}
