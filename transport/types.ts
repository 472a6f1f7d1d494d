/** The contract between a node and whatever carries its datagrams: simulated network or UDP. */

import type { Address } from '../routing/handle';

export type { Address };

/** Receives one datagram. The bytes may be a view into a shared buffer: copy what you keep. */
export type ReceiveHandler = (bytes: Uint8Array, from: Address) => void;

/** Carries datagrams for one node. Same interface in simulation and on the network. */
export interface Transport {
  /** This node's own address, as peers should reach it. */
  readonly local: Address;
  /** Largest datagram this transport sends without fragmentation by the router. */
  readonly mtu: number;
  /** Queues one datagram. Never throws for network reasons: failures are counted in stats. */
  send(to: Address, bytes: Uint8Array): void;
  /** Sets the one handler for incoming datagrams. */
  onReceive(handler: ReceiveHandler): void;
  /**
   * Optional: tells the node when the network goes away and comes back (NO_NETWORK). Transports
   * that cannot tell never call it.
   */
  onNetworkChange?(handler: (up: boolean) => void): void;
  /**
   * Optional: whether this transport can send to `to` at all (its address family). Transports
   * without it are taken to reach every address.
   */
  reaches?(to: Address): boolean;
  /**
   * Optional: a seeded random source (simulated endpoints have one). A node on this transport draws
   * its GUID, and with `signed` its key pair and nonces, from it when the caller gives none, so a
   * simulated run repeats exactly.
   */
  readonly random?: (bytes: number) => Uint8Array;
  /** Stops receiving and releases sockets/timers. Idempotent. */
  close(): Promise<void>;
  /** Counters: datagrams and bytes in/out, drops by reason. */
  readonly stats: TransportStats;
}

/** What a transport counts since it opened. Counts only grow. */
export interface TransportStats {
  /** Datagrams handed to the network (simulated or UDP). */
  sent: number;
  /** Datagrams received and handed to the node. */
  received: number;
  /** Bytes in the datagrams counted by `sent`. */
  bytesSent: number;
  /** Bytes in the datagrams counted by `received`. */
  bytesReceived: number;
  /** Datagrams dropped before delivery, by reason ('loss', 'partition', 'queueFull', 'oversize', 'closed', ...). */
  dropped: Record<string, number>;
}

export function newTransportStats(): TransportStats {
  return { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, dropped: {} };
}

export function countDrop(stats: TransportStats, reason: string): void {
  stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
}

/** The clock every timer in a node uses: xstate's clock interface plus the current time. */
export interface Clock {
  /** The current time in milliseconds (virtual time in a simulation, wall time otherwise). */
  now(): number;
  /** Calls `fn` once, `timeoutMs` milliseconds from now; returns an id for clearTimeout. */
  setTimeout(fn: (...args: any[]) => void, timeoutMs: number): any;
  /** Cancels a timer set by this clock's setTimeout; an id already fired or cleared is ignored. */
  clearTimeout(id: any): void;
}
