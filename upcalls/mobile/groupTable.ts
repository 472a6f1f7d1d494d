/**
 * Mobile groups' pure state (Mobile Tapestry's "hierarchical mobility", Warp's mobile crowds): nodes
 * that move together share one group GUID. Two tables, each bounded, time as `now`, no I/O:
 *
 * - GroupProxyTable, at a proxy: the groups it holds (group GUID → trunk and members) with an index
 *   member GUID → group, so a message for any member is forwarded to that member while only the group
 *   GUID is published; and, for a bounded time after a group moved on, a forwarding entry naming its
 *   new proxy (as ProxyTable does for one mobile node).
 * - TrunkTable, at the trunk (the node that leads the group: holds its member list and each member's
 *   record "member GUID → group GUID", and moves the whole group in one operation).
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { GroupMember, ReplyStatus } from './messages';
import type { ProxyRoute } from './proxyTable';

/** A proxy's group bounds (DEFAULTS.mobileMaxGroupsPerProxy, …). */
export interface GroupProxyLimits {
  readonly maxGroups: number;
  readonly maxMembers: number;
  readonly maxForwarding: number;
  readonly forwardingMs: number;
  readonly maxForwards: number;
}

interface HeldGroup {
  readonly trunk: NodeHandle;
  /** Member GUID hex → member node (≤ maxMembers). */
  readonly members: Map<string, NodeHandle>;
}

interface GroupForwarding {
  readonly to: NodeHandle;
  readonly expiresAt: number;
  readonly members: ReadonlySet<string>;
}

export class GroupProxyTable {
  /** Group GUID hex → its trunk and members (≤ maxGroups). */
  private readonly held = new Map<string, HeldGroup>();
  /** Member GUID hex → group GUID hex, for the held groups (≤ maxGroups × maxMembers). */
  private readonly memberIndex = new Map<string, string>();
  /** Group GUID hex → its new proxy until `expiresAt` (≤ maxForwarding). */
  private readonly forwarding = new Map<string, GroupForwarding>();
  /** Member GUID hex → group GUID hex, for the forwarding entries (≤ maxForwarding × maxMembers). */
  private readonly forwardedIndex = new Map<string, string>();

  constructor(private readonly limits: GroupProxyLimits) {}

  /** Groups held here. */
  get groups(): number {
    return this.held.size;
  }

  /** Members of the groups held here. */
  get members(): number {
    return this.memberIndex.size;
  }

  /** Group forwarding entries kept here. */
  get forwardingEntries(): number {
    return this.forwarding.size;
  }

  /**
   * `trunk` attaches `group` with `members` (the whole list; sent again when a member joins).
   * 'ok' with `publish` true only when the group is new here (one publish per group, whatever its
   * size); 'refused' when full, when the list is empty or too long, when another trunk holds the
   * group, or when a member already belongs to another group held here.
   */
  attach(group: string, trunk: NodeHandle, members: readonly GroupMember[]): { readonly status: ReplyStatus; readonly publish: boolean } {
    const refused = { status: 'refused' as const, publish: false };
    const prev = this.held.get(group);
    if (prev && !prev.trunk.guid.equals(trunk.guid)) return refused;
    if (!prev && this.held.size >= this.limits.maxGroups) return refused;
    if (members.length === 0 || members.length > this.limits.maxMembers) return refused;
    for (const m of members) {
      const other = this.memberIndex.get(m.mobile.hex);
      if (other !== undefined && other !== group) return refused;
    }
    if (prev) for (const k of prev.members.keys()) this.memberIndex.delete(k);
    const map = new Map<string, NodeHandle>();
    for (const m of members) {
      map.set(m.mobile.hex, m.node);
      this.memberIndex.set(m.mobile.hex, group);
    }
    this.held.set(group, { trunk, members: map });
    // Back here after moving away and back: no longer forwarded elsewhere.
    this.dropForwarding(group);
    return { status: 'ok', publish: !prev };
  }

  /**
   * `trunk` detaches `group`: 'ok' (unpublish the group GUID; its members forwarded to `newProxy`
   * until now + forwardingMs when there is room), or 'unknown' when this trunk does not hold it here.
   */
  detach(group: string, trunk: NodeHandle, now: number, newProxy?: NodeHandle): ReplyStatus {
    const held = this.held.get(group);
    if (!held || !held.trunk.guid.equals(trunk.guid)) return 'unknown';
    this.held.delete(group);
    const members = [...held.members.keys()];
    for (const k of members) this.memberIndex.delete(k);
    this.dropForwarding(group);
    if (newProxy && this.forwarding.size < this.limits.maxForwarding) {
      this.forwarding.set(group, { to: newProxy, expiresAt: now + this.limits.forwardingMs, members: new Set(members) });
      for (const k of members) this.forwardedIndex.set(k, group);
    }
    return 'ok';
  }

