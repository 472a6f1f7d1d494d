/** Anycast groups (Tapestry spec §8: group announcement, join, leave, routing) as an upcall module. */
import type { ModuleWithApi } from '../contract';
import type { Anycast } from './api';
import { anycastModule } from './module';
import { parseModuleOptions } from '../shared/moduleOptions';
import { anycastOptionsSchema, type AnycastOptions } from './options';

export type { Anycast, AnycastDelivery, AnycastJoinOptions, AnycastSendOptions, AnycastStats } from './api';
export type { AnycastOptions } from './options';

/**
 * The anycast module: `const ac = node.register(anycast())` gives its API (announce, join, leave,
 * send, teardown, stats). Every node that joins, sends or may root a group registers it.
 */
export function anycast(options: AnycastOptions = {}): ModuleWithApi<Anycast> {
  return anycastModule(parseModuleOptions(anycastOptionsSchema, options, 'anycast'));
}
