/**
 * The anycast module object: thin, acting through the ModuleContext only (DESIGN rule 5). The
 * protocol's rules live in groupRoots.ts (the group root's records) and sendDecisions.ts (what a
 * node does with a send); this file wires them to routes, publishes, locates and direct sends.
 *
 * - announce: a group op routed fuzzy to the group GUID's root, which records the group (soft
 *   state, refreshed every announceRefreshMs by the announcer).
 * - join: asks the root whether the group is open (a group nobody announced, or torn down, fails
 *   with NotFoundError), then publishes the group GUID: its pointers are this member's group pointers.
 * - send: sendToObject(group, data, { replicas: 1 }): the locate rule diverts it to the nearest
 *   member by those pointers; the member acknowledges it straight to the sender, and send resolves
 *   with that member. Every send settles: the ACK, a NACK or no member found (UndeliverableError),
 *   no answer in sendTimeoutMs (TimeoutError), or the caller's signal (AbortedError).
 * - leave: stops being a member at once and unpublishes: it resolves once every salted root
 *   acknowledged the unpublish (no pointer to this member left on the paths to them), and rejects
 *   with TimeoutError when one stayed silent past publishAckTimeoutMs (those pointers expire). A
 *   send that still reaches this node is never handed to the application: the location layer drops
 *   a locate for an object this node no longer serves (the sender's locate tries the next salted
 *   root), and a send that reaches this module anyway (passed on by another ex-member) is passed to
 *   another member or refused with a NACK (sendDecisions.ts).
 * - teardown: the announcer asks the root to replace the record by a tombstone: joins are refused,
 *   and members learn it at their next check (memberCheckMs) and leave.
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, NotFoundError, TimeoutError, UndeliverableError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { decodeAnycast, encodeAnycast } from '../../wire/anycastCodec';
import type { ModuleContext, ModuleWithApi } from '../contract';
import { startDeadlineTimer, type DeadlineTimer } from '../shared/deadlineTimer';
import { runtimeModule } from '../shared/runtimeModule';
import { groupGuid } from '../shared/groupGuid';
import { GroupRoots } from './groupRoots';
import type { AnycastMsg, DataMsg, GroupOpKind, GroupStatus } from './messages';
import type { AnycastConfig } from './options';
import { PendingTable } from '../shared/pendingTable';
import { decideData, passedOn, pickForward } from './sendDecisions';
import type { Anycast, AnycastJoinOptions, AnycastSendOptions, AnycastStats } from './api';

type Pending =
  | { readonly kind: 'send'; readonly resolve: (member: NodeHandle) => void; readonly reject: (err: Error) => void }
  | { readonly kind: 'request'; readonly resolve: (status: GroupStatus) => void; readonly reject: (err: Error) => void };

interface Membership extends AnycastJoinOptions {
  readonly group: Guid;
  nextCheck: number;
}

const noop = (): void => undefined;

/** Builds the module object; its attach returns the Anycast API. */
export function anycastModule(cfg: AnycastConfig): ModuleWithApi<Anycast> {
  return runtimeModule({
    id: cfg.id,
    name: 'anycast',
    start: (ctx) => new AnycastRuntime(ctx, cfg),
    api: (runtime) => runtime.api(),
    deliver: (runtime, msg) => runtime.receive(msg.payload, msg.source),
  });
}

class AnycastRuntime {
  private readonly pending = new PendingTable<Pending>(DEFAULTS.anycastMaxPending);
  private readonly roots = new GroupRoots({
    maxRecords: DEFAULTS.anycastMaxGroupRecords, recordLifetimeMs: DEFAULTS.anycastGroupRecordLifetimeMs, tombstoneMs: DEFAULTS.anycastTombstoneMs,
  });
  /** Groups this node is a member of, by GUID hex (≤ anycastMaxMemberships). */
  private readonly memberships = new Map<string, Membership>();
  /** Groups this node announced, by GUID hex → next refresh (≤ anycastMaxAnnounced). */
  private readonly announced = new Map<string, { readonly group: Guid; nextRefresh: number }>();
  private readonly timer: DeadlineTimer;
  private closed = false;
  private readonly counts = {
    sendsStarted: 0, sendsAcked: 0, sendsUndeliverable: 0, sendsTimedOut: 0, sendsAborted: 0,
    delivered: 0, acksSent: 0, nacksSent: 0, forwarded: 0, malformed: 0, appErrors: 0, requestsTimedOut: 0, tornDownLeaves: 0,
  };

