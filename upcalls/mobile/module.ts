/**
 * The Mobile Tapestry module object: thin, acting through the ModuleContext only (DESIGN rule 5).
 * The proxy's rules live in proxyTable.ts; this file wires them to publishes, locates and direct sends.
 *
 * - attach: the mobile node asks a proxy; the proxy records it and publishes its mobile GUID (soft
 *   state, republished by the location layer until unpublished).
 * - send: the sender finds the proxy (remembered from an earlier ACK, else a locate of the mobile
 *   GUID), sends the message to it, the proxy forwards it to the mobile node, and the mobile node
 *   acknowledges it end to end, naming its current proxy.
 * - move: attach to the new proxy first (it publishes), then detach from the old one: it unpublishes
 *   (its pointers withdrawn) and keeps a forwarding entry to the new proxy for forwardingMs, so
 *   messages arriving meanwhile are passed on. A proxy that neither holds the mobile node nor
 *   forwards for it answers NACK: the sender forgets the proxy and tries once more through a fresh
 *   locate, then fails with UndeliverableError. Every send settles.
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, NotFoundError, TimeoutError, UndeliverableError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { decodeMobile, encodeMobile } from '../../wire/mobileCodec';
import type { ModuleContext, ModuleWithApi } from '../contract';
import { startDeadlineTimer, type DeadlineTimer } from '../shared/deadlineTimer';
import { runtimeModule } from '../shared/runtimeModule';
import { groupGuid } from '../shared/groupGuid';
import { PendingTable } from '../shared/pendingTable';
import type { Mobile, MobileDelivery, MobileSendOptions, MobileSendResult, MobileStats } from './api';
import type { MobileDataMsg, MobileMsg, ReplyStatus } from './messages';
import type { MobileConfig } from './options';
import { ProxyCache, ProxyTable } from './proxyTable';
import { MobileGroups } from './groups';
import { replyWhenAcknowledged, type ReplyChannel } from './proxyReplies';

type Pending =
  | {
      readonly kind: 'send'; readonly mobile: Guid; readonly payload: Uint8Array; readonly signal?: AbortSignal; retried: boolean;
      readonly resolve: (r: MobileSendResult) => void; readonly reject: (err: Error) => void;
    }
  | { readonly kind: 'request'; readonly resolve: (status: ReplyStatus) => void; readonly reject: (err: Error) => void };

type Handler = (payload: Uint8Array, info: MobileDelivery) => void;

/** Builds the module object; its attach returns the Mobile API. */
export function mobileModule(cfg: MobileConfig): ModuleWithApi<Mobile> {
  return runtimeModule({
    id: cfg.id,
    name: 'mobile',
    start: (ctx) => new MobileRuntime(ctx, cfg),
    api: (runtime) => runtime.api(),
    deliver: (runtime, msg) => runtime.receive(msg.payload, msg.source),
  });
}

class MobileRuntime {
  private readonly pending = new PendingTable<Pending>(DEFAULTS.mobileMaxPending);
  private readonly table: ProxyTable;
  private readonly cache = new ProxyCache(DEFAULTS.mobileMaxProxyCache, DEFAULTS.mobileProxyCacheMs);
  private readonly timer: DeadlineTimer;
  /** Mobile groups (groups.ts): proxy, trunk and member parts. */
  private readonly groups: MobileGroups;
  /** This node as a mobile node: its mobile GUID and current proxy. */
  private me?: { readonly guid: Guid; proxy: NodeHandle };
  private handler?: Handler;
  private busy = false;
  private closed = false;
  private readonly counts = {
    forwardedToMobile: 0, forwardedDuringMove: 0, nacksSent: 0, delivered: 0, sendsStarted: 0, sendsAcked: 0, sendsRetried: 0,
    sendsUndeliverable: 0, sendsTimedOut: 0, sendsAborted: 0, moves: 0, detachesUnanswered: 0, malformed: 0, appErrors: 0,
  };

