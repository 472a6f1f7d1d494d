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
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';

/** What one call changed, as a set difference of the members before and after. */
export interface LeafChange {
  added: NodeHandle[];
  removed: NodeHandle[];
}

interface Member {
  handle: NodeHandle;
  /** (self − guid) mod 2^bits: distance going counter-clockwise, towards smaller GUIDs. */
  readonly down: Uint8Array;
  /** (guid − self) mod 2^bits: distance going clockwise, towards larger GUIDs. */
  readonly up: Uint8Array;
}

export class LeafSet {
  readonly self: Guid;
  /** L: at most L/2 members on each side. */
  readonly capacity: number;
  private readonly half: number;
  /** Counter-clockwise side, nearest first. */
  private readonly below: Member[] = [];
  /** Clockwise side, nearest first. */
  private readonly above: Member[] = [];
  /** Every member once, by GUID hex. */
  private readonly byHex = new Map<string, Member>();

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
    return this.byHex.size;
  }

  has(guid: Guid): boolean {
    return this.byHex.has(guid.hex);
  }

  /** The counter-clockwise side (numerically smaller, wrapping past 0), nearest first. */
  smaller(): NodeHandle[] {
    return this.below.map((m) => m.handle);
  }

  /** The clockwise side (numerically larger, wrapping past the top), nearest first. */
  larger(): NodeHandle[] {
    return this.above.map((m) => m.handle);
  }

  /** Every member once: the smaller side nearest first, then the larger side's others nearest first. */
  members(): NodeHandle[] {
    const out = this.smaller();
    for (const m of this.above) if (!this.below.includes(m)) out.push(m.handle);
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
    const selfBytes = this.self.bytes;
    if (guid.bytes.length !== selfBytes.length || guid.hex === this.self.hex) return undefined;
    const known = this.byHex.get(guid.hex);
    if (known !== undefined) {
      known.handle = handle;
      return undefined;
    }
    // Most offers are farther than both sides' farthest: decide that before building a Member.
    const toBelow = this.fits(this.below, selfBytes, guid.bytes, 'down');
    const toAbove = this.fits(this.above, guid.bytes, selfBytes, 'up');
    if (!toBelow && !toAbove) return undefined;
    const member: Member = { handle, down: subtract(selfBytes, guid.bytes), up: subtract(guid.bytes, selfBytes) };
    const outBelow = toBelow ? insertNearest(this.below, member, 'down', this.half) : undefined;
    const outAbove = toAbove ? insertNearest(this.above, member, 'up', this.half) : undefined;
    this.byHex.set(guid.hex, member);
    const removed: NodeHandle[] = [];
    for (const out of [outBelow, outAbove]) {
      if (out === undefined || !this.byHex.has(out.handle.guid.hex)) continue;
      if (this.below.includes(out) || this.above.includes(out)) continue;
      this.byHex.delete(out.handle.guid.hex);
      removed.push(out.handle);
    }
    return { added: [handle], removed };
  }

  /** Offers several nodes; the change is the net difference over all of them. */
  addAll(handles: Iterable<NodeHandle>): LeafChange | undefined {
    const before = new Map<string, NodeHandle>();
    for (const m of this.byHex.values()) before.set(m.handle.guid.hex, m.handle);
    for (const h of handles) this.add(h);
    const added: NodeHandle[] = [];
    for (const [hex, m] of this.byHex) if (!before.delete(hex)) added.push(m.handle);
    const removed = [...before.values()];
    return added.length === 0 && removed.length === 0 ? undefined : { added, removed };
  }

  /**
   * Drops a member (it left or failed). A side left short is refilled from the members of the other
   * side, which are still known to be alive; nodes this set already forgot cannot come back by
   * themselves, so the caller offers other nodes it knows (routing-table neighbours) again.
   */
  remove(guid: Guid): LeafChange | undefined {
    const member = this.byHex.get(guid.hex);
    if (member === undefined) return undefined;
    this.byHex.delete(guid.hex);
    dropFrom(this.below, member);
    dropFrom(this.above, member);
    this.refill(this.below, this.above, 'down');
    this.refill(this.above, this.below, 'up');
    return { added: [], removed: [member.handle] };
  }

  /**
   * Whether a non-member at distance (a − b) belongs on a side: it has room, or the distance beats
   * the farthest member's (distinct GUIDs never tie).
   */
  private fits(side: readonly Member[], a: Uint8Array, b: Uint8Array, key: 'down' | 'up'): boolean {
    return side.length < this.half || compareDifference(a, b, side[side.length - 1][key]) < 0;
  }

  /**
   * Each side is always the nearest `half` of all members, so the other side's members missing here
   * are all farther than this side's: appending them nearest first keeps the side sorted.
   */
  private refill(side: Member[], other: readonly Member[], key: 'down' | 'up'): void {
    if (side.length >= this.half) return;
    const extra = other.filter((m) => !side.includes(m)).sort((a, b) => compareBytes(a[key], b[key]));
    for (let i = 0; i < extra.length && side.length < this.half; i++) side.push(extra[i]);
  }
}

/**
 * Inserts in distance order (distinct GUIDs never tie), trimming the side to `limit`; returns the
 * member pushed off. Only for a member that `fits`.
 */
function insertNearest(side: Member[], member: Member, key: 'down' | 'up', limit: number): Member | undefined {
  const d = member[key];
  let at = side.length;
  while (at > 0 && compareBytes(d, side[at - 1][key]) < 0) at--;
  side.splice(at, 0, member);
  return side.length > limit ? side.pop() : undefined;
}

function dropFrom(side: Member[], member: Member): void {
  const at = side.indexOf(member);
  if (at >= 0) side.splice(at, 1);
}

/** (a − b) mod 2^(8·length), big-endian: borrows ripple from the last byte up and wrap off the top. */
function subtract(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let borrow = 0;
  for (let i = a.length - 1; i >= 0; i--) {
    const v = a[i] - b[i] - borrow;
    borrow = v < 0 ? 1 : 0;
    out[i] = v & 0xff;
  }
  return out;
}

/**
 * Compares (a − b) mod 2^(8·length) with d, most significant byte first, without building the
 * difference: it usually differs from d within the first bytes, long before a full subtraction ends.
 */
function compareDifference(a: Uint8Array, b: Uint8Array, d: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const v = (a[i] - b[i] - borrowInto(a, b, i)) & 0xff;
    if (v !== d[i]) return v - d[i];
  }
  return 0;
}

/** The borrow byte i of a − b takes from below: 1 when a's lower bytes read as less than b's. */
function borrowInto(a: Uint8Array, b: Uint8Array, i: number): number {
  for (let j = i + 1; j < a.length; j++) if (a[j] !== b[j]) return a[j] < b[j] ? 1 : 0;
  return 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
