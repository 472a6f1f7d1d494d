/**
 * Mobile groups: nodes that move together share one indirection GUID (Mobile Tapestry's
 * "hierarchical mobility" for groups moving together; Warp's mobile crowds, where a trunk node
 * makes "one handoff per crowd" and members are reached through type indirection).
 *
 * Design — two-level indirection, the member resolved to its group by a record:
 * - The trunk (the node leading the group; often one of its members) holds the member list and
 *   publishes, once per member when it joins, the member's record: the member GUID published with
 *   the tag `mobile-group:<group GUID hex>`. The record names a GUID, not a place, so a move never
 *   touches it (the location layer republishes it as soft state, with the same sequence).
 * - The proxy holds the group (group GUID → members) and publishes only the group GUID: one
 *   publish per group per attach, one per salted root set, whatever the group's size.
 * - A sender sends to a member's mobile GUID exactly as to a single mobile node: its locate finds
 *   the member's record, whose holder answers the message with a redirect naming the group GUID;
 *   the sender locates the group GUID, sends to that proxy, and the proxy forwards to the member.
 *   The member's acknowledgement names the group's proxy, which the sender remembers, so a stream
 *   skips both locates. (The record's tag says the same as the redirect; the redirect is used so
 *   that the sender's send path stays one path.)
 * - A group move is one operation at the trunk: attach the whole group at the new proxy (it
 *   publishes the group GUID once), then detach at the old one, which withdraws the group GUID and
 *   forwards every member's messages to the new proxy for forwardingMs — as a single move does.
 *   The trunk then tells each member the new proxy (direct messages, no publish).
 *
 * This file is the glue to the runtime (module.ts) through a small host interface; the state is in
 * groupTable.ts (pure).
 */
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, LimitExceededError, NotFoundError, TimeoutError, UndeliverableError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { ModuleContext } from '../contract';
import { groupGuid } from '../shared/groupGuid';
import type { Mobile, MobileGroupJoinOptions, MobileStats } from './api';
import { GroupProxyTable, TrunkTable, type LedGroup } from './groupTable';
import type { GroupAttachMsg, GroupDetachMsg, GroupJoinMsg, GroupMsg, MobileDataMsg, MobileMsg, ReplyStatus } from './messages';

/** The tag of a member's record: the group GUID it is reached through. */
export const MEMBER_RECORD_TAG = 'mobile-group:';

/** What groups.ts needs of the runtime (module.ts): its sends, requests, pending sends and mobile identity. */
export interface GroupHost {
  readonly ctx: ModuleContext;
  readonly forwardingMs: number;
  /** An attach/detach-style request; resolves with the reply's status (TimeoutError when unanswered). */
  request(to: NodeHandle, msg: GroupJoinMsg | GroupAttachMsg | GroupDetachMsg): Promise<ReplyStatus>;
  sendTo(to: NodeHandle, msg: MobileMsg): void;
  /** The send `id` still waiting, if it is one. */
  pendingSend(id: number): { readonly mobile: Guid; readonly payload: Uint8Array; readonly signal?: AbortSignal } | undefined;
  failSend(id: number, err: Error): void;
  /** This node as a mobile node (a group member is one, its proxy the group's). */
  me(): { readonly guid: Guid; proxy: NodeHandle } | undefined;
  setMe(me: { readonly guid: Guid; proxy: NodeHandle }): void;
  /** One attach, move, detach or join at a time on this node as a mobile node. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  armTimer(at: number): void;
}

/** MobileStats' group part. */
export type GroupStats = Pick<
  MobileStats,
  | 'groupsHeld' | 'groupMembersHeld' | 'groupForwardingEntries' | 'groupsLed' | 'groupForwardedToMember' | 'groupForwardedDuringMove'
  | 'groupNacksSent' | 'redirectsSent' | 'redirectsFollowed' | 'groupMoves'
>;

/** The group part of the Mobile API. */
export type MobileGroupApi = Pick<Mobile, 'groupGuid' | 'joinGroup' | 'attachGroup' | 'moveGroup'>;

export class MobileGroups {
  private readonly proxyTable: GroupProxyTable;
  private readonly trunk = new TrunkTable({ maxGroups: DEFAULTS.mobileMaxLedGroups, maxMembers: DEFAULTS.mobileMaxGroupMembers });
  /** This node's group, as a member: the group GUID and its trunk. */
  private membership?: { readonly group: Guid; readonly trunk: NodeHandle };
  /** Groups whose attach or move is under way at this trunk (≤ mobileMaxLedGroups). */
  private readonly moving = new Set<string>();
  /** Send id → redirects followed (≤ mobileMaxPending, oldest dropped): a send follows at most 2. */
  private readonly redirects = new Map<number, number>();
  private readonly counts = { groupForwardedToMember: 0, groupForwardedDuringMove: 0, redirectsSent: 0, redirectsFollowed: 0, groupMoves: 0, groupNacksSent: 0 };