  constructor(
    private readonly ctx: ModuleContext,
    private readonly cfg: MobileConfig,
  ) {
    this.handler = cfg.onMessage;
    this.table = new ProxyTable({
      maxAttachments: DEFAULTS.mobileMaxAttachments, maxForwarding: DEFAULTS.mobileMaxForwardingEntries,
      forwardingMs: cfg.forwardingMs, maxForwards: DEFAULTS.mobileMaxForwards,
    });
    this.timer = startDeadlineTimer(ctx, () => this.due());
    this.groups = new MobileGroups({
      ctx, forwardingMs: cfg.forwardingMs,
      request: (to, msg) => this.request(to, msg),
      sendTo: (to, msg) => this.sendTo(to, msg),
      pendingSend: (id) => {
        const p = this.pending.get(id);
        return p?.kind === 'send' ? p : undefined;
      },
      failSend: (id, err) => this.failSend(id, err),
      me: () => this.me,
      setMe: (me) => (this.me = me),
      exclusive: (work) => this.exclusive(work),
      armTimer: (at) => this.timer.arm(at),
    });
  }

  api(): Mobile {
    const rt = this;
    return {
      mobileGuid: (name) => this.guid(name),
      attach: (proxy, opts) => this.attach(proxy, opts?.name),
      move: (newProxy) => this.move(newProxy),
      detach: () => this.detach(),
      onMessage: (fn) => {
        if (typeof fn !== 'function') throw new InvalidArgumentError('onMessage needs a function');
        this.handler = fn;
      },
      send: (mobile, payload, opts) => this.send(mobile, payload, opts),
      get proxy() {
        return rt.me?.proxy;
      },
      stats: () => this.stats(),
      close: () => this.close(),
      ...this.groups.api(),
    };
  }

  private guid(mobile: string | Guid): Guid {
    return groupGuid(mobile, this.ctx.space, DEFAULTS.mobileMaxNameBytes, 'mobile:');
  }

  private checkProxy(proxy: NodeHandle): void {
    if (proxy?.guid?.bytes?.length !== this.ctx.space.bytes || !proxy.address) throw new InvalidArgumentError('a proxy is a node handle of this id space');
    if (proxy.guid.equals(this.ctx.self.guid)) throw new InvalidArgumentError('a mobile node cannot be its own proxy');
  }

