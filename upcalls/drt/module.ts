/**
 * The DRT module object: thin, acting through the ModuleContext only (DESIGN rule 5). Placement and
 * successor routing live in placement.ts, a node's part of a search in walk.ts, the searcher's side
 * in searchClient.ts and the client API in client.ts; this file wires them to direct messages.
 *
 * - register / update / unregister: a message walks to the key's successor (placement.ts), which
 *   applies it to its KeyRegistry and acks straight to the publisher.
 * - search: walks (queries.ts) to the cursor's successor and on along the leaf set (walk.ts); each
 *   collecting node answers the searcher straight (recursive), or every node asked answers it with
 *   the next one to ask (iterative).
 * - Soft state: registrations lapse after their lifetime unless the publisher refreshes them (every
 *   refreshMs, re-registering at whichever node is the successor then). When the neighbourhood
 *   changes, a node hands the registrations it no longer is the successor of to their new one, a
 *   moment later (one pass per burst).
 */
import { DEFAULTS } from '../../defaults';
import { LimitExceededError, MessageTooLargeError } from '../../errors';
import type { NodeHandle } from '../../routing/handle';
import { decodeDrt, encodeDrt } from '../../wire/drtCodec';
import { startDeadlineTimer, type DeadlineTimer } from '../shared/deadlineTimer';
import { runtimeModule } from '../shared/runtimeModule';
import type { Delivery, ModuleContext, ModuleWithApi } from '../contract';
import type { Drt } from './api';
import { DrtClient } from './client';
import type { DrtEntry, DrtMsg, DrtStatus } from './messages';
import type { DrtConfig } from './options';
import { successorStep, type Surroundings } from './placement';
import { KeyRegistry, type Registration } from './registry';
import { collect } from './walk';

export function drtModule(cfg: DrtConfig): ModuleWithApi<Drt> {
  return runtimeModule({
    id: cfg.id,
    name: 'drt',
    start: (ctx) => new DrtRuntime(ctx, cfg),
    api: (rt) => rt.client.api(),
    deliver: (rt, d) => rt.receive(d),
    update: (rt) => rt.neighbourhoodChanged(),
    leaving: (rt) => rt.leaving(),
  });
}

/** The node side: the registrations this node is the successor of, and the messages passing through. */
export class DrtRuntime {
  readonly registry = new KeyRegistry();
  readonly client: DrtClient;
  private readonly timer: DeadlineTimer;
  private handoffAt = Infinity;
  readonly counts = { handedOff: 0, malformed: 0, tooManyHops: 0 };

  constructor(
    readonly ctx: ModuleContext,
    readonly cfg: DrtConfig,
  ) {
    this.timer = startDeadlineTimer(ctx, () => this.due());
    this.client = new DrtClient(this, cfg);
  }

  get surroundings(): Surroundings {
    return this.ctx;
  }

  /** Asks for a call of due() at `at`. */
  arm(at: number): void {
    this.timer.arm(at);
  }

  /**
   * Sends `msg` to `to`; to this node itself it is handled at once — except on a resolve-only node,
   * which holds no arc and knows no ring (no leaf set, no table): what it starts is routed to the
   * cursor's surrogate root through its gateway, and the walk to the successor goes on from there.
   */
  send(to: NodeHandle, msg: DrtMsg): void {
    if (!to.guid.equals(this.ctx.self.guid)) this.ctx.send(to, encodeDrt(msg));
    else if (this.ctx.self.resolveOnly && msg.kind !== 'ack' && msg.kind !== 'found') this.ctx.route(msg.cursor, encodeDrt(msg), { fuzzy: true });
    else this.handle(msg);
  }

