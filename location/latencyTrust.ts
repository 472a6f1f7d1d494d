/**
 * How much of a publish's claimed path latency a hop believes (under an authenticating provider).
 * The path latency decides which pointer is "nearest" and so which replica a locate is diverted to:
 * a server that claimed 0 would win every choice. So a hop replaces or bounds the claim with what it
 * measured itself:
 *
 * - First hop (the frame's sender is the record's server): the claim is the server's own word about
 *   its distance; it is replaced by this node's measured latency to the sender (its routing-table
 *   estimate), or DEFAULTS.unmeasuredLatencyMs when this node never measured it.
 * - Later hop from an admitted table member: the member's value is kept (it added its own measured
 *   link to this node), but never below this node's own measurement of that link — the path from
 *   the server came through the sender, so it cannot be shorter than the last link.
 * - Any other sender (not a table member): nothing it says is measured here, so the claim counts as
 *   at least DEFAULTS.unmeasuredLatencyMs.
 *
 * What remains trusted: the accumulated value a table member reports for the hops before it. An
 * admitted member that lies can still shorten its own part of the path; it cannot make a stranger's
 * first hop look short. With `none` the caller does not call this (claims are taken as they come).
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { RoutingTable } from '../routing/routingTable';

/** The path latency this node records for a publish of `server`'s that `from` handed it. */
export function trustedPathLatency(table: RoutingTable, server: Guid, claimed: number, from: NodeHandle | undefined): number {
  if (from === undefined) return claimed; // this node's own publish, or a record it already holds
  const link = table.get(from.guid)?.latency;
  if (from.guid.equals(server)) return link ?? DEFAULTS.unmeasuredLatencyMs;
  if (link === undefined) return Math.max(claimed, DEFAULTS.unmeasuredLatencyMs);
  return Math.max(claimed, link);
}
