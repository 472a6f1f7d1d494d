/** The pure core of the DRT-style key registry (Windows DRT): 256-bit keys, a node's registrations, searches. */
export { DRT_DEFAULTS } from './defaults';
export { checkKey, circularDistance, clockwiseDistance, compareKeys, KEY_BITS, KEY_SPACE, keyFromValue, keyValue, MAX_KEY_VALUE } from './keys';
export { KeyRegistry, type KeyRegistryLimits, type Registration, type RegistrationChanges, type RegistryMatch } from './registry';
export { exactMatch, leafSet, nearestMatches, rangeMatches, search, type KeyLeafSet, type MatchKind, type SearchMatch, type SearchQuery } from './search';
export { SortedKeys } from './sortedKeys';
