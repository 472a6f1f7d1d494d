/**
 * A node's Tapestry routing table: one level per digit, `base` slots per level, each slot holding the
 * closest few nodes (by measured latency) that share exactly `level` leading digits with this node and
 * have `digit` next. Plus backpointers: the nodes that list this node.
 */
// Type-only: erased at runtime, so routing/ stays free of any wire code.
import type { NodeHandle } from './handle';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { compareGuids, digitAt, sharedPrefixLength, type Guid, type IdSpace } from './guid';
import { BackpointerSet } from './backpointerSet';
import { appended, grownTo, itemAt, removedAt, settle } from './lists';

/** One neighbour in a slot. */
export interface RoutingEntry {
  /** The neighbour: its GUID and address. */
  readonly handle: NodeHandle;
  /** Latency in ms as the caller measured it; lower is preferred. */
  readonly latency: number;
}

/** What `addDetailed` did. */
export interface AddResult {
  /** The node is in the table after the call (inserted, or already there and refreshed). */
  readonly added: boolean;
  /** The node was not in the table before the call. */
  readonly isNew: boolean;
  /** The node pushed out of a full slot to make room, if any. */
  readonly evicted?: NodeHandle;
}

/** Sizes of a {@link RoutingTable}; each is an integer, checked by the constructor. */
export interface RoutingTableOptions {
  /** Nodes per slot (primary + backups), at least 1. Default: DEFAULTS.slotSize (3). */
  slotSize?: number;
  /** Most backpointers kept, 0 or more. Default: DEFAULTS.maxBackpointers (4096). */
  maxBackpointers?: number;
}

/** What a {@link RoutingTable} counts since it was made. */
export interface RoutingTableStats {
  /** Backpointers refused because the set was full (a count). */
  backpointerOverflow: number;
  /** Entries and backpointers refused because the handle was a resolve-only node's (routing/resolveOnly.ts). */
  resolveOnlyRefused: number;
}

// A module-level copy: global lookups are slow inside vm sandboxes such as jest's.
const INFINITY = Number.POSITIVE_INFINITY;
const NO_ENTRIES: readonly RoutingEntry[] = Object.freeze([]);
const REJECTED: AddResult = Object.freeze({ added: false, isNew: false });
const INSERTED: AddResult = Object.freeze({ added: true, isNew: true });
const UPDATED: AddResult = Object.freeze({ added: true, isNew: false });

/** Latency first; equal latencies by GUID so every node orders a slot the same way. */
export function compareEntries(a: RoutingEntry, b: RoutingEntry): number {
  return a.latency - b.latency || compareGuids(a.handle.guid, b.handle.guid);
}

/**
 * A node's Tapestry routing table: one level per digit, `base` slots per level, each slot holding the
 * closest `slotSize` nodes (lowest latency first) that share exactly `level` leading digits with this
 * node and have `digit` next; plus backpointers, the nodes that list this node.
 *
 * A node's own table is read through `node.table`; a table made with `new` is the caller's own, for
 * experiments and tests. Throws InvalidArgumentError when `self`'s GUID is not of
 * the space's width or an option is out of range.
 */
export class RoutingTable {
  /** This node: the one entry of every slot for its own digit. */
  readonly self: NodeHandle;
  /** The identifier space: GUID width and digit width. */
  readonly space: IdSpace;
  /** Levels: one per digit. */
  readonly levels: number;
  /** Slots per level. */
  readonly base: number;
  /** Nodes kept per slot (primary + backups). */
  readonly slotSize: number;
  /** Most backpointers kept; more are refused and counted in `stats`. */
  readonly maxBackpointers: number;
  /** Counters, updated in place. */
  readonly stats: RoutingTableStats = { backpointerOverflow: 0, resolveOnlyRefused: 0 };

  /** Self's digit at each level: the slot there holds only this node. */
  private readonly selfDigits: Uint8Array;
  private readonly selfSlot: readonly RoutingEntry[];
  /**
   * Neighbour slots, flat at level * base + digit; undefined = empty. Self's own slots are not stored
   * (they are `selfSlot`), so the array only grows as far as the deepest level that has a neighbour:
   * most levels of a large ID space stay empty and cost nothing. Every array here, this one and each
   * slot, is kept at its exact length (routing/lists.ts): a simulator holds tens of them per node.
   */
  private slots: (RoutingEntry[] | undefined)[] = [];
  private count = 0;
  /** Neighbours per level, so routing can pass over a level that holds only this node in one step. */
  private readonly levelCounts: Int32Array;
  /** The nodes that list this node (routing/backpointerSet.ts). */
  private readonly backs: BackpointerSet;

