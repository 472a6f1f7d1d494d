/** Object ownership limits and switches (location/ownership.ts), spread into DEFAULTS. */
export const OWNERSHIP_DEFAULTS = {
  /**
   * Most objects whose owner one node remembers (location/ownership.ts): one record per object with a
   * live pointer here, dropped with its last pointer, so maxPointers bounds it too; a new object
   * past it is refused (counted as ownersFull).
   */
  maxObjectOwners: 200_000,
  /**
   * Whether a node under an authenticating provider claims ownership of what it publishes and
   * enforces owners' claims on the pointers it stores (the node option `objectOwnership`).
   */
  objectOwnership: true,
} as const;
