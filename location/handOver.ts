/**
 * Pointer hand-over (JSAC 2004 §IV): when the root of a salted GUID changes — a node joined and is
 * now the next hop toward it, or this node leaves and another takes over the GUIDs it roots — the
 * pointers held for those GUIDs go to the new root, which stores them and publishes them on.
 *
 * Pure: which pointers go where, as PointerHandOver messages of at most DEFAULTS.maxHandOverPointers
 * records each. The caller names each salted GUID's new root and sends the batches in order.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { PointerHandOver, PublishMsg } from './messages';
import type { Pointer } from './pointerStore';
import { saltedRoot } from './saltedRoots';

/** One hand-over message and the node it goes to. */
export interface HandOverBatch {
  readonly to: NodeHandle;
  readonly handOver: PointerHandOver;
}

/**
 * The hand-over messages for `pointers` (the store's unexpired pointers at `now`): each path pointer
 * whose salted GUID `newRoot` maps to a node other than `self` goes to that node. Extra copies
 * (pointer caching) stay: they are not on a publish path. Targets in the order their first pointer
 * came, records in the store's order, cut into messages of at most `maxPerMessage` records.
 */
export function handOverBatches(
  pointers: Iterable<Pointer>,
  now: number,
  self: Guid,
  newRoot: (saltedGuid: Guid) => NodeHandle | undefined,
  maxPerMessage: number = DEFAULTS.maxHandOverPointers,
): HandOverBatch[] {
  const byTarget = new Map<string, { to: NodeHandle; pointers: PublishMsg[] }>();
  for (const p of pointers) {
    if (p.extra) continue;
    const to = newRoot(saltedRoot(p.object, p.saltIndex));
    if (!to || to.guid.equals(self)) continue;
    let batch = byTarget.get(to.guid.hex);
    if (!batch) byTarget.set(to.guid.hex, (batch = { to, pointers: [] }));
    batch.pointers.push(handOverRecord(p, now));
  }
  const out: HandOverBatch[] = [];
  for (const { to, pointers: records } of byTarget.values()) {
    for (let i = 0; i < records.length; i += maxPerMessage) {
      out.push({ to, handOver: { pointers: records.slice(i, i + maxPerMessage) } });
    }
  }
  return out;
}

/**
 * The publish record that hands `p` over at `now`. A signed record travels as it was signed (its own
 * lifetime, key and signature) so the receiver can verify it; an unsigned one carries just the time
 * it has left, at least 1 ms and at most DEFAULTS.maxPointerLifetimeMs. Its path latency is this
 * node's distance estimate to the server.
 */
export function handOverRecord(p: Pointer, now: number): PublishMsg {
  const left = Math.max(1, Math.min(DEFAULTS.maxPointerLifetimeMs, Math.round(p.expiresAt - now)));
  return {
    object: p.object, server: p.server, tag: p.tag, saltIndex: p.saltIndex, sequence: p.sequence,
    lifetimeMs: p.signed ? p.signed.lifetimeMs : left,
    pathLatency: p.latency, extra: false,
    ...(p.signed ? { publisherKey: p.signed.publisherKey, signature: p.signed.signature } : {}),
    ...(p.signed?.owner ? { owner: p.signed.owner } : {}),
  };
}
