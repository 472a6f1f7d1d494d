/**
 * What the root of a group GUID keeps: one record per announced group (who announced it, until when
 * it lives without a refresh) and a tombstone per torn-down group, so that joins to a group nobody
 * announced, or that was torn down, fail clearly. Soft state: the announcer refreshes its record; a
 * record or tombstone past its time is gone. Bounded (anycastMaxGroupRecords). Pure: time as `now`.
 */
import type { Guid } from '../../routing/guid';
import type { GroupOpKind, GroupStatus } from './messages';

interface GroupRecord {
  /** GUID hex of the node that announced it: only it may tear it down. */
  readonly announcer: string;
  readonly tornDown: boolean;
  readonly expiresAt: number;
}

export interface GroupRootLimits {
  readonly maxRecords: number;
  readonly recordLifetimeMs: number;
  readonly tombstoneMs: number;
}

export class GroupRoots {
  private readonly records = new Map<string, GroupRecord>();

  constructor(private readonly limits: GroupRootLimits) {}

  /** Records held (open groups and tombstones). */
  get size(): number {
    return this.records.size;
  }

  /** Open groups held. */
  get open(): number {
    let n = 0;
    for (const r of this.records.values()) if (!r.tornDown) n++;
    return n;
  }

  /** Answers one request from node `from` (GUID hex) about `group` at `now`, changing the record as it says. */
  handle(op: GroupOpKind, group: Guid, from: string, now: number): GroupStatus {
    this.expire(now);
    const key = group.hex;
    const rec = this.records.get(key);
    switch (op) {
      case 'announce': {
        // Another node's open group is not taken over; a tombstone may be reopened by anyone.
        if (rec && !rec.tornDown && rec.announcer !== from) return 'refused';
        if (!rec && this.records.size >= this.limits.maxRecords) return 'refused';
        this.records.set(key, { announcer: from, tornDown: false, expiresAt: now + this.limits.recordLifetimeMs });
        return 'open';
      }
      case 'teardown': {
        if (!rec) return 'unknown';
        if (rec.tornDown) return 'tornDown';
        if (rec.announcer !== from) return 'refused';
        this.records.set(key, { announcer: from, tornDown: true, expiresAt: now + this.limits.tombstoneMs });
        return 'tornDown';
      }
      case 'check':
        return !rec ? 'unknown' : rec.tornDown ? 'tornDown' : 'open';
    }
  }

  /** Drops records and tombstones past their time. */
  expire(now: number): void {
    for (const [k, r] of this.records) if (r.expiresAt <= now) this.records.delete(k);
  }

  /** The earliest expiry, or Infinity. */
  nextExpiry(): number {
    let next = Infinity;
    for (const r of this.records.values()) if (r.expiresAt < next) next = r.expiresAt;
    return next;
  }
}