  /** One operation at a time on this node as a mobile node (attach, move, detach). */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy) throw new InvalidArgumentError('an attach, move or detach is already under way');
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  private attach(proxy: NodeHandle, name: string | undefined): Promise<void> {
    if (typeof name !== 'string') throw new InvalidArgumentError('attach needs { name }');
    this.checkProxy(proxy);
    const guid = this.guid(name);
    if (this.me) throw new InvalidArgumentError('already attached: use move()');
    return this.exclusive(async () => {
      const status = await this.request(proxy, { kind: 'attach', mobile: guid, requestId: 0 });
      if (status !== 'ok') throw new LimitExceededError(`proxy refused the attach (${status})`);
      this.me = { guid, proxy };
    });
  }

  private move(newProxy: NodeHandle): Promise<void> {
    this.checkProxy(newProxy);
    const me = this.me;
    if (!me) throw new InvalidArgumentError('not attached: use attach()');
    if (this.groups.isMember) throw new InvalidArgumentError('a group member moves with its group (moveGroup at its trunk)');
    return this.exclusive(async () => {
      if (newProxy.guid.equals(me.proxy.guid)) return;
      // The new proxy publishes first, so there is always a proxy holding this node.
      const status = await this.request(newProxy, { kind: 'attach', mobile: me.guid, requestId: 0 });
      if (status !== 'ok') throw new LimitExceededError(`new proxy refused the attach (${status})`);
      const old = me.proxy;
      me.proxy = newProxy;
      try {
        await this.request(old, { kind: 'detach', mobile: me.guid, requestId: 0, newProxy });
      } catch (err) {
        // The old proxy's pointers then end as soft state; messages still reach this node through it.
        if (!(err instanceof TimeoutError)) throw err;
        this.counts.detachesUnanswered++;
      }
      this.counts.moves++;
    });
  }

  private detach(): Promise<void> {
    const me = this.me;
    if (!me) return Promise.resolve();
    return this.exclusive(async () => {
      this.me = undefined;
      await this.request(me.proxy, { kind: 'detach', mobile: me.guid, requestId: 0 }).catch((err) => {
        if (!(err instanceof TimeoutError)) throw err;
        this.counts.detachesUnanswered++;
      });
    });
  }

  /** An attach or detach to `to`; resolves with its reply status. */
  private request(to: NodeHandle, msg: MobileMsg & { kind: 'attach' | 'detach' | 'groupJoin' | 'groupAttach' | 'groupDetach' }): Promise<ReplyStatus> {
    return new Promise<ReplyStatus>((resolve, reject) => {
      if (this.closed) throw new ClosedError('mobile module closed');
      const deadline = this.ctx.now() + this.cfg.requestTimeoutMs;
      const requestId = this.pending.add({ kind: 'request', resolve, reject }, deadline);
      if (requestId === undefined) throw new LimitExceededError(`at most ${DEFAULTS.mobileMaxPending} requests waiting`);
      this.timer.arm(deadline);
      this.sendTo(to, { ...msg, requestId });
    });
  }

  private send(mobile: string | Guid, payload: Uint8Array | string, opts: MobileSendOptions = {}): Promise<MobileSendResult> {
    return new Promise<MobileSendResult>((resolve, reject) => {
      if (this.closed) throw new ClosedError('mobile module closed');
      const guid = this.guid(mobile);
      const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
      if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
      if (bytes.length > DEFAULTS.mobileMaxPayloadBytes) throw new MessageTooLargeError(`a mobile payload is at most ${DEFAULTS.mobileMaxPayloadBytes} bytes`);
      const signal = opts.signal;
      if (signal?.aborted) throw new AbortedError('send aborted before it started');
      const deadline = this.ctx.now() + this.cfg.sendTimeoutMs;
      const id = this.pending.add({ kind: 'send', mobile: guid, payload: bytes, signal, retried: false, resolve, reject }, deadline);
      if (id === undefined) throw new LimitExceededError(`at most ${DEFAULTS.mobileMaxPending} sends waiting`);
      this.counts.sendsStarted++;
      this.timer.arm(deadline);
      signal?.addEventListener('abort', () => this.failSend(id, new AbortedError('send aborted')), { once: true });
      void this.attempt(id);
    });
  }

  /**
   * Sends (again) to the remembered proxy, or to the one a fresh locate finds. A locate that finds
   * no proxy tries again `retries` times, mobileSendRetryMs apart. A send issued after attach()
   * resolved finds the proxy on the first try (the proxy answers once its publish is acknowledged);
   * the retry is for an attach still under way when the send starts, a proxy's publish wait that ran
   * out under loss, and a locate whose datagrams were lost.
   */
  private async attempt(id: number, retries: number = DEFAULTS.mobileSendRetries): Promise<void> {
    const p = this.pending.get(id);
    if (p?.kind !== 'send') return;
    let proxy = this.cache.get(p.mobile.hex, this.ctx.now());
    if (!proxy) {
      try {
        for await (const r of this.ctx.locate(p.mobile, { replicas: 1, signal: p.signal })) proxy ??= r.server;
      } catch (err) {
        if (!proxy && err instanceof NotFoundError && retries > 0 && this.pending.get(id) === p) {
          this.ctx.after(DEFAULTS.mobileSendRetryMs, () => void this.attempt(id, retries - 1));
          return;
        }
        if (!proxy) return this.failSend(id, err instanceof NotFoundError ? new UndeliverableError(`no proxy holds mobile node ${p.mobile.hex}`) : asError(err));
      }
    }
    if (this.pending.get(id) !== p || !proxy) return;
    this.sendTo(proxy, { kind: 'data', mobile: p.mobile, sender: this.ctx.self, sendId: id, forwards: 0, payload: p.payload });
  }

  private failSend(id: number, err: Error): void {
    const p = this.pending.take(id);
    if (!p) return;
    if (err instanceof UndeliverableError) this.counts.sendsUndeliverable++;
    else if (err instanceof TimeoutError) this.counts.sendsTimedOut++;
    else if (err instanceof AbortedError) this.counts.sendsAborted++;
    p.reject(err);
  }

  /** A message of this module arrived. Malformed ones are counted and dropped. */
  receive(payload: Uint8Array, source: NodeHandle): void {
    let msg: MobileMsg;
    try {
      msg = decodeMobile(payload, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      this.counts.malformed++;
      return;
    }
    this.handle(msg, source);
  }

  private handle(msg: MobileMsg, source: NodeHandle): void {
    const now = this.ctx.now();
    switch (msg.kind) {
      case 'groupJoin':
      case 'groupAttach':
      case 'groupDetach':
      case 'redirect':
      case 'groupProxy':
        return this.groups.handle(msg, source, now);
      case 'attach': {
        const status = this.table.attach(msg.mobile.hex, source);
        // Open, so the next proxy may publish it too (an owner's grant per proxy would bind it tighter).
        return replyWhenAcknowledged(this.replies(msg, source), status, () => this.ctx.publish(msg.mobile, { owner: false }));
      }
      case 'detach': {
        const status = this.table.detach(msg.mobile.hex, source, now, msg.newProxy);
        if (status === 'ok') this.timer.arm(this.table.nextExpiry());
        // If the wait runs out, the forwarding entry covers the pointers left until they expire.
        return replyWhenAcknowledged(this.replies(msg, source), status, () => this.ctx.unpublish(msg.mobile));
      }
      case 'reply': {
        const p = this.pending.get(msg.requestId);
        if (p?.kind === 'request') {
          this.pending.take(msg.requestId);
          p.resolve(msg.status);
        }
        return;
      }
      case 'data':
        return this.onData(msg, now);
      case 'ack': {
        const p = this.pending.get(msg.sendId);
        if (p?.kind !== 'send' || !p.mobile.equals(msg.mobile)) return;
        this.pending.take(msg.sendId);
        this.counts.sendsAcked++;
        this.cache.set(msg.mobile.hex, msg.proxy, now);
        p.resolve({ proxy: msg.proxy, retried: p.retried });
        return;
      }
      case 'nack': {
        const p = this.pending.get(msg.sendId);
        if (p?.kind !== 'send' || !p.mobile.equals(msg.mobile)) return;
        this.cache.delete(msg.mobile.hex);
        if (p.retried) return this.failSend(msg.sendId, new UndeliverableError(`mobile node ${msg.mobile.hex} could not be reached`));
        p.retried = true;
        this.counts.sendsRetried++;
        void this.attempt(msg.sendId);
        return;
      }
    }
  }

  /** A message for a mobile node: delivered here if it is this node, else passed on as its proxy says. */
  private onData(msg: MobileDataMsg, now: number): void {
    const me = this.me;
    if (me?.guid.equals(msg.mobile)) {
      this.counts.delivered++;
      try {
        this.handler?.(msg.payload, { sender: msg.sender });
      } catch (err) {
        this.counts.appErrors++;
        this.ctx.log.warn({ err }, 'mobile message handler threw');
      }
      this.sendTo(msg.sender, { kind: 'ack', mobile: msg.mobile, sendId: msg.sendId, proxy: me.proxy });
      return;
    }
    if (this.groups.takeData(msg, now)) return;
    const route = this.table.route(msg.mobile.hex, msg.forwards, now);
    if (route.kind === 'toMobile') {
      this.counts.forwardedToMobile++;
      this.sendTo(route.node, msg);
    } else if (route.kind === 'toProxy') {
      this.counts.forwardedDuringMove++;
      this.sendTo(route.proxy, { ...msg, forwards: msg.forwards + 1 });
    } else {
      this.counts.nacksSent++;
      this.sendTo(msg.sender, { kind: 'nack', mobile: msg.mobile, sendId: msg.sendId });
    }
  }

  /** Sends straight to `to`; a message to this node itself is handled here at once. */
  /** How a proxy answers `msg` from `source` (proxyReplies.ts). */
  private replies(msg: { mobile: Guid; requestId: number }, source: NodeHandle): ReplyChannel {
    return {
      after: (ms, fn) => this.ctx.after(ms, fn),
      waitMs: this.cfg.requestTimeoutMs / 2,
      send: (status) => !this.closed && this.sendTo(source, { kind: 'reply', mobile: msg.mobile, requestId: msg.requestId, status }),
    };
  }

  private sendTo(to: NodeHandle, msg: MobileMsg): void {
    if (this.closed) return;
    if (to.guid.equals(this.ctx.self.guid)) this.handle(msg, this.ctx.self);
    else this.ctx.send(to, encodeMobile(msg));
  }

  /** The timer's work: expired waits fail, forwarding entries end. */
  private due(): number {
    if (this.closed) return Infinity;
    const now = this.ctx.now();
    for (const p of this.pending.expire(now)) {
      if (p.kind === 'send') this.counts.sendsTimedOut++;
      p.reject(new TimeoutError(p.kind === 'send' ? 'the mobile node did not acknowledge in time' : 'the proxy did not answer in time'));
    }
    this.table.expire(now);
    this.groups.expire(now);
    return Math.min(this.pending.nextDeadline(), this.table.nextExpiry(), this.groups.nextExpiry());
  }

  private stats(): MobileStats {
    return {
      ...this.counts,
      ...this.groups.stats(),
      attachments: this.table.attachments,
      forwardingEntries: this.table.forwardingEntries,
      cachedProxies: this.cache.size,
      pending: this.pending.size,
    };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.drain()) p.reject(new ClosedError('mobile module closed'));
    this.ctx.unregister();
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new UndeliverableError(String(err));
}
