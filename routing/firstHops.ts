/**
 * First hops for a confirmed route (routing/routeConfirms.ts): the neighbours a source may hand a
 * message to, best first, leaving out those already tried. A liar on the path is passed by only if a
 * later copy takes another path, so the choices spread:
 * 1. the entries of the slot surrogate routing picks (the primary, then its backups): each resolves
 *    the same digit, and the next node resumes one level further;
 * 2. then every other neighbour, those sharing the longest prefix with the destination first (then
 *    nearest, then by GUID): the message makes a detour through it, and it routes from level 0.
 * Pure: a function of the table, the destination and what to leave out.
 */
import type { Guid } from './guid';
import { compareGuids, sharedPrefixLength } from './guid';
import type { NodeHandle } from './handle';
import { nextHop } from './nextHop';
import type { RoutingTable } from './routingTable';

/** A first hop: the neighbour, and the level it resumes routing at (0 for a detour). */
export interface FirstHop {
  readonly to: NodeHandle;
  readonly resume: number;
}

/**
 * Up to `count` first hops toward `dest` not in `exclude` (GUID hex), best first (see the file
 * comment). Empty when this node is the root of `dest`, or when every neighbour is excluded.
 */
export function firstHops(table: RoutingTable, dest: Guid, exclude: ReadonlySet<string>, count: number): FirstHop[] {
  const out: FirstHop[] = [];
  if (count <= 0) return out;
  const hop = nextHop(table, dest, 0);
  if (hop.kind === 'root') return out;
  const digitBits = table.space.digitBits;
  const digit = hop.to.guid.digit(hop.level, digitBits);
  const inSlot = new Set<string>();
  for (const e of table.slot(hop.level, digit)) {
    if (e.handle === table.self) continue;
    inSlot.add(e.handle.guid.hex);
    if (out.length < count && !exclude.has(e.handle.guid.hex)) out.push({ to: e.handle, resume: hop.level + 1 });
  }
  if (out.length >= count) return out;
  const others: Array<{ handle: NodeHandle; shared: number; latency: number }> = [];
  for (const handle of table.neighbours()) {
    const hex = handle.guid.hex;
    if (handle === table.self || inSlot.has(hex) || exclude.has(hex)) continue;
    others.push({ handle, shared: sharedPrefixLength(handle.guid, dest, digitBits), latency: table.get(handle.guid)?.latency ?? Infinity });
  }
  others.sort((a, b) => b.shared - a.shared || a.latency - b.latency || compareGuids(a.handle.guid, b.handle.guid));
  for (const o of others) {
    if (out.length >= count) break;
    out.push({ to: o.handle, resume: 0 });
  }
  return out;
}