  constructor(
    private readonly ctx: ModuleContext,
    private readonly cfg: AnycastConfig,
  ) {
    this.timer = startDeadlineTimer(ctx, () => this.due());
  }

  api(): Anycast {
    return {
      groupGuid: (group) => this.guid(group),
      announce: (group) => this.announce(group),
      join: (group, opts) => this.join(group, opts),
      leave: (group) => this.leave(group),
      send: (group, payload, opts) => this.send(group, payload, opts),
      teardown: (group) => this.teardown(group),
      isMember: (group) => this.memberships.has(this.guid(group).hex),
      stats: () => this.stats(),
      close: () => this.close(),
    };
  }

  private guid(group: string | Guid): Guid {
    return groupGuid(group, this.ctx.space, DEFAULTS.anycastMaxGroupNameBytes);
  }

  private async announce(group: string | Guid): Promise<void> {
    const guid = this.guid(group);
    if (!this.announced.has(guid.hex) && this.announced.size >= DEFAULTS.anycastMaxAnnounced) {
      throw new LimitExceededError(`at most ${DEFAULTS.anycastMaxAnnounced} announced groups`);
    }
    const status = await this.request('announce', guid);
    if (status !== 'open') throw new InvalidArgumentError(`the root refused to announce ${String(group)}: announced by another node, or the root is full`);
    const nextRefresh = this.ctx.now() + this.cfg.announceRefreshMs;
    this.announced.set(guid.hex, { group: guid, nextRefresh });
    this.timer.arm(nextRefresh);
  }

  private async join(group: string | Guid, opts: AnycastJoinOptions): Promise<void> {
    if (typeof opts?.onMessage !== 'function') throw new InvalidArgumentError('join needs { onMessage }');
    const guid = this.guid(group);
    if (this.memberships.has(guid.hex)) return;
    if (this.memberships.size >= DEFAULTS.anycastMaxMemberships) throw new LimitExceededError(`at most ${DEFAULTS.anycastMaxMemberships} groups`);
    const status = await this.request('check', guid);
    if (status !== 'open') throw new NotFoundError(`group ${String(group)} ${status === 'tornDown' ? 'was torn down' : 'was not announced'}`);
    if (this.memberships.has(guid.hex)) return;
    const nextCheck = this.ctx.now() + this.cfg.memberCheckMs;
    this.memberships.set(guid.hex, { group: guid, onMessage: opts.onMessage, onTornDown: opts.onTornDown, nextCheck });
    this.timer.arm(nextCheck);
    // Open: every member serves the group, so no member's key may own it. Awaited: once every salted
    // root acknowledged the pointer, a send issued after join() resolves finds this member. A wait that
    // runs out (TimeoutError) still leaves a member whose pointers the republishes carry on.
    await this.ctx.publish(guid, { owner: false }).catch((err: unknown) => {
      if (!(err instanceof TimeoutError)) throw err;
    });
  }

  private async leave(group: string | Guid): Promise<void> {
    const guid = this.guid(group);
    // Not a member from this moment: a send that still arrives is passed on or refused.
    if (!this.memberships.delete(guid.hex)) return;
    // Awaited: the API promises the pointers are withdrawn before leave resolves.
    await this.ctx.unpublish(guid);
  }

  private async teardown(group: string | Guid): Promise<void> {
    const guid = this.guid(group);
    this.announced.delete(guid.hex);
    const status = await this.request('teardown', guid);
    if (status === 'refused') throw new InvalidArgumentError(`group ${String(group)} was announced by another node`);
    if (this.memberships.has(guid.hex)) await this.leave(guid);
  }

  private send(group: string | Guid, payload: Uint8Array | string, opts: AnycastSendOptions = {}): Promise<NodeHandle> {
    return new Promise<NodeHandle>((resolve, reject) => {
      if (this.closed) throw new ClosedError('anycast module closed');
      const guid = this.guid(group);
      const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
      if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
      if (bytes.length > DEFAULTS.anycastMaxPayloadBytes) throw new MessageTooLargeError(`an anycast payload is at most ${DEFAULTS.anycastMaxPayloadBytes} bytes`);
      const signal = opts.signal;
      if (signal?.aborted) throw new AbortedError('send aborted before it started');
      const deadline = this.ctx.now() + this.cfg.sendTimeoutMs;
      const id = this.pending.add({ kind: 'send', resolve, reject }, deadline);
      if (id === undefined) throw new LimitExceededError(`at most ${DEFAULTS.anycastMaxPending} sends waiting`);
      this.counts.sendsStarted++;
      this.timer.arm(deadline);
      const data: DataMsg = { kind: 'data', group: guid, sender: this.ctx.self, sendId: id, forwards: 0, visited: [], payload: bytes };
      signal?.addEventListener('abort', () => this.failSend(id, new AbortedError('send aborted')), { once: true });
      this.attemptSend(id, guid, group, encodeAnycast(data), signal, DEFAULTS.anycastSendRetries);
    });
  }

