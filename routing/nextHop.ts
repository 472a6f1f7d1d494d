/**
 * Surrogate routing (JSAC 2004, Fig. 3): the one decision every hop makes. Because each node fills an
 * empty slot by trying the next digit up (mod base), and consistent tables agree on which digits
 * exist, every source converges on the same root for a GUID even when no node has that GUID.
 */
import type { NodeHandle } from './handle';
import { InvalidArgumentError } from '../errors';
import { sharedPrefixLength, type Guid } from './guid';
import type { RoutingTable } from './routingTable';

/**
 * Forward to `to`, which resumes at `level + 1`; or deliver here, this node being the (surrogate) root.
 */
export type NextHop =
  | { readonly kind: 'forward'; readonly to: NodeHandle; readonly level: number }
  | { readonly kind: 'root' };

const ROOT: NextHop = Object.freeze({ kind: 'root' });

/**
 * What one slot offers the surrogate scan: a node to forward to, HERE (this node holds the digit:
 * resolve the next level locally), or undefined (an empty slot: try the next digit up).
 */
type SlotChoice = NodeHandle | typeof HERE | undefined;
const HERE = 'here' as const;

/**
 * The surrogate scan every variant shares: from `startLevel` down, the first digit at or after the
 * destination's (mod base) whose slot offers something. Levels holding only this node are passed
 * over in one step, which keeps the deep, empty levels of a large table (and 256-slot levels of byte
 * digits) cheap. `choose` is a plain function with its argument passed through, so a hop allocates nothing.
 */
function scan<A>(table: RoutingTable, dest: Guid, startLevel: number, choose: (table: RoutingTable, level: number, digit: number, arg: A) => SlotChoice, arg: A): NextHop {
  const space = table.space;
  const base = space.base;
  for (let level = startLevel; level < space.digits; level++) {
    if (table.levelSize(level) === 0) continue;
    let digit = dest.digit(level, space.digitBits);
    for (let tries = 0; tries < base; tries++, digit = (digit + 1) % base) {
      const choice = choose(table, level, digit, arg);
      if (choice === undefined) continue;
      if (choice === HERE) break;
      return { kind: 'forward', to: choice, level };
    }
  }
  return ROOT;
}

/** A slot's primary; this node's own slot is never empty, so every level ends in a node or HERE. */
function primaryOf(table: RoutingTable, level: number, digit: number): SlotChoice {
  const primary = table.primary(level, digit);
  return primary === table.self ? HERE : primary;
}

/**
 * The next hop toward `dest` for a message that has resolved the digits before `startLevel`
 * (0 at the source; the received message's level + 1 after that; `digits` means already at the root).
 */
export function nextHop(table: RoutingTable, dest: Guid, startLevel: number): NextHop {
  const space = table.space;
  if (dest.bytes.length !== space.bytes) {
    throw new InvalidArgumentError(`destination is ${dest.bits} bits, the table's space ${space.bits}`);
  }
  // `(x | 0) !== x` rejects NaN and fractions without a global lookup (slow in vm sandboxes).
  if ((startLevel | 0) !== startLevel || startLevel < 0 || startLevel > space.digits) {
    throw new InvalidArgumentError(`startLevel must be in 0..${space.digits}, got ${startLevel}`);
  }
  return scan(table, dest, startLevel, primaryOf, undefined);
}

/** Whether a message for `dest` starting here at level 0 is delivered here. */
export function isRootFor(table: RoutingTable, dest: Guid): boolean {
  return nextHop(table, dest, 0).kind === 'root';
}

/** A slot's first entry not avoided; a slot of avoided entries counts as empty. */
function firstNotAvoided(table: RoutingTable, level: number, digit: number, avoid: ReadonlySet<string>): SlotChoice {
  const usable = table.slot(level, digit).find((e) => e.handle === table.self || !avoid.has(e.handle.guid.hex));
  if (usable === undefined) return undefined;
  return usable.handle === table.self ? HERE : usable.handle;
}

/**
 * The same decision with some neighbours ruled out (a hop that did not acknowledge): a slot uses its
 * first entry not avoided, and a slot of avoided entries only counts as empty, so the message goes
 * to the slot's backup, or on by surrogate routing when the whole slot is out.
 */
