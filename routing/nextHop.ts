/**
 * Surrogate routing (JSAC 2004, Fig. 3): the one decision every hop makes. Because each node fills an
 * empty slot by trying the next digit up (mod base), and consistent tables agree on which digits
 * exist, every source converges on the same root for a GUID even when no node has that GUID.
 */
import type { NodeHandle } from './handle';
import { InvalidArgumentError } from '../errors';
import { digitAt, type Guid } from './guid';
import type { RoutingTable } from './routingTable';

/**
 * Forward to `to`, which resumes at `level + 1`; or deliver here, this node being the (surrogate) root.
 */
export type NextHop =
  | { readonly kind: 'forward'; readonly to: NodeHandle; readonly level: number }
  | { readonly kind: 'root' };

const ROOT: NextHop = Object.freeze({ kind: 'root' });

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
  const base = space.base;
  for (let level = startLevel; level < space.digits; level++) {
    // A level holding only this node: the scan below would end on our own slot. Skipping it keeps
    // the deep, empty levels of a large table (and 256-slot levels of byte digits) cheap.
    if (table.levelSize(level) === 0) continue;
    let digit = digitAt(dest.bytes, level, space.digitBits);
    // Terminates: this node's own slot at every level is never empty.
    let primary = table.primary(level, digit);
    while (primary === undefined) {
      digit = (digit + 1) % base;
      primary = table.primary(level, digit);
    }
    // Own slot: this node already matches the digit chosen here; resolve the next one locally.
    if (primary !== table.self) return { kind: 'forward', to: primary, level };
  }
  return ROOT;
}

/** Whether a message for `dest` starting here at level 0 is delivered here. */
export function isRootFor(table: RoutingTable, dest: Guid): boolean {
  return nextHop(table, dest, 0).kind === 'root';
}

/**
 * The same decision with some neighbours ruled out (a hop that did not acknowledge): a slot uses its
 * first entry not avoided, and a slot of avoided entries only counts as empty, so the message goes
 * to the slot's backup, or on by surrogate routing when the whole slot is out.
 */
export function nextHopAvoiding(table: RoutingTable, dest: Guid, startLevel: number, avoid: ReadonlySet<string>): NextHop {
  if (avoid.size === 0) return nextHop(table, dest, startLevel);
  const space = table.space;
  const base = space.base;
  for (let level = startLevel; level < space.digits; level++) {
    if (table.levelSize(level) === 0) continue;
    let digit = digitAt(dest.bytes, level, space.digitBits);
    for (let tries = 0; tries < base; tries++, digit = (digit + 1) % base) {
      const usable = table.slot(level, digit).find((e) => e.handle === table.self || !avoid.has(e.handle.guid.hex));
      if (!usable) continue;
      if (usable.handle !== table.self) return { kind: 'forward', to: usable.handle, level };
      break; // own slot: resolve the next digit here
    }
  }
  return ROOT;
}
