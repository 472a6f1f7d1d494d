/**
 * The leaf set (Windows DRT): the L/2 GUIDs nearest below this node and the L/2 nearest above it on
 * the circular ID space, so the last and the first GUID are neighbours. Membership is by GUID.
 *
 * Each side keeps its own nearest nodes independently. With fewer than L other nodes known, a node
 * can therefore sit on both sides (with 3 nodes in all, both sides hold both others): a small mesh
 * still reports its true nearest neighbours in each direction.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { compareGuids, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { appended, findHandle, removedAt, settle } from '../routing/lists';

/** What one call changed, as a set difference of the members before and after. */
export interface LeafChange {
  /** Nodes that joined the leaf set. */
  added: NodeHandle[];
  /** Nodes that left the leaf set (pushed out by a closer node, or gone). */
  removed: NodeHandle[];
}

export class LeafSet {
  readonly self: Guid;
  /** L: at most L/2 members on each side. */
  readonly capacity: number;
  /** Offers refused because the handle was a resolve-only node's (a count). */
  resolveOnlyRefused = 0;
  private readonly half: number;
  /**
   * Counter-clockwise side, nearest first. Members hold no distances: two members are ordered by
   * comparing GUIDs around self when needed (`order`), which costs a few byte comparisons and saves
   * each member two byte arrays, each with its own ArrayBuffer. A node on both sides is the same
   * handle object on both. Each side is kept at its exact length (routing/lists.ts).
   */
  private below: NodeHandle[] = [];
  /** Clockwise side, nearest first. */
  private above: NodeHandle[] = [];

  constructor(self: Guid, size: number = DEFAULTS.leafSetSize) {
    if (!((size | 0) === size && size >= 2 && size % 2 === 0)) {
      throw new InvalidArgumentError(`leaf set size must be an even integer ≥ 2, got ${size}`);
    }
    this.self = self;
    this.capacity = size;
    this.half = size / 2;
  }

  /** Distinct members (a node on both sides counts once). */
  get size(): number {
    let n = this.below.length;
    for (const h of this.above) if (!this.below.includes(h)) n++;
    return n;
  }

  /** Sides hold L/2 members each: a scan by GUID needs no index beside them. */
  has(guid: Guid): boolean {
    return findHandle(this.below, guid) >= 0 || findHandle(this.above, guid) >= 0;
  }

  /** Whether `add` would make this GUID a member: not self or a member, and nearer than a side's farthest (or a side has room). */
  wouldTake(guid: Guid): boolean {
    if (guid.bytes.length !== this.self.bytes.length || guid.equals(this.self) || this.has(guid)) return false;
    return this.fits(this.below, guid, false) || this.fits(this.above, guid, true);
  }

  /** The counter-clockwise side (numerically smaller, wrapping past 0), nearest first. */
  smaller(): NodeHandle[] {
    return this.below.slice();
  }

  /** The clockwise side (numerically larger, wrapping past the top), nearest first. */
  larger(): NodeHandle[] {
    return this.above.slice();
  }

  /** Every member once: the smaller side nearest first, then the larger side's others nearest first. */
  members(): NodeHandle[] {
    const out = this.smaller();
    for (const h of this.above) if (!this.below.includes(h)) out.push(h);
    return out;
  }

  /**
   * Offers a node. It joins a side when it is nearer than that side's farthest member (or the side
   * has room); a member pushed off one side leaves only if it is not on the other. A known GUID only
   * has its handle refreshed (a new address), which is not a membership change. Self and GUIDs of
   * another width are ignored.
   */
  add(handle: NodeHandle): LeafChange | undefined {
    const guid = handle.guid;
    if (guid.bytes.length !== this.self.bytes.length || guid.equals(this.self)) return undefined;
    // Never a member, and never a refresh of one (routing/resolveOnly.ts): nothing here changes.
    if (handle.resolveOnly) {
      this.resolveOnlyRefused++;
      return undefined;
    }
    const atBelow = findHandle(this.below, guid);
    const atAbove = findHandle(this.above, guid);
    if (atBelow >= 0 || atAbove >= 0) {
      if (atBelow >= 0) this.below[atBelow] = handle;
      if (atAbove >= 0) this.above[atAbove] = handle;
      return undefined;
    }
    // Most offers are farther than both sides' farthest: decided without changing anything.
    const toBelow = this.fits(this.below, guid, false);
    const toAbove = this.fits(this.above, guid, true);
    if (!toBelow && !toAbove) return undefined;
    const outBelow = toBelow ? this.farthestIfFull(this.below) : undefined;
    const outAbove = toAbove ? this.farthestIfFull(this.above) : undefined;
    if (toBelow) this.below = this.insert(this.below, handle, false);
    if (toAbove) this.above = this.insert(this.above, handle, true);
    const removed: NodeHandle[] = [];
    for (const out of [outBelow, outAbove]) {
      if (out === undefined || removed.includes(out)) continue;
      if (this.below.includes(out) || this.above.includes(out)) continue;
      removed.push(out);
    }
    return { added: [handle], removed };
  }

