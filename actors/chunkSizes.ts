/**
 * How many payload bytes one fragment of each kind of frame can carry once the frame's own fields are
 * paid for, counted for the widest headers any hop could add (an IPv6 sender, hops = ttl, …), so
 * every piece fits on every link.
 */
import { DEFAULTS } from '../defaults';
import type { NodeHandle } from '../routing/messages';
import { directFrameOverhead, routeFrameOverhead } from '../wire/codec';

export interface ChunkSizes {
  /** A routed message. */
  readonly route: number;
  /** A routed request, which pays for its request id too. */
  readonly request: number;
  /** A message sent straight to a peer (a DirectMsg has no routing fields to pay for). */
  readonly direct: number;
  /** A reply to a request, which pays for its reply fields. */
  readonly reply: number;
}

export function chunkSizes(mtu: number, self: NodeHandle): ChunkSizes {
  const widest = { source: self, dest: self.guid, fuzzy: true, ttl: DEFAULTS.maxTtl, hops: DEFAULTS.maxTtl, level: 0, moduleId: 0xffff, payload: new Uint8Array(0) };
  return {
    route: mtu - routeFrameOverhead(widest),
    request: mtu - routeFrameOverhead({ ...widest, requestId: 1 }),
    direct: mtu - directFrameOverhead(self),
    reply: mtu - directFrameOverhead(self, true),
  };
}
