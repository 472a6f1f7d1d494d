/**
 * Bayeux forwarding state of one node (pure: no I/O, time as an argument). A TREE message routed
 * from a session's root replica to a member leaves, on every node of its path, an entry
 * member → next hop, with the node it came from (its upstream) and an expiry. Data for the session
 * goes one copy per distinct next hop, so it is duplicated only where members' GUIDs diverge; only
 * entries learnt from the node the data came from are followed, so an entry left behind by a path
 * that repair replaced never sends a second copy. Leave walks the stored entries (PRUNE to the
 * entry's next hop); teardown frees a session at once. Bounded: sessions per node, entries per session.
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

/** One member's entry at this node. */
export interface ForwardingEntry {
  /** Where data for this member goes next (the member itself at the last hop). */
  readonly nextHop: NodeHandle;
  /** The GUID (hex) of the node the TREE came from: data is followed only from there. */
  readonly upstream: string;
  /** When the entry lapses unless a refresh (the member's next JOIN's TREE) comes (ms). */
  readonly expiresAt: number;
  /** The member's handle, when the caller gave it (a repair's TREE names the member by it). */
  readonly member?: NodeHandle;
}

/** An entry expire() removed. */
export interface LapsedEntry {
  /** The session (hex). */
  readonly session: string;
  /** The member (hex). */
  readonly member: string;
  /** Where the entry sent data. */
  readonly nextHop: NodeHandle;
}

/** What record() did. */
export type RecordOutcome = 'added' | 'refreshed' | 'sessionsFull' | 'entriesFull';

/** The bounds of one node's state. */
export interface ForwardingLimits {
  /** Most sessions with entries at one node. */
  readonly maxSessions: number;
  /** Most member entries in one session at one node. */
  readonly maxEntriesPerSession: number;
}

/** Counts over every session: what tests and stats() read. */
export interface ForwardingCounts {
  /** Sessions with at least one entry. */
  readonly sessions: number;
  /** Member entries over all sessions. */
  readonly entries: number;
  /** Distinct next hops summed over sessions (this node's children). */
  readonly children: number;
}

export class ForwardingState {
  /** session hex → member hex → entry; a session with no entry left is deleted. */
  private readonly sessions = new Map<string, Map<string, ForwardingEntry>>();
  /**
   * session hex → next hop hex → how many of its entries go there: kept beside `sessions` so that
   * "is this node a child here" (asked on every TREE hop) is one lookup, not a walk over the
   * session's members. Same keys as `sessions`, so bounded by the same limits.
   */
  private readonly children = new Map<string, Map<string, number>>();

  constructor(private readonly limits: ForwardingLimits) {}

  /** Records (or refreshes) `member`'s entry in `session`; refused past a bound. */
  record(session: Guid, member: Guid, nextHop: NodeHandle, upstream: Guid, expiresAt: number, memberHandle?: NodeHandle): RecordOutcome {
    let entries = this.sessions.get(session.hex);
    if (!entries) {
      if (this.sessions.size >= this.limits.maxSessions) return 'sessionsFull';
      entries = new Map();
      this.sessions.set(session.hex, entries);
    }
    const old = entries.get(member.hex);
    const had = old !== undefined;
    if (!had && entries.size >= this.limits.maxEntriesPerSession) return 'entriesFull';
    if (old) this.uncount(session.hex, old.nextHop);
    this.count(session.hex, nextHop);
    entries.set(member.hex, memberHandle ? { nextHop, upstream: upstream.hex, expiresAt, member: memberHandle } : { nextHop, upstream: upstream.hex, expiresAt });
    return had ? 'refreshed' : 'added';
  }

  /** Whether this node holds any entry of `session` (hex). */
  has(session: string): boolean {
    return this.sessions.has(session);
  }

  /** Whether any of `session`'s entries goes to `node` (hex): it is one of this node's children there. */
  usesNextHop(session: Guid, node: string): boolean {
    return this.children.get(session.hex)?.has(node) ?? false;
  }

  /** Whether any of `session`'s entries was learnt from `node` (hex). Walks the session: asked once per direct TEARDOWN, not per hop. */
  learntFrom(session: Guid, node: string): boolean {
    for (const e of this.sessions.get(session.hex)?.values() ?? []) if (e.upstream === node) return true;
    return false;
  }