  constructor(private readonly host: GroupHost) {
    this.proxyTable = new GroupProxyTable({
      maxGroups: DEFAULTS.mobileMaxGroupsPerProxy, maxMembers: DEFAULTS.mobileMaxGroupMembers,
      maxForwarding: DEFAULTS.mobileMaxGroupForwardingEntries, forwardingMs: host.forwardingMs, maxForwards: DEFAULTS.mobileMaxForwards,
    });
  }

  api(): MobileGroupApi {
    return {
      groupGuid: (group) => this.guid(group),
      joinGroup: (trunk, opts) => this.join(trunk, opts),
      attachGroup: (group, proxy) => this.attach(group, proxy),
      moveGroup: (group, newProxy) => this.move(group, newProxy),
    };
  }

  /** Whether this node is a group member (it moves with its group, never on its own). */
  get isMember(): boolean {
    return this.membership !== undefined;
  }

  private guid(group: string | Guid): Guid {
    return groupGuid(group, this.host.ctx.space, DEFAULTS.mobileMaxNameBytes, 'mobile-group:');
  }

  private checkNode(node: NodeHandle, what: string): void {
    if (node?.guid?.bytes?.length !== this.host.ctx.space.bytes || !node.address) throw new InvalidArgumentError(`a ${what} is a node handle of this id space`);
  }

  private join(trunk: NodeHandle, opts: MobileGroupJoinOptions): Promise<void> {
    this.checkNode(trunk, 'trunk');
    if (typeof opts?.name !== 'string') throw new InvalidArgumentError('joinGroup needs { name, group }');
    const member = groupGuid(opts.name, this.host.ctx.space, DEFAULTS.mobileMaxNameBytes, 'mobile:');
    const group = this.guid(opts.group);
    if (this.host.me()) throw new InvalidArgumentError('already attached as a mobile node or group member');
    return this.host.exclusive(async () => {
      const status = await this.host.request(trunk, { kind: 'groupJoin', mobile: member, group, requestId: 0 });
      if (status !== 'ok') throw new LimitExceededError(`the trunk refused the join (${status}): group full, trunk full, or the name is taken`);
      // Until the trunk names the group's proxy, acknowledgements name the trunk (which redirects).
      this.membership = { group, trunk };
      if (!this.host.me()) this.host.setMe({ guid: member, proxy: trunk });
    });
  }

  private led(group: string | Guid): LedGroup {
    const g = this.trunk.get(this.guid(group).hex);
    if (!g) throw new InvalidArgumentError('this node leads no such group: a member must join it here first');
    return g;
  }

  /** Runs a trunk operation on `g`, one at a time per group. */
  private async one<T>(g: LedGroup, work: () => Promise<T>): Promise<T> {
    if (this.moving.has(g.guid.hex)) throw new InvalidArgumentError('an attach or move of this group is already under way');
    this.moving.add(g.guid.hex);
    try {
      return await work();
    } finally {
      this.moving.delete(g.guid.hex);
    }
  }

  private attachMsg(g: LedGroup): GroupAttachMsg {
    return { kind: 'groupAttach', group: g.guid, requestId: 0, members: [...g.members.values()] };
  }