  constructor(self: NodeHandle, space: IdSpace, opts: RoutingTableOptions = {}) {
    if (self.guid.bytes.length !== space.bytes) {
      throw new InvalidArgumentError(`self GUID is ${self.guid.bits} bits, the space ${space.bits}`);
    }
    const slotSize = opts.slotSize ?? DEFAULTS.slotSize;
    const maxBackpointers = opts.maxBackpointers ?? DEFAULTS.maxBackpointers;
    if (!Number.isInteger(slotSize) || slotSize < 1) throw new InvalidArgumentError(`slotSize must be ≥ 1, got ${slotSize}`);
    if (!Number.isInteger(maxBackpointers) || maxBackpointers < 0) {
      throw new InvalidArgumentError(`maxBackpointers must be ≥ 0, got ${maxBackpointers}`);
    }
    this.self = self;
    this.space = space;
    this.levels = space.digits;
    this.base = space.base;
    this.slotSize = slotSize;
    this.maxBackpointers = maxBackpointers;
    this.backs = new BackpointerSet(maxBackpointers);
    this.selfDigits = new Uint8Array(space.digits);
    for (let l = 0; l < space.digits; l++) this.selfDigits[l] = digitAt(self.guid.bytes, l, space.digitBits);
    this.selfSlot = Object.freeze([Object.freeze({ handle: self, latency: 0 })]);
    this.levelCounts = new Int32Array(space.digits);
  }

  /** Distinct neighbours in the table, not counting this node. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds or refreshes a neighbour; false when it is this node or loses to a full slot.
   * @param latencyMs The neighbour's latency in milliseconds as the caller measured it, finite and ≥ 0;
   *   lower ranks first in its slot.
   */
  add(handle: NodeHandle, latencyMs: number): boolean {
    return this.addDetailed(handle, latencyMs).added;
  }

  /** As `add`, also telling whether the node is new and which node, if any, it pushed out. */
  addDetailed(handle: NodeHandle, latencyMs: number): AddResult {
    const guid = handle.guid;
    this.checkWidth(guid);
    if (!(latencyMs >= 0 && latencyMs < INFINITY)) {
      throw new InvalidArgumentError(`latency must be a finite number ≥ 0, got ${latencyMs}`);
    }
    const index = this.indexOf(guid);
    if (index < 0) return REJECTED;
    // Never a neighbour, and never a refresh of a listed one: the flag changes nothing already here.
    if (handle.resolveOnly) return this.refusedResolveOnly();
    const entry: RoutingEntry = { handle, latency: latencyMs };
    const slot = itemAt(this.slots, index);
    if (slot === undefined) {
      if (index >= this.slots.length) this.slots = grownTo(this.slots, index + 1);
      this.slots[index] = [entry];
      this.counted(index, 1);
      return INSERTED;
    }
    const at = findIn(slot, guid);
    if (at >= 0) {
      // Already listed: take the new latency (and address) and re-sort, in place.
      slot[at] = entry;
      settle(slot, at, compareEntries);
      return UPDATED;
    }
    if (slot.length < this.slotSize) {
      const grown = appended(slot, entry);
      settle(grown, slot.length, compareEntries);
      this.slots[index] = grown;
      this.counted(index, 1);
      return INSERTED;
    }
    const last = slot.length - 1;
    const worst = slot[last];
    if (compareEntries(entry, worst) >= 0) return REJECTED;
    slot[last] = entry;
    settle(slot, last, compareEntries);
    return { added: true, isNew: true, evicted: worst.handle };
  }

  /**
   * The latency (ms) a node must beat for `add` to take it: Infinity when any would do (its slot has
   * room, or it is listed already), 0 when none would (this node, another width), else the latency
   * of the full slot's worst entry.
   */
  admitBelow(guid: Guid): number {
    const index = this.lookupIndex(guid);
    if (index < 0) return 0;
    const slot = itemAt(this.slots, index);
    if (slot === undefined || slot.length < this.slotSize || findIn(slot, guid) >= 0) return INFINITY;
    return slot[slot.length - 1].latency;
  }

  /** Removes a neighbour; false if it was not listed (this node itself is never removed). */
  remove(guid: Guid): boolean {
    const index = this.lookupIndex(guid);
    const slot = itemAt(this.slots, index);
    const at = findIn(slot, guid);
    if (at < 0) return false;
    this.slots[index] = slot!.length === 1 ? undefined : removedAt(slot!, at);
    this.counted(index, -1);
    return true;
  }

  /** Whether a neighbour with this GUID is listed. This node itself is not a neighbour. */
  has(guid: Guid): boolean {
    return this.get(guid) !== undefined;
  }

  /** The entry of a listed neighbour. */
  get(guid: Guid): RoutingEntry | undefined {
    const slot = itemAt(this.slots, this.lookupIndex(guid));
    const at = findIn(slot, guid);
    return at < 0 ? undefined : slot![at];
  }

  /**
   * The entries of a slot, best first. A live view, valid until the table next changes: copy to keep.
   * The slot of this node's own digit at a level holds only this node, with latency 0.
   */
  slot(level: number, digit: number): readonly RoutingEntry[] {
    this.checkSlot(level, digit);
    if (digit === this.selfDigits[level]) return this.selfSlot;
    const index = level * this.base + digit;
    return (index < this.slots.length ? this.slots[index] : undefined) ?? NO_ENTRIES;
  }

