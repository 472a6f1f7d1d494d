/**
 * How often strangers may make this node challenge someone: each challenge a stranger's message asks
 * for (an adopt from an unproven GUID, a join) takes a token from the bucket of the message's source
 * IP address (any port: more sockets buy no more) and one from the bucket of the GUID's first byte (a
 * region of the ring: fresh GUIDs aimed at one prefix buy no more). A message refused here is dropped
 * and counted; it asked for work, not for an answer. Pure: time comes in as `now`.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { Address } from '../routing/handle';
import { hostKey, PeerRateLimiter } from '../routing/rateLimiter';

export class StrangerLimits {
  private readonly byHost = new PeerRateLimiter(DEFAULTS.strangerChallengesPerSecPerIp, DEFAULTS.strangerChallengesBurstPerIp, DEFAULTS.maxStrangerLimitKeys);
  private readonly byPrefix = new PeerRateLimiter(DEFAULTS.strangerChallengesPerSecPerPrefix, DEFAULTS.strangerChallengesBurstPerPrefix, DEFAULTS.maxStrangerLimitKeys);

  /**
   * Takes a token for a challenge of `guid` asked for by a message from `source` (absent: a message
   * that came routed, whose first sender is not known here, pays only by prefix). False: refused.
   */
  allow(source: Address | undefined, guid: Guid, now: number): boolean {
    if (source && !this.byHost.allow(hostKey(source), now)) return false;
    return this.byPrefix.allow(guid.bytes[0], now);
  }
}