  private attach(group: string | Guid, proxy: NodeHandle): Promise<void> {
    this.checkNode(proxy, 'proxy');
    if (proxy.guid.equals(this.host.ctx.self.guid)) throw new InvalidArgumentError('a trunk cannot be its group\'s proxy');
    const g = this.led(group);
    if (g.proxy) return Promise.reject(new InvalidArgumentError('the group is attached already: use moveGroup()'));
    return this.one(g, async () => {
      const status = await this.host.request(proxy, this.attachMsg(g));
      if (status !== 'ok') throw new LimitExceededError(`the proxy refused the group (${status})`);
      g.proxy = proxy;
      this.tellMembers(g);
    });
  }

  private move(group: string | Guid, newProxy: NodeHandle): Promise<void> {
    this.checkNode(newProxy, 'proxy');
    if (newProxy.guid.equals(this.host.ctx.self.guid)) throw new InvalidArgumentError('a trunk cannot be its group\'s proxy');
    const g = this.led(group);
    const old = g.proxy;
    if (!old) return Promise.reject(new InvalidArgumentError('the group is not attached: use attachGroup()'));
    return this.one(g, async () => {
      if (newProxy.guid.equals(old.guid)) return;
      // The new proxy publishes first, so there is always a proxy holding the group.
      const status = await this.host.request(newProxy, this.attachMsg(g));
      if (status !== 'ok') throw new LimitExceededError(`the new proxy refused the group (${status})`);
      g.proxy = newProxy;
      try {
        await this.host.request(old, { kind: 'groupDetach', group: g.guid, requestId: 0, newProxy });
      } catch (err) {
        // The old proxy's pointers then end as soft state.
        if (!(err instanceof TimeoutError)) throw err;
      }
      this.counts.groupMoves++;
      this.tellMembers(g);
    });
  }

  /** Tells every member the group's proxy: their acknowledgements name it, and senders remember it. */
  private tellMembers(g: LedGroup): void {
    if (!g.proxy) return;
    for (const m of g.members.values()) this.host.sendTo(m.node, { kind: 'groupProxy', group: g.guid, proxy: g.proxy });
  }

  /** A group message arrived from `source`. */
  handle(msg: GroupMsg, source: NodeHandle, now: number): void {
    switch (msg.kind) {
      case 'groupJoin':
        return this.onJoin(msg, source);
      case 'groupAttach': {
        const { status, publish } = this.proxyTable.attach(msg.group.hex, source, msg.members);
        // One publish per group; open, so the next proxy may publish it too (as a single mobile node's).
        if (publish) this.host.ctx.publish(msg.group, { owner: false });
        this.host.sendTo(source, { kind: 'reply', mobile: msg.group, requestId: msg.requestId, status });
        return;
      }
      case 'groupDetach': {
        const status = this.proxyTable.detach(msg.group.hex, source, now, msg.newProxy);
        if (status === 'ok') {
          this.host.ctx.unpublish(msg.group);
          this.host.armTimer(this.proxyTable.nextExpiry());
        }
        this.host.sendTo(source, { kind: 'reply', mobile: msg.group, requestId: msg.requestId, status });
        return;
      }
      case 'redirect':
        return this.onRedirect(msg.sendId, msg.mobile, msg.group);
      case 'groupProxy': {
        const m = this.membership;
        const me = this.host.me();
        // Only the trunk this node joined through speaks for its group.
        if (!m || !me || !m.group.equals(msg.group) || !m.trunk.guid.equals(source.guid)) return;
        me.proxy = msg.proxy;
        return;
      }
    }
  }

  /** At the trunk: a member joins; a new member's record is published, and the proxy (if any) told the new list. */
  private onJoin(msg: GroupJoinMsg, source: NodeHandle): void {
    const { status, added } = this.trunk.join(msg.group, { mobile: msg.mobile, node: source });
    this.host.sendTo(source, { kind: 'reply', mobile: msg.mobile, requestId: msg.requestId, status });
    if (!added) return;
    this.host.ctx.publish(msg.mobile, { tag: MEMBER_RECORD_TAG + msg.group.hex });
    const g = this.trunk.get(msg.group.hex)!;
    if (!g.proxy) return;
    const proxy = g.proxy;
    this.host.request(proxy, this.attachMsg(g)).then(
      (status) => {
        if (status === 'ok' && g.proxy) this.host.sendTo(source, { kind: 'groupProxy', group: g.guid, proxy: g.proxy });
        else this.host.ctx.log.warn({ status }, 'mobile group: the proxy refused the new member list');
      },
      (err) => this.host.ctx.log.warn({ err }, 'mobile group: the proxy did not take the new member list'),
    );
  }