export function nextHopAvoiding(table: RoutingTable, dest: Guid, startLevel: number, avoid: ReadonlySet<string>): NextHop {
  if (avoid.size === 0) return nextHop(table, dest, startLevel);
  return scan(table, dest, startLevel, firstNotAvoided, avoid);
}

/**
 * The first entry of `to`'s slot (at `level`) not in `avoid`: a backup to take instead of a suspected
 * primary. Undefined when the whole slot is avoided, where the caller keeps `to`: skipping a slot
 * would say no node has that digit, and an exact route to a live node behind it would be lost.
 */
export function backupAvoiding(table: RoutingTable, to: NodeHandle, level: number, avoid: ReadonlySet<string>): NodeHandle | undefined {
  const digit = to.guid.digit(level, table.space.digitBits);
  const usable = table.slot(level, digit).find((e) => e.handle !== table.self && !avoid.has(e.handle.guid.hex));
  return usable?.handle;
}

/**
 * The next hop, passing by a neighbour under suspicion (membership is probing it) for a backup in
 * the same slot when there is one; the destination itself is never passed by.
 */
export function nextHopPassing(table: RoutingTable, dest: Guid, startLevel: number, suspected: ReadonlySet<string>): NextHop {
  const hop = nextHop(table, dest, startLevel);
  if (suspected.size === 0 || hop.kind !== 'forward' || !suspected.has(hop.to.guid.hex) || hop.to.guid.equals(dest)) return hop;
  const backup = backupAvoiding(table, hop.to, hop.level, suspected);
  return backup ? { kind: 'forward', to: backup, level: hop.level } : hop;
}

/** A slot as if this node were gone: its own digit leads on only when another node shares the longer prefix. */
function primaryWithoutSelf(table: RoutingTable, level: number, digit: number): SlotChoice {
  if (digit !== table.selfDigit(level)) return table.primary(level, digit);
  for (let l = level + 1; l < table.levels; l++) if (table.levelSize(l) > 0) return HERE;
  return undefined;
}

/**
 * Where a pointer this node roots should go when it leaves: surrogate routing over its own table as
 * if it were gone. Its own digit's slot still leads somewhere when some other node shares that longer
 * prefix (it sits deeper in the table); otherwise the slot counts as empty. The node returned
 * re-publishes toward the root, so it need not be the new root itself; undefined when no other node
 * is left to take it.
 */
export function rootWithout(table: RoutingTable, dest: Guid): NodeHandle | undefined {
  const hop = scan(table, dest, 0, primaryWithoutSelf, undefined);
  return hop.kind === 'forward' ? hop.to : undefined;
}

/**
 * The next hop for copy `copy` (1, 2, ...) of a confirmed route (routing/routeConfirms.ts). Paths to
 * one destination converge on its last hops, so a liar there catches every copy that takes the same
 * slots, whichever first hop the source tried. Two rules spread the copies: the destination itself,
 * when it is a neighbour, is sent to straight (a node already holding it needs no intermediate); and
 * otherwise copy n takes entry (n - 1) mod the slot's size of the slot surrogate routing picks (copy 1
 * its primary, copy 2 the first backup, ...), at every hop, so each copy takes another path.
 */
export function nextHopForCopy(table: RoutingTable, dest: Guid, startLevel: number, copy: number): NextHop {
  const hop = nextHop(table, dest, startLevel);
  if (hop.kind !== 'forward') return hop;
  const direct = table.get(dest);
  if (direct !== undefined && direct.handle !== table.self) {
    const level = sharedPrefixLength(table.self.guid, dest, table.space.digitBits);
    if (level >= startLevel) return { kind: 'forward', to: direct.handle, level };
  }
  const slot = table.slot(hop.level, hop.to.guid.digit(hop.level, table.space.digitBits)).filter((e) => e.handle !== table.self);
  if (slot.length <= 1) return hop;
  return { kind: 'forward', to: slot[(copy - 1) % slot.length].handle, level: hop.level };
}
