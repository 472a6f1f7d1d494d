/**
 * The DHT module object: thin, acting through the ModuleContext only (DESIGN rule 5). Rules live in
 * recordStore.ts (versions, expiry, owned keys), recordGate.ts (which records are taken: validator and
 * signatures) and routing/surrogateOrder.ts (who holds copies); this node's own requests wait for their
 * answers in operations.ts; this file wires them to routes and direct messages.
 *
 * - putValue: a PUT routed fuzzy to each salted key; its root stores the record, sends a STORE to the
 *   next r - 1 nodes in surrogate-root order (they root the key if it fails), and answers with an ACK.
 * - getValue: a GET routed fuzzy to each salted key; each root answers with its VALUE (or none); the
 *   newest version wins once `quorum` records came, or every root answered.
 * - removeValue: a REMOVE to each salted root, which drops the publisher's record and tells its replicas.
 * - Caching (rust-kad's cache expiry by distance): a root that answers a get sends a copy to the get's
 *   previous hop for half the record's remaining life; a node holding a copy answers gets passing
 *   through it on the spot and sends the next hop back a copy for half its own remaining life, so the
 *   copies spread outward along popular paths and lapse sooner the farther they are from the root.
 * - Soft state: records lapse unless the publisher republishes; when the neighbourhood changes a node
 *   sends the records it holds to their current replica sets (a moment later, once for a burst).
 * - Under an authenticating provider (`signed`): every record is signed by its publisher and checked
 *   wherever it arrives (PUT, STORE, CACHE, and VALUE at the getter); a key is owned by the publisher
 *   of its live record at each holder, and a remove is the publisher's signed removal.
 */