  /** The best node of a slot, or undefined when it is empty; `self` (the same object) in own slots. */
  primary(level: number, digit: number): NodeHandle | undefined {
    this.checkSlot(level, digit);
    if (digit === this.selfDigits[level]) return this.self;
    const index = level * this.base + digit;
    return index < this.slots.length ? this.slots[index]?.[0].handle : undefined;
  }

  /**
   * The slot a GUID belongs in, as (level, digit): level = digits shared with this node, digit = the
   * GUID's next one. Undefined for this node's own GUID (it shares every digit) and for another width.
   */
  slotOf(guid: Guid): {
    /** Leading digits the GUID shares with this node. */
    readonly level: number;
    /** The GUID's digit at that level. */
    readonly digit: number;
  } | undefined {
    if (guid.bytes.length !== this.space.bytes) return undefined;
    const level = this.levelOf(guid);
    return level === this.levels ? undefined : { level, digit: guid.digit(level, this.space.digitBits) };
  }

  /** Neighbours listed at a level (this node itself not counted). */
  levelSize(level: number): number {
    this.checkSlot(level, 0);
    return this.levelCounts[level];
  }

  /** This node's own digit at a level. */
  selfDigit(level: number): number {
    this.checkSlot(level, 0);
    return this.selfDigits[level];
  }

  /** Every neighbour once, by level, then digit, then rank in its slot. */
  *neighbours(): IterableIterator<NodeHandle> {
    for (const slot of this.slots) {
      if (slot === undefined) continue;
      for (const e of slot) yield e.handle;
    }
  }

  /** Records that `handle` lists this node; false (and counted) when the set is full. */
  addBackpointer(handle: NodeHandle): boolean {
    const guid = handle.guid;
    this.checkWidth(guid);
    const level = this.levelOf(guid);
    if (level === this.levels) return false; // self
    if (handle.resolveOnly) return this.refusedResolveOnly().added;
    if (this.backs.add(level, handle)) return true;
    this.stats.backpointerOverflow++;
    return false;
  }

  /** Forgets that `guid` lists this node; false when it was not recorded. */
  removeBackpointer(guid: Guid): boolean {
    if (guid.bytes.length !== this.space.bytes) return false;
    const level = this.levelOf(guid);
    return this.backs.remove(level, guid);
  }

  private refusedResolveOnly(): AddResult {
    this.stats.resolveOnlyRefused++;
    return REJECTED;
  }

  /** Whether `guid` is recorded as listing this node. */
  hasBackpointer(guid: Guid): boolean {
    if (guid.bytes.length !== this.space.bytes) return false;
    const level = this.levelOf(guid);
    return this.backs.has(level, guid);
  }

  /** Backpointers recorded, over every level. */
  get backpointerCount(): number {
    return this.backs.size;
  }

  /** A copy of the backpointer set: level by level from 0, each level in the order first recorded. */
  backpointers(): NodeHandle[] {
    return this.backs.all();
  }

  /**
   * The backpointers sharing exactly `level` digits with this node, in the order first recorded. A
   * live view, valid until the backpointers next change: copy to keep.
   */
  backpointersAt(level: number): readonly NodeHandle[] {
    this.checkSlot(level, 0);
    return this.backs.at(level);
  }

  /**
   * A GUID's place is fixed by the GUID alone (level = shared prefix, slot = its next digit), so the
   * lookup needs no separate index: one prefix comparison, then at most slotSize GUID comparisons.
   * -1 for self and for GUIDs of another width.
   */
  private lookupIndex(guid: Guid): number {
    return guid.bytes.length === this.space.bytes ? this.indexOf(guid) : -1;
  }

  private counted(index: number, delta: number): void {
    this.count += delta;
    this.levelCounts[(index / this.base) | 0] += delta;
  }

  /** Flat slot index of a GUID of the table's width; -1 for self (it shares every digit). */
  private indexOf(guid: Guid): number {
    const level = this.levelOf(guid);
    return level === this.levels ? -1 : level * this.base + guid.digit(level, this.space.digitBits);
  }

  private levelOf(guid: Guid): number {
    return sharedPrefixLength(this.self.guid, guid, this.space.digitBits);
  }

  private checkWidth(guid: Guid): void {
    if (guid.bytes.length !== this.space.bytes) {
      throw new InvalidArgumentError(`GUID is ${guid.bits} bits, the table's space ${this.space.bits}`);
    }
  }

  private checkSlot(level: number, digit: number): void {
    // `x | 0 === x` is the integer test: it rejects NaN and fractions without a global lookup.
    if (!((level | 0) === level && level >= 0 && level < this.levels && (digit | 0) === digit && digit >= 0 && digit < this.base)) {
      throw new InvalidArgumentError(`no slot (${level}, ${digit}) in a ${this.levels}×${this.base} table`);
    }
  }
}

/** Compares bytes, not hex: a GUID decoded from the wire has no hex form yet, and building one allocates. */
function findIn(slot: readonly RoutingEntry[] | undefined, guid: Guid): number {
  if (slot === undefined) return -1;
  for (let i = 0; i < slot.length; i++) {
    const g = slot[i].handle.guid;
    if (g === guid || g.equals(guid)) return i;
  }
  return -1;
}
