/** Bayeux multicast (Tapestry spec §7: session announcement, join, leave, teardown) as an upcall module, with a Scribe join mode. */
import type { ModuleWithApi } from '../contract';
import type { Bayeux } from './api';
import { bayeuxModule } from './module';
import { parseBayeuxOptions, type BayeuxOptions } from './options';

export type { Bayeux, BayeuxDelivery, BayeuxEvents, BayeuxJoinOptions, BayeuxSession, BayeuxSessionStats, BayeuxStats, JoinMode } from './api';
export type { BayeuxOptions } from './options';

/**
 * The Bayeux module: `const mc = node.register(bayeux())` gives its API (createSession, join,
 * multicast, leave, teardown, events, stats). Every node that may create, join, forward for or root
 * a session registers it, all with the same joinMode.
 */
export function bayeux(options: BayeuxOptions = {}): ModuleWithApi<Bayeux> {
  return bayeuxModule(parseBayeuxOptions(options));
}
