/**
 * The DRT-style key registry (Windows DRT) as an upcall module: 256-bit keys registered with
 * application data at their ring successor, exact / nearest / range search, leaf-set events. Its pure
 * core (keys, sorted key sets, searches, a node's registry) is exported beside it.
 */
import type { ModuleWithApi } from '../contract';
import type { Drt } from './api';
import { drtModule } from './module';
import { parseDrtOptions, type DrtOptions } from './options';

export { DRT_DEFAULTS } from './defaults';
export { checkKey, circularDistance, clockwiseDistance, compareKeys, KEY_BITS, KEY_SPACE, keyFromValue, keyValue, MAX_KEY_VALUE } from './keys';
export { KeyRegistry, type KeyRegistryLimits, type Registration, type RegistrationChanges, type RegistryMatch } from './registry';
export { exactMatch, leafSet, nearestMatches, rangeMatches, rangeMatchesDescending, search, type KeyLeafSet, type MatchKind, type SearchMatch, type SearchQuery } from './search';
export { SortedKeys } from './sortedKeys';
export type { Drt, DrtLeafSetEvent, DrtMatch, DrtRange, DrtSearchOptions, DrtSearchResult, DrtStats } from './api';
export type { DrtOptions } from './options';

/** The DRT module: `const drt = node.register(drt())` on a node created with `idBits: 256`. Every node that may store, register or search registers it. */
export function drt(options: DrtOptions = {}): ModuleWithApi<Drt> {
  return drtModule(parseDrtOptions(options));
}
