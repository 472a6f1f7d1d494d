/**
 * The root replicas this node holds (pure: no I/O, time as an argument). A session's creator routes
 * CREATE to each salted session GUID (its tree GUID, upcalls/bayeux/treeGuid.ts); the node it reaches
 * holds that tree's record: which session and replica it roots, how many replicas the session has,
 * who created it (only the creator may tear it down), and when the record lapses without the
 * creator's next refresh. Bounded (bayeuxMaxSessions records).
 */
import type { Guid } from '../../routing/guid';

export interface RootRecord {
  readonly session: Guid;
  readonly replica: number;
  readonly replicas: number;
  /** GUID hex of the session's creator. */
  readonly creator: string;
  readonly expiresAt: number;
}

/** What a CREATE did here. */
export type CreateOutcome = 'new' | 'refreshed' | 'refused' | 'full';

export class SessionRoots {
  /** tree GUID hex → record. */
  private readonly records = new Map<string, RootRecord>();

  constructor(private readonly maxRecords: number) {}

  get size(): number {
    return this.records.size;
  }

  /** The record of the tree `tree` (hex), if this node roots it. */
  get(tree: string): RootRecord | undefined {
    return this.records.get(tree);
  }

  /** Records (or refreshes) a CREATE; another creator's live session is not taken over. */
  create(tree: string, rec: RootRecord): CreateOutcome {
    const had = this.records.get(tree);
    if (had && had.creator !== rec.creator) return 'refused';
    if (!had && this.records.size >= this.maxRecords) return 'full';
    this.records.set(tree, rec);
    return had ? 'refreshed' : 'new';
  }

  /** Removes the record of `tree` (teardown); returns it. */
  remove(tree: string): RootRecord | undefined {
    const rec = this.records.get(tree);
    this.records.delete(tree);
    return rec;
  }

  /** Whether this node still roots any tree of `session` (hex): its pointer stays published while it does. */
  rootsSession(session: string): boolean {
    for (const r of this.records.values()) if (r.session.hex === session) return true;
    return false;
  }

  /** Removes the records that lapsed by `now`; returns them. */
  expire(now: number): RootRecord[] {
    const out: RootRecord[] = [];
    for (const [k, r] of this.records) {
      if (r.expiresAt <= now) {
        this.records.delete(k);
        out.push(r);
      }
    }
    return out;
  }

  /** The earliest expiry, or Infinity. */
  nextExpiry(): number {
    let next = Infinity;
    for (const r of this.records.values()) if (r.expiresAt < next) next = r.expiresAt;
    return next;
  }
}
