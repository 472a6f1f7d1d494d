/**
 * Duplicate suppression at the destination. A hop that failed over may have sent a second copy of a
 * message that did arrive, and a lost HopAck brings a DirectMsg twice: each is delivered once. Keys
 * name one message (e.g. "source:routeId:fragment", "d:sender:frameId"); the caller builds them.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from './boundedMap';

/** Duplicate-suppression counters, part of the router's stats (`node.stats.router`). */
export interface DuplicateStats {
  /** Second copies of a message (made by a failover) dropped at the destination. */
  duplicates: number;
}

export class DuplicateFilter {
  /** Key → when it was delivered; oldest first, at most `limit` (DEFAULTS.maxRecentDeliveries). */
  private readonly recent: BoundedMap<string, number>;

  constructor(
    private readonly stats: DuplicateStats,
    limit: number = DEFAULTS.maxRecentDeliveries,
    private readonly windowMs: number = DEFAULTS.duplicateWindowMs,
  ) {
    this.recent = new BoundedMap(limit);
  }

  /** Keys remembered. */
  get size(): number {
    return this.recent.size;
  }

  /**
   * False (counted as a duplicate) when `key` was delivered within the window before `now`;
   * remembers it otherwise. The window outlasts every retransmission and failover of one message,
   * and no more: a restarted node numbers its messages from the start again, and must be heard. A
   * clock that stepped back (`now` before the remembered time) never suppresses.
   */
  firstDelivery(key: string, now: number): boolean {
    const at = this.recent.get(key);
    if (at !== undefined && now - at < this.windowMs && now >= at) {
      this.stats.duplicates++;
      return false;
    }
    this.recent.refresh(key, now);
    return true;
  }
}
