/**
 * A routing table's backpointers: the nodes that list this node, kept by the level (shared-prefix
 * length) they share with it. The table (routing/routingTable.ts) works out the level, refuses self and
 * resolve-only handles and counts overflow; this set only stores, finds and forgets.
 */
import type { Guid } from './guid';
import type { NodeHandle } from './handle';
import { appended, findHandle, grownTo, itemAt, removedAt } from './lists';

const NO_HANDLES: readonly NodeHandle[] = Object.freeze([]);

/**
 * Lists that grow past this length are pushed onto, not copied: see `add`. Slots (slotSize entries)
 * and leaf-set sides (L/2) stay far below it.
 */
const EXACT_UP_TO = 64;

/** A backpointer level longer than this gets a hex index (see `backHex`); it drops it at half. */
const INDEX_FROM = 16;

/** At most `max` backpointers, by shared-prefix level, each level in the order first recorded. */
export class BackpointerSet {
  /**
   * Backpointers by shared-prefix level, each level in the order first recorded, so a neighbour
   * request for one level reads only that level. Grown as far as the deepest level used, like the
   * table's slots. A lookup scans only its own level; only a long level also keeps an index (`backHex`):
   * a Map by hex over all of them cost a simulated node more memory than all its levels together.
   */
  private backsAt: (NodeHandle[] | undefined)[] = [];
  /**
   * The GUID hexes of each long level's backpointers (undefined while the level is short): a
   * well-placed node is listed by thousands of others at level 0 in a large mesh, and a linear scan
   * for every new backpointer made building 5,000 nodes by joins a third slower.
   */
  private backHex: (Set<string> | undefined)[] = [];
  private backCount = 0;

  constructor(
    /** Most backpointers kept; `add` refuses more. */
    readonly max: number,
  ) {}

  /** Backpointers recorded, over every level. */
  get size(): number {
    return this.backCount;
  }

  /**
   * Records `handle` at `level`, or refreshes it in place; false when it is new and the set is full.
   */
  add(level: number, handle: NodeHandle): boolean {
    const guid = handle.guid;
    const list = itemAt(this.backsAt, level);
    const at = this.find(level, list, guid);
    if (at >= 0) {
      // A refresh keeps its place; most are the same interned handle, which costs nothing more.
      list![at] = handle;
      return true;
    }
    if (this.backCount >= this.max) return false;
    if (level >= this.backsAt.length) this.backsAt = grownTo(this.backsAt, level + 1);
    if (list === undefined) this.backsAt[level] = [handle];
    // Copying a long level on every record would cost O(n) each; a push's spare room (at most about
    // half) is a small share of a list that long.
    else if (list.length >= EXACT_UP_TO) list.push(handle);
    else this.backsAt[level] = appended(list, handle);
    this.backCount++;
    const index = itemAt(this.backHex, level);
    if (index !== undefined) index.add(guid.hex);
    else if (list !== undefined && list.length + 1 > INDEX_FROM) {
      if (level >= this.backHex.length) this.backHex = grownTo(this.backHex, level + 1);
      this.backHex[level] = new Set(this.backsAt[level]!.map((h) => h.guid.hex));
    }
    return true;
  }

  /** Forgets `guid` at `level`; false when it was not recorded. */
  remove(level: number, guid: Guid): boolean {
    const list = itemAt(this.backsAt, level);
    const at = this.find(level, list, guid);
    if (at < 0) return false;
    this.backsAt[level] = list!.length === 1 ? undefined : removedAt(list!, at);
    this.backCount--;
    const index = itemAt(this.backHex, level);
    if (index !== undefined) {
      index.delete(guid.hex);
      // Short again: the scan is cheap, and the index's memory goes.
      if (index.size <= INDEX_FROM / 2) this.backHex[level] = undefined;
    }
    return true;
  }

  /** Whether `guid` is recorded at `level`. */
  has(level: number, guid: Guid): boolean {
    return this.find(level, itemAt(this.backsAt, level), guid) >= 0;
  }

  /** A copy of the set: level by level from 0, each level in the order first recorded. */
  all(): NodeHandle[] {
    const out: NodeHandle[] = [];
    for (const list of this.backsAt) if (list !== undefined) for (const h of list) out.push(h);
    return out;
  }

  /** The backpointers at `level`, in the order first recorded: a live view, valid until the set next changes. */
  at(level: number): readonly NodeHandle[] {
    return itemAt(this.backsAt, level) ?? NO_HANDLES;
  }

  /** Where `guid` is in its level's list, or -1; a long level answers a miss from its index. */
  private find(level: number, list: readonly NodeHandle[] | undefined, guid: Guid): number {
    const index = itemAt(this.backHex, level);
    if (index !== undefined && !index.has(guid.hex)) return -1;
    return findHandle(list, guid);
  }
}