  receive(d: Delivery): void {
    let msg: DrtMsg;
    try {
      msg = decodeDrt(d.payload, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      this.counts.malformed++;
      return;
    }
    if (this.client.closed || this.ctx.space.bits !== 256) return;
    this.handle(msg, d.source);
  }

  /** A message here, from the network (`from`: its sender) or from this node itself. */
  handle(msg: DrtMsg, from: NodeHandle = this.ctx.self): void {
    switch (msg.kind) {
      case 'register':
      case 'update':
      case 'unregister':
        return this.onOp(msg);
      case 'search':
        return this.onSearch(msg);
      case 'handoff':
        return this.onHandoff(msg, from);
      case 'ack':
      case 'found':
        return this.client.answered(msg);
    }
  }

  /**
   * Passes a message on toward its cursor's successor; false when it is here. A message past the
   * step bound is dropped (a search is answered as done, so its searcher stops waiting).
   */
  private passOn(msg: DrtMsg): boolean {
    const step = successorStep(this.surroundings, msg.cursor, msg.walking ?? false);
    if (step.kind === 'here') return false;
    if (msg.hops >= DEFAULTS.drtMaxSearchHops) {
      this.counts.tooManyHops++;
      if (msg.kind === 'search') this.send(msg.requester!, { ...this.foundBase(msg), entries: [], done: true });
      return true;
    }
    if (msg.kind === 'search' && msg.iterative) {
      // The searcher asks the next node itself.
      this.send(msg.requester!, { ...this.foundBase(msg), hops: msg.hops + 1, walking: step.walking, entries: [], next: step.to, done: false });
      return true;
    }
    this.send(step.to, { ...msg, hops: msg.hops + 1, walking: step.walking });
    return true;
  }

  private foundBase(msg: DrtMsg): DrtMsg {
    return {
      kind: 'found', cursor: msg.cursor, requestId: msg.requestId, requester: msg.requester!, mode: msg.mode!,
      ...(msg.end ? { end: msg.end } : {}), remaining: msg.remaining!, iterative: msg.iterative ?? false,
      ...(msg.walking ? { walking: true } : {}), hops: msg.hops, part: msg.part ?? 0, responder: this.ctx.self,
    };
  }

  private onOp(msg: DrtMsg): void {
    if (this.passOn(msg)) return;
    const now = this.ctx.now();
    const publisher = msg.requester!;
    const held = this.registry.get(msg.cursor, now);
    let status: DrtStatus = 'ok';
    if (held && !held.publisher.guid.equals(publisher.guid)) status = 'taken';
    else if (msg.kind === 'unregister') status = held ? (this.registry.unregister(msg.cursor, publisher), 'ok') : 'unknown';
    else status = this.store(msg.cursor, msg.appData!, publisher, now + msg.ttlMs!, now);
    this.send(publisher, { kind: 'ack', cursor: msg.cursor, requestId: msg.requestId, requester: publisher, status, hops: 0, responder: this.ctx.self });
  }

  /** Stores or refreshes a registration of `publisher`'s (register and update alike: a refresh re-registers). */
  private store(key: DrtMsg['cursor'], appData: Uint8Array, publisher: NodeHandle, expiresAt: number, now: number): DrtStatus {
    try {
      if (this.registry.get(key, now)) this.registry.update(key, publisher, { appData, expiresAt }, now);
      else this.registry.register(key, appData, publisher, expiresAt, now);
      this.arm(expiresAt);
      return 'ok';
    } catch (err) {
      if (err instanceof LimitExceededError) return 'full';
      if (err instanceof MessageTooLargeError) return 'tooLarge';
      return 'taken';
    }
  }

  private onSearch(msg: DrtMsg): void {
    if (this.passOn(msg)) return;
    const c = collect(this.surroundings, this.registry, { mode: msg.mode!, cursor: msg.cursor, ...(msg.end ? { end: msg.end } : {}), remaining: msg.remaining! }, this.ctx.now());
    const entries = c.matches.map((m) => this.entry(m.registration));
    const remaining = msg.remaining! - entries.length;
    const next = c.next && remaining > 0 && msg.hops < DEFAULTS.drtMaxSearchHops ? c.next : undefined;
    if (c.next && remaining > 0 && !next) this.counts.tooManyHops++;
    const found: DrtMsg = {
      ...this.foundBase(msg), cursor: next?.cursor ?? msg.cursor, remaining, walking: true, hops: msg.hops + 1,
      entries, done: next === undefined, ...(msg.iterative && next ? { next: next.to } : {}),
    };
    this.send(msg.requester!, found);
    if (!msg.iterative && next) {
      this.send(next.to, { ...msg, cursor: next.cursor, remaining, walking: true, hops: msg.hops + 1, part: (msg.part ?? 0) + 1 });
    }
  }

  private entry(reg: Registration): DrtEntry {
    const ttlMs = Math.max(1, Math.min(DEFAULTS.drtMaxLifetimeMs, reg.expiresAt - this.ctx.now()));
    return { key: reg.key, appData: reg.appData, publisher: reg.publisher, ttlMs };
  }

  /**
   * Registrations handed over: kept if this node is their successor, else passed on toward it. From
   * a node leaving the mesh, also those whose successor is that node: its arc is this node's once
   * the leaf set drops it.
   */
  private onHandoff(msg: DrtMsg, from: NodeHandle): void {
    const now = this.ctx.now();
    const onward: DrtEntry[] = [];
    for (const e of msg.entries ?? []) {
      const step = successorStep(this.surroundings, e.key, msg.walking ?? false);
      const fromLeaving = msg.leaving === true && step.kind === 'next' && step.to.guid.equals(from.guid);
      if (step.kind !== 'here' && !fromLeaving) {
        onward.push(e);
        continue;
      }
      const held = this.registry.get(e.key, now);
      // Another publisher's registration here stands; the same publisher's keeps the later expiry.
      if (held && (!held.publisher.guid.equals(e.publisher.guid) || held.expiresAt >= now + e.ttlMs)) continue;
      this.store(e.key, e.appData, e.publisher, now + e.ttlMs, now);
    }
    if (msg.hops >= DEFAULTS.drtMaxSearchHops) {
      this.counts.tooManyHops += onward.length > 0 ? 1 : 0;
      return;
    }
    this.handOff(onward, msg.hops + 1, msg.walking ?? false);
  }

  /**
   * Sends registrations toward their successors, one message per next node and drtMaxEndpoints
   * entries; `walking` as the handoff that brought them had it (a walk past the table routing goes on walking).
   */
  private handOff(entries: readonly DrtEntry[], hops: number, walking = false): void {
    const byNext = new Map<string, { to: NodeHandle; walking: boolean; entries: DrtEntry[] }>();
    for (const e of entries) {
      const step = successorStep(this.surroundings, e.key, walking);
      if (step.kind === 'here') continue;
      // Grouped by next node and walking alike, so each message carries one walking flag.
      const slot = `${step.to.guid.hex}/${step.walking}`;
      const group = byNext.get(slot) ?? { to: step.to, walking: step.walking, entries: [] };
      group.entries.push(e);
      byNext.set(slot, group);
    }
    for (const g of byNext.values()) {
      for (let i = 0; i < g.entries.length; i += DEFAULTS.drtMaxEndpoints) {
        const part = g.entries.slice(i, i + DEFAULTS.drtMaxEndpoints);
        this.ctx.send(g.to, encodeDrt({ kind: 'handoff', cursor: part[0].key, requestId: 0, hops, entries: part, ...(g.walking ? { walking: true } : {}) }));
      }
    }
  }

  /** This node is leaving the mesh: its ring successor (nearest larger leaf) takes every registration it holds. */
  leaving(): void {
    const next = this.ctx.leafSet.larger()[0];
    if (this.client.closed || !next) return;
    const now = this.ctx.now();
    const entries = this.registry.all().filter((r) => r.expiresAt > now).map((r) => this.entry(r));
    this.counts.handedOff += entries.length;
    for (let i = 0; i < entries.length; i += DEFAULTS.drtMaxEndpoints) {
      const part = entries.slice(i, i + DEFAULTS.drtMaxEndpoints);
      this.ctx.send(next, encodeDrt({ kind: 'handoff', cursor: part[0].key, requestId: 0, hops: 0, entries: part, leaving: true }));
    }
  }

  /** A neighbour joined or left: hand off keys a moment later (one pass for a burst of changes). */
  neighbourhoodChanged(): void {
    if (this.client.closed || this.registry.size === 0 || this.handoffAt < Infinity) return;
    this.handoffAt = this.ctx.now() + DEFAULTS.drtHandoffDelayMs;
    this.arm(this.handoffAt);
  }

  private due(): number {
    if (this.client.closed) return Infinity;
    const now = this.ctx.now();
    this.registry.expire(now);
    if (this.handoffAt <= now) {
      this.handoffAt = Infinity;
      const leaving: DrtEntry[] = [];
      for (const reg of this.registry.all()) {
        if (now >= reg.expiresAt || successorStep(this.surroundings, reg.key, false).kind === 'here') continue;
        leaving.push(this.entry(reg));
        this.registry.unregister(reg.key, reg.publisher);
      }
      this.counts.handedOff += leaving.length;
      this.handOff(leaving, 0);
    }
    return Math.min(this.handoffAt, this.client.due(now), this.registry.earliestExpiry);
  }
}
