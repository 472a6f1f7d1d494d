/**
 * The plain data the pure core and the edges share: where a peer is and who it is. Defined here so
 * routing/, location/ and membership/ import nothing from transport/ or wire/ (DESIGN.md §3, rule 1).
 */
import type { Guid } from './guid';

/** Where a node can be reached. Simulated nodes get synthetic IPv4 addresses. */
export interface Address {
  /** IP version: 4 or 6. */
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly ip: Uint8Array;
  /** UDP port, 0..65535. */
  readonly port: number;
}

/** Same family, IP and port (no string built). */
export function sameAddress(a: Address, b: Address): boolean {
  if (a === b) return true;
  if (a.family !== b.family || a.port !== b.port || a.ip.length !== b.ip.length) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

/** A peer: its GUID and where to reach it. */
export interface NodeHandle {
  /** The peer's identifier. */
  readonly guid: Guid;
  /** Where the peer was last heard from (or was announced to be). */
  readonly address: Address;
  /**
   * Set (only ever to true) on the handle of a resolve-only node: one that is never admitted to a
   * routing table, backpointers, a leaf set or a pointer's server (routing/resolveOnly.ts). Absent on
   * every full node's handle.
   */
  readonly resolveOnly?: true;
}

/** Which piece of a larger message a RouteMsg carries. */
export interface FragmentInfo {
  /** Id of the whole message, unique per source node. */
  readonly messageId: number;
  /** 0-based index of this piece. */
  readonly index: number;
  /** Number of pieces (2 .. DEFAULTS.maxFragments). */
  readonly count: number;
}