  /** At a sender: member `member` is reached through `group` (a redirect from its record); at most 2 per send. */
  private onRedirect(sendId: number, member: Guid, group: Guid): void {
    const p = this.host.pendingSend(sendId);
    if (!p || !p.mobile.equals(member)) return;
    const seen = this.redirects.get(sendId) ?? 0;
    if (seen >= 2) return this.host.failSend(sendId, new UndeliverableError(`mobile node ${member.hex} keeps being redirected`));
    this.redirects.delete(sendId);
    if (this.redirects.size >= DEFAULTS.mobileMaxPending) this.redirects.delete(this.redirects.keys().next().value!);
    this.redirects.set(sendId, seen + 1);
    this.counts.redirectsFollowed++;
    void this.toGroup(sendId, member, group, DEFAULTS.mobileSendRetries);
  }

  /**
   * Locates `group` and sends the waiting message to its proxy. A locate that finds no proxy tries
   * again `retries` times, mobileSendRetryMs apart, as a send's own locate does: a group attached a
   * moment ago may not be published at its roots yet.
   */
  private async toGroup(sendId: number, member: Guid, group: Guid, retries: number): Promise<void> {
    const p = this.host.pendingSend(sendId);
    if (!p) return;
    let proxy: NodeHandle | undefined;
    try {
      for await (const r of this.host.ctx.locate(group, { replicas: 1, signal: p.signal })) proxy ??= r.server;
    } catch (err) {
      if (!proxy && err instanceof NotFoundError && retries > 0 && this.host.pendingSend(sendId) === p) {
        this.host.ctx.after(DEFAULTS.mobileSendRetryMs, () => void this.toGroup(sendId, member, group, retries - 1));
        return;
      }
      if (!proxy) {
        const e = err instanceof NotFoundError ? new UndeliverableError(`no proxy holds group ${group.hex} of mobile node ${member.hex}`) : err instanceof Error ? err : new UndeliverableError(String(err));
        return this.host.failSend(sendId, e);
      }
    }
    if (!proxy || this.host.pendingSend(sendId) !== p) return;
    this.host.sendTo(proxy, { kind: 'data', mobile: member, sender: this.host.ctx.self, sendId, forwards: 0, payload: p.payload });
  }

  /**
   * A message for a mobile node that is not this node: forwarded here when this node holds (or
   * forwards for) the member's group, redirected when this node holds the member's record. false:
   * not a group member's, the single-node rules answer.
   */
  takeData(msg: MobileDataMsg, now: number): boolean {
    const route = this.proxyTable.route(msg.mobile.hex, msg.forwards, now);
    if (route?.kind === 'toMobile') {
      this.counts.groupForwardedToMember++;
      this.host.sendTo(route.node, msg);
    } else if (route?.kind === 'toProxy') {
      this.counts.groupForwardedDuringMove++;
      this.host.sendTo(route.proxy, { ...msg, forwards: msg.forwards + 1 });
    } else if (route?.kind === 'nack') {
      this.counts.groupNacksSent++;
      this.host.sendTo(msg.sender, { kind: 'nack', mobile: msg.mobile, sendId: msg.sendId });
    } else {
      const group = this.trunk.groupOf(msg.mobile.hex);
      if (group === undefined) return false;
      this.counts.redirectsSent++;
      this.host.sendTo(msg.sender, { kind: 'redirect', mobile: msg.mobile, group: this.trunk.get(group)!.guid, sendId: msg.sendId });
    }
    return true;
  }

  /** Drops group forwarding entries past their time. */
  expire(now: number): void {
    this.proxyTable.expire(now);
  }

  /** The earliest group forwarding expiry, or Infinity. */
  nextExpiry(): number {
    return this.proxyTable.nextExpiry();
  }

  /** The group counters and state sizes (MobileStats' group part). */
  stats(): GroupStats {
    return {
      ...this.counts,
      groupsHeld: this.proxyTable.groups,
      groupMembersHeld: this.proxyTable.members,
      groupForwardingEntries: this.proxyTable.forwardingEntries,
      groupsLed: this.trunk.size,
    };
  }
}