  /**
   * One locate-and-deliver of send `id`. A locate that finds no member is tried again after
   * anycastSendRetryMs (`retries` more times). A send issued after a member's join() resolved finds
   * it on the first try (join awaits its publish's acknowledgements); the retry is for what that does
   * not cover: a join still under way at another node when the send starts, a join whose publish
   * wait ran out under loss, and a locate whose datagrams were lost.
   */
  private attemptSend(id: number, guid: Guid, group: string | Guid, bytes: Uint8Array, signal: AbortSignal | undefined, retries: number): void {
    const notFound = () => {
      if (retries > 0 && this.pending.get(id) && !this.closed) this.ctx.after(DEFAULTS.anycastSendRetryMs, () => this.pending.get(id) && this.attemptSend(id, guid, group, bytes, signal, retries - 1));
      else this.failSend(id, new UndeliverableError(`no member of group ${String(group)}`));
    };
    this.ctx.sendToObject(guid, bytes, { replicas: 1, signal }).then(
      (found) => {
        if (found.length === 0) notFound();
      },
      (err: unknown) => (err instanceof NotFoundError ? notFound() : this.failSend(id, sendError(err, group))),
    );
  }

  /** Ends a waiting send with `err` (once: a send already settled is left alone). */
  private failSend(id: number, err: Error): void {
    const p = this.pending.take(id);
    if (!p) return;
    if (err instanceof UndeliverableError) this.counts.sendsUndeliverable++;
    else if (err instanceof TimeoutError) this.counts.sendsTimedOut++;
    else if (err instanceof AbortedError) this.counts.sendsAborted++;
    p.reject(err);
  }

  /** One group op to the root of `guid`; resolves with its status. */
  private request(op: GroupOpKind, guid: Guid): Promise<GroupStatus> {
    return new Promise<GroupStatus>((resolve, reject) => {
      if (this.closed) throw new ClosedError('anycast module closed');
      const deadline = this.ctx.now() + this.cfg.requestTimeoutMs;
      const requestId = this.pending.add({ kind: 'request', resolve, reject }, deadline);
      if (requestId === undefined) throw new LimitExceededError(`at most ${DEFAULTS.anycastMaxPending} requests waiting`);
      this.timer.arm(deadline);
      this.ctx.route(guid, encodeAnycast({ kind: 'op', op, group: guid, requestId }), { fuzzy: true });
    });
  }

