/**
 * The per-hop rules of object location (JSAC 2004 §III-B, §V-B.3) as pure functions: what a node does
 * with a publish, unpublish or locate passing through it, and where it leaves extra pointer copies.
 * The object-locator actor calls these and does the sending; nothing here does I/O or reads a clock.
 */
import { InvalidArgumentError } from '../errors';
import { sharedPrefixLength } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { compareEntries, type RoutingEntry, type RoutingTable } from '../routing/routingTable';
// Types only (erased at runtime): the domain shapes of the messages, not any wire code.
import type { LocateMsg, PublishMsg, UnpublishMsg } from './messages';
import type { Pointer, PointerStore, PutOutcome } from './pointerStore';

/** The pointer-caching knobs (DEFAULTS.extraPointerBackups / …Neighbours / …Hops). */
export interface ExtraPointerOptions {
  /** k: backups of the next hop that get a copy. */
  readonly backups: number;
  /** l: nearest neighbours of this node that get a copy. */
  readonly neighbours: number;
  /** m: only the first m hops of the publish path leave copies; 0 turns caching off. */
  readonly hops: number;
}

const NO_EXCLUDE: ReadonlySet<string> = new Set<string>();

/**
 * A publish passing through (or starting at) this node: leave a pointer to the server, living
 * `lifetimeMs` from now (the record's own, unless the caller shortens it: an exact duplicate of a
 * signed record lives no longer than its first copy), at this node's distance estimate. The caller
 * forwards the publish unless the outcome is 'replay' or the message is an extra copy.
 */
export function publishHop(
  store: PointerStore,
  msg: PublishMsg,
  latencyToServer: number,
  prevHop: NodeHandle | undefined,
  now: number,
  lifetimeMs: number = msg.lifetimeMs,
): PutOutcome {
  // A signed record keeps its proof, so a hand-over can pass it on for the receiver to verify.
  const signed = msg.publisherKey && msg.signature
    ? { publisherKey: msg.publisherKey, signature: msg.signature, lifetimeMs: msg.lifetimeMs, ...(msg.owner ? { owner: msg.owner } : {}) }
    : undefined;
  const pointer: Pointer = {
    object: msg.object,
    server: msg.server,
    tag: msg.tag,
    sequence: msg.sequence,
    expiresAt: now + lifetimeMs,
    latency: latencyToServer,
    saltIndex: msg.saltIndex,
    extra: msg.extra,
    ...(prevHop === undefined ? {} : { from: prevHop }),
    ...(signed === undefined ? {} : { signed }),
  };
  return store.put(pointer, now);
}

/** An unpublish passing through: drop the server's pointer unless a newer publish already replaced it. */
export function unpublishHop(store: PointerStore, msg: UnpublishMsg): boolean {
  return store.remove(msg.object, msg.server.guid, msg.sequence);
}

/**
 * A locate passing through: the up-to `wanted` nearest pointers matching its query and not among the
 * servers it already excludes. Empty means no match here, so the locate continues toward the root.
 */
export function locateHop(store: PointerStore, msg: LocateMsg, now: number): Pointer[] {
  let exclude = NO_EXCLUDE;
  if (msg.exclude.length > 0) {
    const hexes = new Set<string>();
    for (const g of msg.exclude) hexes.add(g.hex);
    exclude = hexes;
  }
  if (!msg.owned) return store.match(msg.object, msg.query, exclude, now, msg.wanted);
  // A claim with a name hash was checked against the object GUID when its pointer was stored.
  const proven = store.match(msg.object, msg.query, exclude, now, store.maxPerObject).filter((p) => p.signed?.owner?.nameHash !== undefined);
  return proven.slice(0, msg.wanted);
}

/**
 * Pointer caching (JSAC §V-B.3): besides the pointer on the path, hop `hopIndex`
 * (0 = the server itself) of a publish leaves copies at the first `backups` backups of `nextHop` (the
 * entries after it in its slot, in latency order) and at this node's `neighbours` lowest-latency
 * neighbours from the whole table. Backups come first, then neighbours nearest first. The neighbours
 * are chosen among nodes not already picked, and neither this node nor `nextHop` (which gets the path
 * pointer anyway) is ever a target, so a full table yields backups + neighbours distinct copies — the
 * per-hop cost JSAC gives for it. Empty from hop `opts.hops` on.
 */
export function extraPointerTargets(
  table: RoutingTable,
  nextHop: NodeHandle | undefined,
  hopIndex: number,
  opts: ExtraPointerOptions,
): NodeHandle[] {
  checkCount('hopIndex', hopIndex);
  checkCount('backups', opts.backups);
  checkCount('neighbours', opts.neighbours);
  checkCount('hops', opts.hops);
  const targets: NodeHandle[] = [];
  if (hopIndex >= opts.hops) return targets;

  const picked = new Set<string>();
  picked.add(table.self.guid.hex);
  if (nextHop !== undefined) {
    picked.add(nextHop.guid.hex);
    if (opts.backups > 0) {
      for (const backup of backupsOf(table, nextHop, opts.backups)) {
        if (picked.has(backup.guid.hex)) continue;
        picked.add(backup.guid.hex);
        targets.push(backup);
      }
    }
  }
  if (opts.neighbours > 0) {
    for (const e of nearestEntries(table, opts.neighbours, picked)) targets.push(e.handle);
  }
  return targets;
}

/**
 * This node's distance estimate to a server: the measured latency when the server is in the routing
 * table, else the latency accumulated along the overlay path (an upper bound on the direct distance).
 */
export function latencyEstimate(table: RoutingTable, server: NodeHandle, pathLatency: number): number {
  if (server.guid.hex === table.self.guid.hex) return 0;
  const entry = table.get(server.guid);
  return entry === undefined ? pathLatency : entry.latency;
}

/** Up to `count` entries after `nextHop` in the slot holding it; none when it is not in the table. */
function backupsOf(table: RoutingTable, nextHop: NodeHandle, count: number): NodeHandle[] {
  const found: NodeHandle[] = [];
  // `get` is undefined for this node, a GUID of another width, or a node the table does not list.
  if (table.get(nextHop.guid) === undefined) return found;
  // A GUID's slot is fixed by the GUID: level = digits shared with this node, slot = its next digit.
  const bits = table.space.digitBits;
  const level = sharedPrefixLength(table.self.guid, nextHop.guid, bits);
  const slot = table.slot(level, nextHop.guid.digit(level, bits));
  const hex = nextHop.guid.hex;
  let at = 0;
  while (at < slot.length && slot[at].handle.guid.hex !== hex) at++;
  for (let i = at + 1; i < slot.length && found.length < count; i++) found.push(slot[i].handle);
  return found;
}

/** The `count` best entries of the whole table (latency, then GUID) whose GUID hex is not in `skip`. */
function nearestEntries(table: RoutingTable, count: number, skip: ReadonlySet<string>): RoutingEntry[] {
  // A bounded insertion list: count is a handful, the table at most levels × base × slotSize.
  const best: RoutingEntry[] = [];
  for (const handle of table.neighbours()) {
    if (skip.has(handle.guid.hex)) continue;
    const entry = table.get(handle.guid);
    if (entry === undefined) continue;
    if (best.length === count && compareEntries(entry, best[count - 1]) >= 0) continue;
    if (best.length === count) best.pop();
    let i = best.length;
    best.push(entry);
    while (i > 0 && compareEntries(entry, best[i - 1]) < 0) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = entry;
  }
  return best;
}

function checkCount(name: string, n: number): void {
  if (!((n | 0) === n && n >= 0)) throw new InvalidArgumentError(`${name} must be an integer ≥ 0, got ${n}`);
}
