/**
 * The per-datagram path: a received datagram, and every timer its handling arms, runs as a plain
 * call into RouterRuntime on the node's clock, with no xstate event. A 3,000-node build by joins spent
 * a quarter of its time in xstate's per-event machinery (one event per datagram and per timer), and
 * a datagram needs none of it: the router has no state a datagram changes through the machine.
 *
 * The router actor still owns everything with a lifecycle: API calls (route, ping), the reassembly
 * sweep, and failure. Work that throws here (a datagram, or a timer: nodeTimers.ts) is handed to it
 * as a `fault` event, so the node goes FAULTED exactly as when an actor action throws. Every timer
 * still pending is cleared when the node stops, so a closed node leaves nothing on its clock.
 */
import type { AnyActorRef } from 'xstate';
import type { Address } from '../transport/types';
import type { RouterRuntime } from './routerRuntime';

export interface DatagramPath {
  /** Handles one datagram from the transport. */
  receive(bytes: Uint8Array, from: Address): void;
  /**
   * Runs other per-message work the same way (an API call made outside any event, while the router
   * actor is idle): a plain call, its timers on the clock, a throw a `fault`. Ignored once stopped.
   */
  call(work: () => void): void;
  /** Clears every pending timer; later datagrams and timers are ignored. */
  stop(): void;
}

export function createDatagramPath(core: RouterRuntime, router: () => AnyActorRef): DatagramPath {
  const timers = core.timers;
  // What an actor action that throws would do: the router actor fails and the node goes FAULTED.
  timers.onFault = (error) => router().send({ type: 'fault', error });
  // Fragments waiting: the router actor runs the reassembly sweep while they do.
  timers.afterRun = () => {
    if (core.reassembler.pending > 0) router().send({ type: 'wake' });
  };
  return {
    receive: (bytes, from) => timers.run(() => core.receive(bytes, from)),
    call: (work) => timers.run(work),
    stop: () => timers.stop(),
  };
}