import { DEFAULTS } from '../../defaults';
import { ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { saltedRoot } from '../../location/saltedRoots';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';
import { groupGuid } from '../shared/groupGuid';
import { runtimeModule } from '../shared/runtimeModule';
import { startDeadlineTimer, type DeadlineTimer } from '../shared/deadlineTimer';
import type { Delivery, ForwardContext, ForwardVerdict, ModuleContext, ModuleWithApi } from '../contract';
import type { Dht, DhtGetOptions, DhtProgress, DhtStats, DhtValue } from './api';
import type { AckStatus, DhtMsg, DhtRecord } from './messages';
import type { DhtConfig } from './options';
import { RecordStore, type HeldRecord } from './recordStore';
import { RecordGate } from './recordGate';
import { findProviders, providerGuid } from './providers';
import { replicaSet } from '../../routing/surrogateOrder';
import { untilNeighbours } from './bootstrap';
import { DhtOperations } from './operations';

export function dhtModule(cfg: DhtConfig): ModuleWithApi<Dht> {
  return runtimeModule({
    id: cfg.id,
    name: 'dht',
    start: (ctx) => new DhtRuntime(ctx, cfg),
    api: (rt) => rt.api(),
    forward: (rt, m) => rt.forward(m),
    deliver: (rt, d) => rt.receive(d),
    update: (rt) => rt.neighbourhoodChanged(),
  });
}

class DhtRuntime {
  private readonly store: RecordStore;
  /** Copies kept for gets passing through (never replicated, never answered as a root). */
  private readonly cache: RecordStore;
  private readonly gate: RecordGate;
  /** This node's own puts, gets, removes and pings, until answered (operations.ts). */
  private readonly ops: DhtOperations;
  /** Keys this node published: key hex → the (signed) record it republishes. */
  private readonly published = new Map<string, { key: Guid; record: DhtRecord; nextRepublish: number }>();
  private readonly timer: DeadlineTimer;
  /** bootstrap() calls waiting for a neighbour: close() fails them (bounded by DEFAULTS.dhtMaxPending). */
  private readonly bootstrapping = new Set<(e: Error) => void>();
  private replicateAt = Infinity;
  private seq = 0;
  private closed = false;
  private readonly counts = {
    puts: 0, gets: 0, removes: 0, storedAsRoot: 0, storedAsReplica: 0, refusedOlder: 0, refusedNotOwner: 0, replicationsSent: 0, getsAnswered: 0, getsMissed: 0, malformed: 0, invalid: 0, forged: 0, unsolicitedCopies: 0, answeredOnPath: 0,
  };

  constructor(
    private readonly ctx: ModuleContext,
    private readonly cfg: DhtConfig,
  ) {
    this.timer = startDeadlineTimer(ctx, () => this.due());
    this.gate = new RecordGate(ctx.security, cfg.validator, this.counts, DEFAULTS.dhtMaxAwaitedCopies);
    this.store = new RecordStore(DEFAULTS.dhtMaxRecords, this.gate.owned);
    this.cache = new RecordStore(DEFAULTS.dhtMaxCached, this.gate.owned);
    this.ops = new DhtOperations(ctx, cfg, this.gate, this.timer, () => this.closed);
  }

  api(): Dht {
    return {
      keyGuid: (k) => this.guid(k),
      // A bad key or value rejects the returned promise, as every other failure does.
      putValue: async (k, v, o) => this.put(k, v, o?.signal, o?.onProgress),
      getValue: async (k, o) => this.get(k, o),
      removeValue: (k, o) => this.remove(k, o?.signal, o?.onProgress),
      // Resolves once sent, as before publish answered with its acknowledgements (its promise is safe to drop).
      provide: async (k) => void this.ctx.publish(providerGuid(this.guid(k), this.ctx.space.bits), { owner: false }),
      // Resolves once sent, as provide does (unpublish's acknowledgement promise is safe to drop).
      unprovide: async (k) => void this.ctx.unpublish(providerGuid(this.guid(k), this.ctx.space.bits)),
      findProviders: (k, o) => findProviders(this.ctx, this.guid(k), o),
      findPeer: async (g, o) => (await this.ops.ping(g, o?.signal)).peer,
      ping: async (g, o) => (await this.ops.ping(g, o?.signal)).rttMs,
      bootstrap: async (o) => this.bootstrap(o?.timeoutMs, o?.signal),
      stats: () => this.stats(),
      close: () => this.close(),
    };
  }

  /** Waits for a neighbour, then re-replicates what it holds and republishes what it published, now. */
  private async bootstrap(timeoutMs: number = DEFAULTS.dhtBootstrapTimeoutMs, signal?: AbortSignal): Promise<number> {
    if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1)) throw new InvalidArgumentError('timeoutMs must be a positive integer (ms)');
    if (this.closed) throw new ClosedError('dht module closed');
    const neighbours = await untilNeighbours(this.ctx, timeoutMs, this.bootstrapping, signal);
    const now = this.ctx.now();
    if (this.store.size > 0) this.replicateAt = now;
    for (const p of this.published.values()) p.nextRepublish = now;
    this.timer.arm(now);
    return neighbours;
  }

  private guid(k: string | Guid): Guid {
    return groupGuid(k, this.ctx.space, DEFAULTS.anycastMaxGroupNameBytes, 'dht:');
  }

  private nextSeq(): number {
    // Versions grow with the clock (seconds), so a restarted publisher's next put is still newer.
    this.seq = Math.min(0xffff_ffff, Math.max(this.seq + 1, Math.floor(this.ctx.now() / 1000)));
    return this.seq;
  }

  private put(k: string | Guid, v: Uint8Array | string, signal?: AbortSignal, onProgress?: (e: DhtProgress) => void): Promise<{ key: Guid; stored: number }> {
    const key = this.guid(k);
    const value = typeof v === 'string' ? new TextEncoder().encode(v) : v;
    if (!(value instanceof Uint8Array) || value.length === 0) return Promise.reject(new InvalidArgumentError('a value is a non-empty Uint8Array or string'));
    if (value.length > DEFAULTS.dhtMaxValueBytes) return Promise.reject(new MessageTooLargeError(`a value is at most ${DEFAULTS.dhtMaxValueBytes} bytes, got ${value.length}`));
    if (!this.gate.valid(key, value)) return Promise.reject(new InvalidArgumentError(`the validator refused the value for key ${key.hex}`));
    if (!this.published.has(key.hex) && this.published.size >= DEFAULTS.dhtMaxPublished) return Promise.reject(new LimitExceededError(`at most ${DEFAULTS.dhtMaxPublished} published keys`));
    const record = this.gate.sign(key, { value, seq: this.nextSeq(), publisher: this.ctx.self.guid, ttlMs: this.cfg.recordLifetimeMs });
    this.published.set(key.hex, { key, record, nextRepublish: this.ctx.now() + this.cfg.republishMs });
    this.timer.arm(this.ctx.now() + this.cfg.republishMs);
    this.counts.puts++;
    return this.ops.start('put', key, 1, signal, record, onProgress) as Promise<{ key: Guid; stored: number }>;
  }

  private get(k: string | Guid, o: DhtGetOptions = {}): Promise<DhtValue> {
    const key = this.guid(k);
    const quorum = o.quorum ?? 1;
    if (!(Number.isInteger(quorum) && quorum >= 1 && quorum <= this.cfg.salts)) return Promise.reject(new InvalidArgumentError(`quorum must be an integer in 1..${this.cfg.salts}`));
    this.counts.gets++;
    return this.ops.start('get', key, quorum, o.signal, undefined, o.onProgress) as Promise<DhtValue>;
  }

  private async remove(k: string | Guid, signal?: AbortSignal, onProgress?: (e: DhtProgress) => void): Promise<void> {
    const key = this.guid(k);
    this.published.delete(key.hex);
    this.counts.removes++;
    // Signed (under `signed`) with a version past every put so far: a replay never drops a later put.
    const removal = this.gate.signRemoval(key, this.nextSeq(), this.ctx.self.guid);
    await this.ops.start('remove', key, 1, signal, undefined, onProgress, removal);
  }

  /** A get passing through: answered here from a copy this node holds (and a copy passed one hop back). */
  forward(at: ForwardContext): ForwardVerdict {
    if (at.fragment || this.closed) return true;
    let msg: DhtMsg;
    try {
      msg = decodeDht(at.payload, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      return true; // the destination counts and drops it
    }
    if (msg.kind !== 'get') return true;
    const now = this.ctx.now();
    const salted = saltedRoot(msg.key, msg.salt);
    // Under `signed` only awaited copies answer on the path: a replica's copy may have come from anyone
    // (a STORE), and is served only where the get ends, by a node that roots the key.
    const own = msg.requester?.guid.equals(this.ctx.self.guid);
    const held = own ? undefined : (this.gate.owned ? undefined : this.store.get(salted.hex, now)) ?? this.cache.get(salted.hex, now);
    if (!held) {
      // Passed on: the node it goes to may send a copy back (the only copy of this key taken under `signed`).
      this.gate.expectCopy(salted.hex, at.nextHop.guid);
      return true;
    }
    this.counts.answeredOnPath++;
    this.answer(msg, { record: { ...held.record, ttlMs: remaining(held, now) } });
    if (at.from) this.passCopy(at.from, held, now);
    return 'taken';
  }

  /** Sends a copy of `held` to the node a get came from, for half the life it has left here. */
  private passCopy(to: NodeHandle, held: HeldRecord, now: number): void {
    const ttlMs = Math.floor(remaining(held, now) / 2);
    if (ttlMs < DEFAULTS.dhtMinCacheMs || to.guid.equals(this.ctx.self.guid)) return;
    this.ctx.send(to, encodeDht({ kind: 'cache', key: held.key, salt: held.salt, requestId: 0, record: { ...held.record, ttlMs } }));
  }

  receive(d: Delivery): void {
    let msg: DhtMsg;
    try {
      msg = decodeDht(d.payload, { idBytes: this.ctx.space.bytes as 20 | 32 });
    } catch {
      this.counts.malformed++;
      return;
    }
    if (this.closed) return;
    const salted = saltedRoot(msg.key, msg.salt);
    const now = this.ctx.now();
    switch (msg.kind) {
      case 'put': {
        const verdict = this.gate.check(msg.key, msg.record!);
        if (verdict !== 'ok') return this.answer(msg, { status: verdict });
        const outcome = this.take(this.store, salted, msg);
        const ok = outcome === 'stored' || outcome === 'refreshed';
        if (ok) {
          this.counts.storedAsRoot++;
          this.replicate(salted, this.store.get(salted.hex, now)!, now);
          this.timer.arm(this.store.nextExpiry());
        }
        return this.answer(msg, { status: ok ? 'stored' : (outcome as AckStatus) });
      }
      case 'store':
        if (this.gate.check(msg.key, msg.record!) !== 'ok') return;
        if (this.take(this.store, salted, msg) === 'stored') this.counts.storedAsReplica++;
        this.timer.arm(this.store.nextExpiry());
        return;
      case 'get': {
        const held = this.store.get(salted.hex, now);
        if (held) this.counts.getsAnswered++;
        else this.counts.getsMissed++;
        this.answer(msg, held ? { record: { ...held.record, ttlMs: remaining(held, now) } } : {});
        if (held && d.fuzzy && d.from) this.passCopy(d.from, held, now);
        return;
      }
      case 'cache':
        if (!this.gate.copyAwaited(salted.hex, d.from?.guid) || this.gate.check(msg.key, msg.record!) !== 'ok') return;
        this.cache.expire(now);
        this.take(this.cache, salted, msg);
        return;
      case 'remove': {
        const publisher = msg.requester?.guid;
        // Under `signed` only the publisher's signed removal drops its record (a root passes it on as it came).
        if (publisher && !this.gate.removalOk(msg.key, publisher, msg.removal)) return msg.requestId === 0 ? undefined : this.answer(msg, { status: 'forged' });
        const outcome = publisher ? this.store.remove(salted.hex, publisher.hex, msg.removal?.seq) : 'none';
        if (outcome === 'newer') this.counts.refusedOlder++; // a replayed removal: the publisher put again since
        if (msg.requestId === 0) return; // a root passing the remove on: nothing to answer
        if (outcome === 'removed') {
          const passed: DhtMsg = { kind: 'remove', key: msg.key, salt: msg.salt, requestId: 0, requester: msg.requester, ...(msg.removal ? { removal: msg.removal } : {}) };
          for (const n of this.replicas(salted)) this.ctx.send(n, encodeDht(passed));
        }
        return this.answer(msg, { status: outcome === 'notPublisher' ? 'notPublisher' : outcome === 'newer' ? 'older' : 'removed' });
      }
      case 'ping':
        // Only the node itself answers (an exact route ends nowhere else).
        if (msg.key.equals(this.ctx.self.guid)) this.ctx.send(msg.requester!, encodeDht({ kind: 'pong', key: msg.key, salt: 0, requestId: msg.requestId, requester: this.ctx.self }));
        return;
      case 'value':
      case 'ack':
      case 'pong':
        return this.ops.answered(msg);
    }
  }

  /** Stores the record of a put, store or cache in `into`, counting a refusal for an older version or another owner's key. */
  private take(into: RecordStore, salted: Guid, msg: DhtMsg): ReturnType<RecordStore['put']> {
    const outcome = into.put(salted.hex, msg.key, msg.salt, msg.record!, this.ctx.now());
    if (outcome === 'older') this.counts.refusedOlder++;
    if (outcome === 'notOwner') this.counts.refusedNotOwner++;
    return outcome;
  }

  /** Answers a put, get or remove straight to its requester. */
  private answer(msg: DhtMsg, body: Pick<DhtMsg, 'status' | 'record'>): void {
    const reply: DhtMsg = { kind: msg.kind === 'get' ? 'value' : 'ack', key: msg.key, salt: msg.salt, requestId: msg.requestId, requester: this.ctx.self, ...body };
    if (msg.requester!.guid.equals(this.ctx.self.guid)) this.ops.answered(reply);
    else this.ctx.send(msg.requester!, encodeDht(reply));
  }

  /** The other nodes of a salted key's replica set, as this node knows its surroundings. */
  private replicas(salted: Guid): NodeHandle[] {
    const known = [this.ctx.self, ...this.ctx.leafSet.members(), ...this.ctx.table.neighbours()];
    return replicaSet(salted, known, this.cfg.replicas, this.ctx.space).filter((n) => !n.guid.equals(this.ctx.self.guid));
  }

  /** Sends a held record to the other holders of `salted`'s copies, with the lifetime it has left. */
  private replicate(salted: Guid, held: HeldRecord, now: number): void {
    const record = { ...held.record, ttlMs: remaining(held, now) };
    for (const n of this.replicas(salted)) {
      this.counts.replicationsSent++;
      this.ctx.send(n, encodeDht({ kind: 'store', key: held.key, salt: held.salt, requestId: 0, record }));
    }
  }

  /** A neighbour joined or left: re-replicate a moment later (one pass for a burst of changes). */
  neighbourhoodChanged(): void {
    if (this.closed || this.store.size === 0 || this.replicateAt < Infinity) return;
    this.replicateAt = this.ctx.now() + DEFAULTS.dhtReplicateDelayMs;
    this.timer.arm(this.replicateAt);
  }

  private due(): number {
    if (this.closed) return Infinity;
    const now = this.ctx.now();
    this.ops.expire(now);
    this.store.expire(now);
    this.cache.expire(now);
    if (this.replicateAt <= now) {
      this.replicateAt = Infinity;
      for (const [hex, h] of this.store.entries(now)) this.replicate(Guid.fromHex(hex), h, now);
    }
    let next = Math.min(this.ops.nextDeadline(), this.store.nextExpiry(), this.replicateAt);
    for (const p of this.published.values()) {
      if (p.nextRepublish <= now) {
        p.nextRepublish = now + this.cfg.republishMs;
        // The signature covers no lifetime: the same signed record, with a full one.
        this.ops.start('put', p.key, 1, undefined, { ...p.record, ttlMs: this.cfg.recordLifetimeMs }).catch(() => undefined);
      }
      next = Math.min(next, p.nextRepublish);
    }
    return next;
  }

  private stats(): DhtStats {
    return { records: this.store.size, valueBytes: this.store.valueBytes, published: this.published.size, pending: this.ops.size, cached: this.cache.size, awaitedCopies: this.gate.awaitedCopies, ...this.counts };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ops.closeAll();
    for (const stop of [...this.bootstrapping]) stop(new ClosedError('dht module closed'));
    this.published.clear();
    this.ctx.unregister();
  }
}

/** The life a held record has left, as a record's ttl field carries it (1 .. dhtRecordLifetimeMs). */
function remaining(held: HeldRecord, now: number): number {
  return Math.max(1, Math.min(DEFAULTS.dhtRecordLifetimeMs, held.expiresAt - now));
}
