/**
 * The UDP transport's numbers: its send queue and batch, socket buffers and address caches. Spread
 * into DEFAULTS (defaults.ts); imports nothing, so defaults.ts stays a leaf.
 */
export const UDP_DEFAULTS = {
  // ---- Transport (UDP) -----------------------------------------------------------------------
  /** Most frames a UDP transport queues for sending before it drops (and counts) new ones. */
  udpSendQueue: 65_536,
  /**
   * Frames a UDP transport sends before yielding the event loop, so receivers are never starved.
   * libuv reads at most 32 datagrams per socket per poll, so a larger batch outruns a receiver in the
   * same process: measured on loopback, 32 lost nothing at ~130k/s while 64 lost ~45% at steady state.
   */
  udpSendBatch: 32,
  /** Kernel socket buffer size asked for on UDP sockets (bytes: 4 MiB). */
  udpSocketBuffer: 4 << 20,
  /**
   * Most peer addresses a UDP transport keeps in each of its two address caches: the text node:dgram
   * is handed for a destination (formatting it was half of a send's own time), and the Address a
   * sender's text and port parse to (so one peer is one Address object). Past it a cache starts over
   * empty; entries also go when their Address is collected. Default 65,536 (≈ 6 MB at most per cache).
   */
  udpAddressCache: 65_536,
} as const;
