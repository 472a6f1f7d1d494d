/**
 * What one node holds of the DRT-style key registry: the registrations of the keys it is responsible
 * for, each key → { appData, publisher, expiresAt }. Pure: time is passed in as `now` (ms, on the
 * node's clock), and nothing here sends or schedules anything.
 *
 * The publisher is a NodeHandle, not a bare GUID: a search answers with where the publisher can be
 * reached (DRT returns the endpoint beside the key), and a handle carries both. Publishers are told
 * apart by GUID only, so a publisher that moved (a new address) still owns its keys; an update stores
 * its newest handle.
 *
 * One registration per key. `register` creates it, `update` changes its data or lifetime (only its
 * publisher may), `unregister` removes it (only its publisher may). A registration lives while
 * now < expiresAt; register, update, search and leafSet drop those expired by `now` first, and a
 * caller that wants to know which ones did calls `expire(now)` itself before them.
 *
 * Every call checks all of its input before it changes anything, so a refused call leaves the
 * registry exactly as it was. Bounds (DEFAULTS): drtMaxKeys in all, drtMaxKeysPerPublisher per
 * publisher, drtMaxAppDataBytes per key, drtMaxLifetimeMs per registration.
 */
import { checkInteger, InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { DRT_DEFAULTS } from './defaults';
import { checkKey } from './keys';
import { leafSet, rangeMatchesDescending, search, type KeyLeafSet, type SearchMatch, type SearchQuery } from './search';
import { SortedKeys } from './sortedKeys';

/** One key's registration. Its appData is the registry's own copy: do not modify. */
export interface Registration {
  /** The 256-bit key. */
  readonly key: Guid;
  /** The application's data for the key, 1 .. drtMaxAppDataBytes bytes. */
  readonly appData: Uint8Array;
  /** The node that registered the key, as last heard from. */
  readonly publisher: NodeHandle;
  /** The registration is live while now < expiresAt (ms, the node's clock). */
  readonly expiresAt: number;
}

/** A search answer with the registration behind the key. */
export interface RegistryMatch extends SearchMatch {
  readonly registration: Registration;
}

/** What an update changes; fields left out stay as they were. */
export interface RegistrationChanges {
  readonly appData?: Uint8Array;
  readonly expiresAt?: number;
}

/** The registry's bounds; each defaults to its DEFAULTS entry. */
export interface KeyRegistryLimits {
  /** Most registrations in all (DEFAULTS.drtMaxKeys). */
  readonly maxKeys: number;
  /** Most registrations of one publisher (DEFAULTS.drtMaxKeysPerPublisher). */
  readonly maxKeysPerPublisher: number;
  /** Largest appData (bytes; DEFAULTS.drtMaxAppDataBytes). */
  readonly maxAppDataBytes: number;
  /** Longest lifetime from the call that sets expiresAt (ms; DEFAULTS.drtMaxLifetimeMs). */
  readonly maxLifetimeMs: number;
}

export class KeyRegistry {
  readonly limits: KeyRegistryLimits;
  /** By key hex. Bounded by limits.maxKeys. */
  private readonly byKey = new Map<string, Registration>();
  /** The same keys in numeric order, for searches. */
  private readonly sorted = new SortedKeys();
  /** Registrations per publisher GUID hex; one entry per publisher holding any, so bounded by maxKeys. */
  private readonly perPublisher = new Map<string, number>();
  /**
   * No registration expires before this (a lower bound: removals leave it early), so expire(now)
   * before it is O(1) and the O(n) sweep runs only when something may have expired.
   */
  private nextExpiry = Infinity;

  constructor(limits: Partial<KeyRegistryLimits> = {}) {
    this.limits = Object.freeze({
      maxKeys: checkInteger('maxKeys', limits.maxKeys ?? DRT_DEFAULTS.drtMaxKeys, 1),
      maxKeysPerPublisher: checkInteger('maxKeysPerPublisher', limits.maxKeysPerPublisher ?? DRT_DEFAULTS.drtMaxKeysPerPublisher, 1),
      maxAppDataBytes: checkInteger('maxAppDataBytes', limits.maxAppDataBytes ?? DRT_DEFAULTS.drtMaxAppDataBytes, 1),
      maxLifetimeMs: checkInteger('maxLifetimeMs', limits.maxLifetimeMs ?? DRT_DEFAULTS.drtMaxLifetimeMs, 1),
    });
  }

  /** Registrations held, expired ones not yet swept included. */
  get size(): number {
    return this.byKey.size;
  }

  /** No registration expires before this (ms; Infinity when none is held): when an expiry sweep may next find something. */
  get earliestExpiry(): number {
    return this.nextExpiry;
  }

  /** Registrations held for one publisher (by GUID). */
  countOf(publisher: Guid): number {
    return this.perPublisher.get(publisher.hex) ?? 0;
  }

  /** The live registration of a key, if any. O(1). */
  get(key: Guid, now: number): Registration | undefined {
    const reg = this.byKey.get(checkKey(key).hex);
    return reg !== undefined && checkNow(now) < reg.expiresAt ? reg : undefined;
  }

  /** Every registration held, ascending by key (expired ones not yet swept included). */
  all(): Registration[] {
    return this.sorted.keys().map((k) => this.byKey.get(k.hex) as Registration);
  }

  /**
   * Registers a key that has no live registration. Refused: a key held live (InvalidArgumentError),
   * bad input (InvalidArgumentError; appData too large: MessageTooLargeError), the registry or the
   * publisher's share of it full (LimitExceededError).
   */
  register(key: Guid, appData: Uint8Array, publisher: NodeHandle, expiresAt: number, now: number): Registration {
    checkKey(key);
    const data = this.checkAppData(appData);
    checkPublisher(publisher);
    this.checkExpiry(expiresAt, checkNow(now));
    this.expire(now);
    if (this.byKey.has(key.hex)) {
      throw new InvalidArgumentError(`key ${key.hex} is already registered (until ${this.byKey.get(key.hex)?.expiresAt}); update it instead`);
    }
    if (this.byKey.size >= this.limits.maxKeys) {
      throw new LimitExceededError(`the registry holds ${this.byKey.size} keys, its limit (drtMaxKeys); key ${key.hex} refused`);
    }
    const count = this.countOf(publisher.guid);
    if (count >= this.limits.maxKeysPerPublisher) {
      throw new LimitExceededError(
        `publisher ${publisher.guid.hex} holds ${count} keys, its limit (drtMaxKeysPerPublisher); key ${key.hex} refused`,
      );
    }
    const reg: Registration = Object.freeze({ key, appData: data, publisher, expiresAt });
    this.byKey.set(key.hex, reg);
    this.sorted.add(key);
    this.perPublisher.set(publisher.guid.hex, count + 1);
    this.nextExpiry = Math.min(this.nextExpiry, expiresAt);
    return reg;
  }

  /**
   * Changes a live registration's appData and/or expiresAt, and stores the publisher's newest handle.
   * Refused with InvalidArgumentError: no live registration, another publisher's key, bad input
   * (appData too large: MessageTooLargeError).
   */
  update(key: Guid, publisher: NodeHandle, changes: RegistrationChanges, now: number): Registration {
    checkKey(key);
    checkPublisher(publisher);
    checkNow(now);
    if (typeof changes !== 'object' || changes === null) throw new InvalidArgumentError('changes must be an object');
    const data = changes.appData === undefined ? undefined : this.checkAppData(changes.appData);
    if (changes.expiresAt !== undefined) this.checkExpiry(changes.expiresAt, now);
    this.expire(now);
    const old = this.byKey.get(key.hex);
    if (old === undefined) throw new InvalidArgumentError(`key ${key.hex} has no live registration to update`);
    checkOwner(old, publisher, 'update');
    const reg: Registration = Object.freeze({
      key: old.key,
      appData: data ?? old.appData,
      publisher,
      expiresAt: changes.expiresAt ?? old.expiresAt,
    });
    this.byKey.set(key.hex, reg);
    this.nextExpiry = Math.min(this.nextExpiry, reg.expiresAt);
    return reg;
  }

  /**
   * Removes a key's registration (live or expired but not yet swept) and answers it; undefined if
   * there was none. Another publisher's key is refused with InvalidArgumentError.
   */
  unregister(key: Guid, publisher: NodeHandle): Registration | undefined {
    checkKey(key);
    checkPublisher(publisher);
    const reg = this.byKey.get(key.hex);
    if (reg === undefined) return undefined;
    checkOwner(reg, publisher, 'unregister');
    this.byKey.delete(key.hex);
    this.sorted.delete(key);
    this.release(reg.publisher.guid);
    return reg;
  }

  /**
   * Removes every registration with expiresAt ≤ now and answers them, ascending by key. O(1) when
   * none can have expired, else one O(n) pass.
   */
  expire(now: number): Registration[] {
    if (checkNow(now) < this.nextExpiry) return [];
    const gone: Registration[] = [];
    let next = Infinity;
    for (const reg of this.byKey.values()) {
      if (reg.expiresAt <= now) gone.push(reg);
      else next = Math.min(next, reg.expiresAt);
    }
    this.nextExpiry = next;
    if (gone.length === 0) return gone;
    for (const reg of gone) {
      this.byKey.delete(reg.key.hex);
      this.release(reg.publisher.guid);
    }
    this.sorted.deleteWhere((k) => !this.byKey.has(k.hex));
    return gone.sort((a, b) => (a.key.hex < b.key.hex ? -1 : 1));
  }

  /** A search over the live keys (search.ts), each match with its registration. */
  search(query: SearchQuery, now: number): RegistryMatch[] {
    this.expire(now);
    return search(this.sorted, query).map((m) => ({ ...m, registration: this.byKey.get(m.key.hex) as Registration }));
  }

  /** The live keys in [min, max] (wrapping when min > max), descending from max, up to maxEndpoints (search.ts). */
  searchDescending(min: Guid, max: Guid, maxEndpoints: number, now: number): RegistryMatch[] {
    this.expire(now);
    return rangeMatchesDescending(this.sorted, min, max, maxEndpoints).map((m) => ({ ...m, registration: this.byKey.get(m.key.hex) as Registration }));
  }

  /** A key's leaf set among the live keys (search.ts). */
  leafSet(key: Guid, now: number, half: number = DRT_DEFAULTS.drtLeafSetHalf): KeyLeafSet {
    this.expire(now);
    return leafSet(key, this.sorted, half);
  }

  /** The registry's own copy of valid appData. */
  private checkAppData(appData: unknown): Uint8Array {
    if (!(appData instanceof Uint8Array)) throw new InvalidArgumentError('appData must be a Uint8Array');
    if (appData.length === 0) throw new InvalidArgumentError('appData must hold at least 1 byte');
    if (appData.length > this.limits.maxAppDataBytes) {
      throw new MessageTooLargeError(`appData is ${appData.length} bytes, more than drtMaxAppDataBytes (${this.limits.maxAppDataBytes})`);
    }
    return new Uint8Array(appData);
  }

  private checkExpiry(expiresAt: unknown, now: number): void {
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw new InvalidArgumentError(`expiresAt must be a finite number (ms), got ${String(expiresAt)}`);
    }
    if (expiresAt <= now) throw new InvalidArgumentError(`expiresAt (${expiresAt}) must be later than now (${now})`);
    if (expiresAt - now > this.limits.maxLifetimeMs) {
      throw new InvalidArgumentError(`expiresAt is ${expiresAt - now} ms away, more than drtMaxLifetimeMs (${this.limits.maxLifetimeMs})`);
    }
  }

  private release(publisher: Guid): void {
    const count = (this.perPublisher.get(publisher.hex) ?? 0) - 1;
    if (count > 0) this.perPublisher.set(publisher.hex, count);
    else this.perPublisher.delete(publisher.hex);
  }
}

function checkNow(now: unknown): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidArgumentError(`now must be a finite number (ms), got ${String(now)}`);
  return now;
}

function checkPublisher(publisher: unknown): void {
  const guid = (publisher as { guid?: unknown } | null | undefined)?.guid;
  if (!(guid instanceof Guid)) throw new InvalidArgumentError('publisher must be a NodeHandle (a guid and an address)');
}

function checkOwner(reg: Registration, publisher: NodeHandle, what: string): void {
  if (!reg.publisher.guid.equals(publisher.guid)) {
    throw new InvalidArgumentError(
      `key ${reg.key.hex} is registered by ${reg.publisher.guid.hex}; ${publisher.guid.hex} may not ${what} it`,
    );
  }
}