  /**
   * Where a message for member `member` that passed `forwards` old proxies goes, or undefined when
   * no group held or forwarded here has that member (the single-node table answers then).
   */
  route(member: string, forwards: number, now: number): ProxyRoute | undefined {
    const group = this.memberIndex.get(member);
    if (group !== undefined) {
      const node = this.held.get(group)?.members.get(member);
      if (node) return { kind: 'toMobile', node };
    }
    const fg = this.forwardedIndex.get(member);
    if (fg === undefined) return undefined;
    const f = this.forwarding.get(fg);
    if (f && f.expiresAt > now && forwards < this.limits.maxForwards) return { kind: 'toProxy', proxy: f.to };
    return { kind: 'nack' };
  }

  /** Drops forwarding entries past their time. */
  expire(now: number): void {
    for (const [k, f] of this.forwarding) if (f.expiresAt <= now) this.dropForwarding(k);
  }

  /** The earliest forwarding expiry, or Infinity. */
  nextExpiry(): number {
    let next = Infinity;
    for (const f of this.forwarding.values()) if (f.expiresAt < next) next = f.expiresAt;
    return next;
  }

  /**
   * Drops `group`'s forwarding entry. A member indexed to it falls back to the latest other entry
   * that lists it (a member that changed groups may be in two), so the newest move wins while it lasts.
   */
  private dropForwarding(group: string): void {
    const f = this.forwarding.get(group);
    if (!f) return;
    this.forwarding.delete(group);
    for (const k of f.members) {
      if (this.forwardedIndex.get(k) !== group) continue;
      this.forwardedIndex.delete(k);
      let latest: string | undefined;
      for (const [g, other] of this.forwarding) if (other.members.has(k)) latest = g;
      if (latest !== undefined) this.forwardedIndex.set(k, latest);
    }
  }
}

/** A group this node leads as its trunk. */
export interface LedGroup {
  readonly guid: Guid;
  /** Member GUID hex → member (≤ maxMembers). */
  readonly members: Map<string, GroupMember>;
  /** The proxy holding the group, once attached. */
  proxy?: NodeHandle;
}

/** The groups one trunk leads: bounded groups, bounded members, one group per member. */
export class TrunkTable {
  /** Group GUID hex → the group (≤ maxGroups). */
  private readonly led = new Map<string, LedGroup>();
  /** Member GUID hex → group GUID hex: the member records this trunk publishes (≤ maxGroups × maxMembers). */
  private readonly records = new Map<string, string>();

  constructor(private readonly limits: { readonly maxGroups: number; readonly maxMembers: number }) {}

  /** Groups led here. */
  get size(): number {
    return this.led.size;
  }

  /** The group `group` (GUID hex), if led here. */
  get(group: string): LedGroup | undefined {
    return this.led.get(group);
  }

  /** The group GUID hex whose record covers member `member` (GUID hex), if any. */
  groupOf(member: string): string | undefined {
    return this.records.get(member);
  }

  /**
   * `member` joins `group`: 'ok' with `added` true when it is new (publish its record), 'ok' with
   * `added` false when it was there already (a repeated join: its node is updated), 'refused' when
   * the group or this trunk is full, or the member belongs to another group here or is another node's.
   */
  join(group: Guid, member: GroupMember): { readonly status: ReplyStatus; readonly added: boolean } {
    const refused = { status: 'refused' as const, added: false };
    const known = this.records.get(member.mobile.hex);
    if (known !== undefined && known !== group.hex) return refused;
    let g = this.led.get(group.hex);
    const prev = g?.members.get(member.mobile.hex);
    if (prev) {
      if (!prev.node.guid.equals(member.node.guid)) return refused;
      return { status: 'ok', added: false };
    }
    if (!g && this.led.size >= this.limits.maxGroups) return refused;
    if (g && g.members.size >= this.limits.maxMembers) return refused;
    if (!g) {
      g = { guid: group, members: new Map() };
      this.led.set(group.hex, g);
    }
    g.members.set(member.mobile.hex, member);
    this.records.set(member.mobile.hex, group.hex);
    return { status: 'ok', added: true };
  }
}
