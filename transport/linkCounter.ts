/**
 * What a simulated network tells an observer about each datagram it puts on the wire, so that a
 * topology model (sim/linkStress.ts on a transit-stub graph) can count the copies crossing each
 * physical link. Kept generic here: the network knows endpoint indices, not links.
 */
export interface LinkCounter {
  /**
   * A datagram from endpoint `from` to endpoint `to` went on the wire (after loss, partitions and
   * drops at the sender were decided: only datagrams that travel are reported). `bytes` is valid
   * only during the call. Called inside the sender's send(), so it must not throw.
   */
  sent(from: number, to: number, bytes: Uint8Array): void;
}