  /** `member`'s entry in `session`, if any. */
  entry(session: Guid, member: Guid): ForwardingEntry | undefined {
    return this.sessions.get(session.hex)?.get(member.hex);
  }

  /** Removes `member`'s entry; returns the next hop a PRUNE for it goes on to (none when there was no entry). */
  remove(session: Guid, member: Guid): NodeHandle | undefined {
    const entries = this.sessions.get(session.hex);
    const entry = entries?.get(member.hex);
    if (!entries || !entry) return undefined;
    entries.delete(member.hex);
    this.uncount(session.hex, entry.nextHop);
    if (entries.size === 0) this.sessions.delete(session.hex);
    return entry.nextHop;
  }

  /**
   * Where data for `session` that came from `from` (hex; this node's own hex at the root) goes: one
   * handle per distinct next hop among the entries learnt from `from`, in first-recorded order.
   */
  fanout(session: Guid, from: string): NodeHandle[] {
    const entries = this.sessions.get(session.hex);
    if (!entries) return [];
    const out = new Map<string, NodeHandle>();
    for (const e of entries.values()) if (e.upstream === from && !out.has(e.nextHop.guid.hex)) out.set(e.nextHop.guid.hex, e.nextHop);
    return [...out.values()];
  }

  /** Frees `session` (teardown); returns its distinct next hops, where the teardown goes on. */
  drop(session: Guid): NodeHandle[] {
    const entries = this.sessions.get(session.hex);
    if (!entries) return [];
    this.sessions.delete(session.hex);
    this.children.delete(session.hex);
    const out = new Map<string, NodeHandle>();
    for (const e of entries.values()) out.set(e.nextHop.guid.hex, e.nextHop);
    return [...out.values()];
  }

  /**
   * Removes every entry that lapsed by `now`; returns them, so the caller can tell which next hops
   * are no children any more (usesNextHop after the call) without walking the state again.
   */
  expire(now: number): LapsedEntry[] {
    const lapsed: LapsedEntry[] = [];
    for (const [session, entries] of this.sessions) {
      for (const [member, e] of entries) {
        if (e.expiresAt <= now) {
          entries.delete(member);
          this.uncount(session, e.nextHop);
          lapsed.push({ session, member, nextHop: e.nextHop });
        }
      }
      if (entries.size === 0) this.sessions.delete(session);
    }
    return lapsed;
  }

  /** Members whose entry in any session goes to `node` (hex): what local repair re-routes when it fails. */
  membersVia(node: string): Array<{ session: string; member: string; handle?: NodeHandle }> {
    const out: Array<{ session: string; member: string; handle?: NodeHandle }> = [];
    for (const [session, entries] of this.sessions) {
      for (const [member, e] of entries) if (e.nextHop.guid.hex === node) out.push(e.member ? { session, member, handle: e.member } : { session, member });
    }
    return out;
  }

  /** Entries and children (distinct next hops) of one session. */
  sessionCounts(session: Guid): { entries: number; children: number } {
    const entries = this.sessions.get(session.hex);
    if (!entries) return { entries: 0, children: 0 };
    return { entries: entries.size, children: this.children.get(session.hex)?.size ?? 0 };
  }

  /** Sessions, entries and children over all sessions. */
  counts(): ForwardingCounts {
    let entries = 0;
    let children = 0;
    for (const s of this.sessions.values()) entries += s.size;
    for (const c of this.children.values()) children += c.size;
    return { sessions: this.sessions.size, entries, children };
  }

  private count(session: string, nextHop: NodeHandle): void {
    let hops = this.children.get(session);
    if (!hops) this.children.set(session, (hops = new Map()));
    hops.set(nextHop.guid.hex, (hops.get(nextHop.guid.hex) ?? 0) + 1);
  }

  private uncount(session: string, nextHop: NodeHandle): void {
    const hops = this.children.get(session);
    const n = hops?.get(nextHop.guid.hex);
    if (!hops || n === undefined) return;
    if (n > 1) hops.set(nextHop.guid.hex, n - 1);
    else if (hops.delete(nextHop.guid.hex) && hops.size === 0) this.children.delete(session);
  }
}