  /** A message of this module arrived (routed, located or direct). Malformed ones are counted and dropped. */
  receive(payload: Uint8Array, source?: NodeHandle): void {
    let msg: AnycastMsg;
    try {
      msg = decodeAnycast(payload, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      this.counts.malformed++;
      return;
    }
    this.handle(msg, source);
  }

  private handle(msg: AnycastMsg, source: NodeHandle | undefined): void {
    switch (msg.kind) {
      case 'op': {
        if (!source) return;
        const status = this.roots.handle(msg.op, msg.group, source.guid.hex, this.ctx.now());
        this.timer.arm(this.roots.nextExpiry());
        this.sendTo(source, { kind: 'status', group: msg.group, requestId: msg.requestId, status });
        return;
      }
      case 'status': {
        const p = this.pending.get(msg.requestId);
        if (p?.kind === 'request') {
          this.pending.take(msg.requestId);
          p.resolve(msg.status);
        }
        return;
      }
      case 'data':
        return this.onData(msg);
      case 'ack': {
        const p = this.pending.get(msg.sendId);
        if (p?.kind === 'send') {
          this.pending.take(msg.sendId);
          this.counts.sendsAcked++;
          p.resolve(msg.member);
        }
        return;
      }
      case 'nack':
        if (this.pending.get(msg.sendId)?.kind === 'send') this.failSend(msg.sendId, new UndeliverableError(`no member took the send (${msg.reason})`));
        return;
    }
  }

  private onData(msg: DataMsg): void {
    const member = this.memberships.get(msg.group.hex);
    const decision = decideData(msg, member !== undefined, DEFAULTS.anycastMaxForwards);
    if (decision.kind === 'deliver') {
      this.counts.delivered++;
      try {
        member!.onMessage(msg.payload, { group: msg.group, sender: msg.sender, sendId: msg.sendId });
      } catch (err) {
        this.counts.appErrors++;
        this.ctx.log.warn({ err }, 'anycast onMessage threw');
      }
      this.counts.acksSent++;
      this.sendTo(msg.sender, { kind: 'ack', group: msg.group, sendId: msg.sendId, member: this.ctx.self });
      return;
    }
    if (decision.kind === 'nack') return this.nack(msg, decision.reason);
    void this.passOn(msg);
  }

  /** This node is no member: find another member and send it there, or refuse the send. */
  private async passOn(msg: DataMsg): Promise<void> {
    const candidates: NodeHandle[] = [];
    try {
      for await (const r of this.ctx.locate(msg.group, { replicas: DEFAULTS.anycastForwardReplicas })) candidates.push(r.server);
    } catch {
      // NotFound or Timeout: whatever was found before the end still counts.
    }
    const next = pickForward(candidates, this.ctx.self.guid, msg.visited);
    if (!next || this.closed) return this.nack(msg, 'noOtherMember');
    this.counts.forwarded++;
    this.sendTo(next, passedOn(msg, this.ctx.self.guid));
  }

  private nack(msg: DataMsg, reason: 'notMember' | 'noOtherMember' | 'tooManyForwards'): void {
    this.counts.nacksSent++;
    this.sendTo(msg.sender, { kind: 'nack', group: msg.group, sendId: msg.sendId, reason });
  }

  /** Sends straight to `to`; a message to this node itself is handled here at once. */
  private sendTo(to: NodeHandle, msg: AnycastMsg): void {
    if (this.closed) return;
    if (to.guid.equals(this.ctx.self.guid)) this.handle(msg, this.ctx.self);
    else this.ctx.send(to, encodeAnycast(msg));
  }

  /** The timer's work: expired waits fail, records expire, announcers refresh, members check. */
  private due(): number {
    if (this.closed) return Infinity;
    const now = this.ctx.now();
    for (const p of this.pending.expire(now)) {
      if (p.kind === 'send') this.counts.sendsTimedOut++;
      else this.counts.requestsTimedOut++;
      p.reject(new TimeoutError(p.kind === 'send' ? 'no member acknowledged the send in time' : 'the group root did not answer in time'));
    }
    this.roots.expire(now);
    let next = Math.min(this.pending.nextDeadline(), this.roots.nextExpiry());
    for (const a of this.announced.values()) {
      if (a.nextRefresh <= now) {
        a.nextRefresh = now + this.cfg.announceRefreshMs;
        this.request('announce', a.group).catch(noop);
      }
      next = Math.min(next, a.nextRefresh);
    }
    for (const [hex, m] of this.memberships) {
      if (m.nextCheck <= now) {
        m.nextCheck = now + this.cfg.memberCheckMs;
        this.request('check', m.group).then((status) => this.checked(hex, m, status), noop);
      }
      next = Math.min(next, m.nextCheck);
    }
    return next;
  }

  /** A member's check answered: a torn-down group is left (an unknown one is kept: its root may have changed). */
  private checked(hex: string, m: Membership, status: GroupStatus): void {
    if (status !== 'tornDown' || this.memberships.get(hex) !== m) return;
    this.counts.tornDownLeaves++;
    // Nobody awaits this leave: a timed-out unpublish is no unhandled rejection.
    this.leave(m.group).catch(noop);
    try {
      m.onTornDown?.();
    } catch (err) {
      this.counts.appErrors++;
      this.ctx.log.warn({ err }, 'anycast onTornDown threw');
    }
  }

  private stats(): AnycastStats {
    return {
      ...this.counts,
      memberships: this.memberships.size,
      announced: this.announced.size,
      groupRecords: this.roots.size,
      openGroups: this.roots.open,
      pending: this.pending.size,
    };
  }

  private close(): void {
    if (this.closed) return;
    for (const m of this.memberships.values()) this.ctx.unpublish(m.group);
    this.memberships.clear();
    this.announced.clear();
    this.closed = true;
    for (const p of this.pending.drain()) p.reject(new ClosedError('anycast module closed'));
    this.ctx.unregister();
  }
}

/** A failed locate as the send's error: no member found is UndeliverableError; timeouts and aborts keep their names. */
function sendError(err: unknown, group: string | Guid): Error {
  if (err instanceof NotFoundError) return new UndeliverableError(`no member of group ${String(group)}`);
  if (err instanceof Error) return err;
  return new UndeliverableError(String(err));
}