  /** Offers several nodes; the change is the net difference over all of them. */
  addAll(handles: Iterable<NodeHandle>): LeafChange | undefined {
    const before = this.members();
    for (const h of handles) this.add(h);
    const after = this.members();
    // By GUID: a member refreshed on the way is another handle object for the same node.
    const added = after.filter((h) => findHandle(before, h.guid) < 0);
    const removed = before.filter((h) => findHandle(after, h.guid) < 0);
    return added.length === 0 && removed.length === 0 ? undefined : { added, removed };
  }

  /**
   * Drops a member (it left or failed). A side left short is refilled from the members of the other
   * side, which are still known to be alive; nodes this set already forgot cannot come back by
   * themselves, so the caller offers other nodes it knows (routing-table neighbours) again.
   */
  remove(guid: Guid): LeafChange | undefined {
    const atBelow = findHandle(this.below, guid);
    const atAbove = findHandle(this.above, guid);
    if (atBelow < 0 && atAbove < 0) return undefined;
    const handle = atBelow >= 0 ? this.below[atBelow] : this.above[atAbove];
    if (atBelow >= 0) this.below = removedAt(this.below, atBelow);
    if (atAbove >= 0) this.above = removedAt(this.above, atAbove);
    this.below = this.refill(this.below, this.above, false);
    this.above = this.refill(this.above, this.below, true);
    return { added: [], removed: [handle] };
  }

  /**
   * Compares the distances of a and b from self, going up (clockwise) or down; negative when a is
   * nearer. Going down, a GUID below self is nearer than any above it (reaching those wraps past 0),
   * and between two on the same side of self the larger is nearer. Going up is the reverse order:
   * for a GUID other than self, its distance up is 2^bits minus its distance down. Distinct GUIDs
   * never tie.
   */
  private order(a: Guid, b: Guid, up: boolean): number {
    const x = up ? b : a;
    const y = up ? a : b;
    const xBelow = compareGuids(x, this.self) < 0;
    if (xBelow !== compareGuids(y, this.self) < 0) return xBelow ? -1 : 1;
    return compareGuids(y, x);
  }

  /** Whether a non-member belongs on a side: it has room, or the GUID is nearer than the farthest member's. */
  private fits(side: readonly NodeHandle[], guid: Guid, up: boolean): boolean {
    return side.length < this.half || this.order(guid, side[side.length - 1].guid, up) < 0;
  }

  /** The member an insertion into a side will push off: its farthest, if the side is full. */
  private farthestIfFull(side: readonly NodeHandle[]): NodeHandle | undefined {
    return side.length >= this.half ? side[side.length - 1] : undefined;
  }

  /**
   * Inserts a node that `fits` in distance order. A full side keeps its length and is edited in
   * place (the new node takes the farthest's place, then settles); otherwise it grows by one.
   */
  private insert(side: NodeHandle[], handle: NodeHandle, up: boolean): NodeHandle[] {
    const next = side.length < this.half ? appended(side, handle) : side;
    next[next.length - 1] = handle;
    settle(next, next.length - 1, (a, b) => this.order(a.guid, b.guid, up));
    return next;
  }

  /**
   * Each side is always the nearest `half` of all members, so the other side's members missing here
   * are all farther than this side's: appending them nearest first keeps the side sorted.
   */
  private refill(side: NodeHandle[], other: readonly NodeHandle[], up: boolean): NodeHandle[] {
    if (side.length >= this.half) return side;
    const extra = other.filter((h) => !side.includes(h)).sort((a, b) => this.order(a.guid, b.guid, up));
    return extra.length === 0 ? side : side.concat(extra.slice(0, this.half - side.length));
  }
}
