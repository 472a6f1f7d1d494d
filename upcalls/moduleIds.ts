/**
 * The module-id table of the modules this package ships (messages.proto's module sections name the
 * same numbers). They sit at the top of the application range (0..MAX_MODULE_ID), so a node
 * registers them as any application module and an application keeps the low ids; each module's
 * options take another id when two copies must run side by side.
 */
export const MODULE_IDS = {
  /** Bayeux multicast (upcalls/bayeux/). */
  bayeux: 0xfe10,
  /** Anycast groups (upcalls/anycast/). */
  anycast: 0xfe11,
  /** Mobile Tapestry (upcalls/mobile/). */
  mobile: 0xfe12,
  /** The DHT tier (upcalls/dht/). */
  dht: 0xfe13,
  /** The DRT-style key registry (upcalls/drt/). */
  drt: 0xfe14,
} as const;
