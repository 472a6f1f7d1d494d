/**
 * Concurrent joins fill each other's holes (JSAC 2004 §IV-B; Hildrum et al., SPAA 2002). The surrogate
 * sends, with its multicast, the joining node's holes: the slots at the levels it shares with the
 * joining node that are empty in its own table (same prefix, so the same slots). Every node the
 * multicast reaches answers at once with nodes of its own table that fill one, and remembers the list
 * for a while (DEFAULTS.joinHolesMemoryMs): a node it learns meanwhile that fills a remembered hole —
 * typically another node joining at the same time — is passed on to the joining node. Slots deeper
 * than the prefix this node shares with the joining node count as holes too: at join time no known
 * node shared more digits with it than its surrogate.
 */
import { DEFAULTS } from '../defaults';
import { sharedPrefixLength, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';
import { tableHoles } from './multicast';

/**
 * The joining node's holes as its surrogate sees them: empty slots of the surrogate's table at levels
 * 0 .. (digits shared with the joining node), the joining node's own digit at that level excepted,
 * each as level * base + digit (≤ DEFAULTS.maxJoinHoles).
 */
export function joinHoles(table: RoutingTable, joining: Guid): number[] {
  const at = table.slotOf(joining);
  if (at === undefined) return [];
  const out: number[] = [];
  for (const h of tableHoles(table, 0, at.level + 1)) {
    if (h.level === at.level && h.digit === at.digit) continue;
    if (out.length >= DEFAULTS.maxJoinHoles) break;
    out.push(h.level * table.base + h.digit);
  }
  return out;
}

interface Remembered {
  readonly joining: NodeHandle;
  /** Holes from the multicast at levels ≤ `shared`, as level * base + digit. */
  readonly holes: ReadonlySet<number>;
  /** Digits this node shares with the joining node: deeper slots are holes too. */
  readonly shared: number;
  /** Slots already given a candidate (each is told once). */
  readonly told: Set<number>;
  readonly until: number;
}

export class HoleMemory {
  /** Joining nodes by GUID hex, oldest first (≤ limit; each kept until `until`). */
  private readonly joins = new Map<string, Remembered>();

  constructor(
    private readonly table: RoutingTable,
    private readonly limit: number = DEFAULTS.maxRememberedJoins,
    private readonly memoryMs: number = DEFAULTS.joinHolesMemoryMs,
  ) {}

  get size(): number {
    return this.joins.size;
  }

  /**
   * A multicast for `joining` with its `holes` reached this node at `now`: the nodes of this table
   * that fill one (≤ DEFAULTS.maxJoinCandidates, this node and the joining node excepted; this node is
   * in the multicast's reached list anyway), and the list is remembered.
   */
  arrive(joining: NodeHandle, holes: readonly number[], now: number): NodeHandle[] {
    const at = this.table.slotOf(joining.guid);
    if (at === undefined || this.memoryMs <= 0) return [];
    const table = this.table;
    const base = table.base;
    const open = new Set<number>();
    for (const h of holes) if (((h / base) | 0) <= at.level) open.add(h);
    const entry: Remembered = { joining, holes: open, shared: at.level, told: new Set(), until: now + this.memoryMs };
    const out: NodeHandle[] = [];
    const offer = (n: NodeHandle | undefined): void => {
      if (n === undefined || out.length >= DEFAULTS.maxJoinCandidates) return;
      if (n.guid.equals(table.self.guid) || n.guid.equals(joining.guid)) return;
      const key = slotKey(joining.guid, n.guid, table);
      if (key < 0 || entry.told.has(key)) return;
      entry.told.add(key);
      out.push(n);
    };
    // Below `shared` this table's slots are the joining node's; at `shared` too, but for the two
    // digits where the prefixes part (this node's own slot, and the joining node's).
    for (const h of open) offer(table.primary((h / base) | 0, h % base));
    // This node's slot for the joining node's digit holds nodes sharing more digits with it than
    // anyone its surrogate knew: nodes that joined at the same time.
    for (const e of table.slot(at.level, at.digit)) offer(e.handle);
    this.forgetExpired(now);
    this.joins.delete(joining.guid.hex);
    if (this.joins.size >= this.limit) this.joins.delete(this.joins.keys().next().value!);
    this.joins.set(joining.guid.hex, entry);
    return out;
  }

  /** This node learned `node` at `now`: the remembered joining nodes it fills a hole for (each slot told once). */
  learned(node: NodeHandle, now: number): NodeHandle[] {
    if (this.joins.size === 0) return [];
    this.forgetExpired(now);
    const out: NodeHandle[] = [];
    for (const r of this.joins.values()) {
      if (node.guid.equals(r.joining.guid)) continue;
      const key = slotKey(r.joining.guid, node.guid, this.table);
      if (key < 0 || r.told.has(key)) continue;
      const level = (key / this.table.base) | 0;
      if (level <= r.shared && !r.holes.has(key)) continue;
      r.told.add(key);
      out.push(r.joining);
    }
    return out;
  }

  private forgetExpired(now: number): void {
    // Kept in the order remembered, and every entry lives as long: the expired ones are the first.
    for (const [hex, r] of this.joins) {
      if (r.until > now) break;
      this.joins.delete(hex);
    }
  }
}

/** The slot `other` fills in `owner`'s table, as level * base + digit; -1 when it is the same GUID. */
function slotKey(owner: Guid, other: Guid, table: RoutingTable): number {
  const bits = table.space.digitBits;
  const level = sharedPrefixLength(owner, other, bits);
  return level >= table.levels ? -1 : level * table.base + other.digit(level, bits);
}
