/**
 * The per-datagram path: a received datagram, and every timer its handling arms, runs as a plain
 * call into RouterRuntime on the node's clock, with no xstate event. A 3,000-node build by joins spent
 * a quarter of its time in xstate's per-event machinery (one event per datagram and per timer), and
 * a datagram needs none of it: the router has no state a datagram changes through the machine.
 *
 * The router actor still owns everything with a lifecycle: API calls (route, ping), the reassembly
 * sweep, and failure. A timer that throws is handed to it as a `fault` event, so the node goes
 * FAULTED exactly as when an actor action throws. Timers are armed on the same injected clock the
 * actors use (virtual in the simulator), and every timer still pending is cleared when the node
 * stops, so a closed node leaves nothing on its clock.
 */
import type { AnyActorRef } from 'xstate';
import type { Address, Clock } from '../transport/types';
import type { RouterRuntime } from './routerRuntime';
import { duringEvent, type Timer } from './routerMachine';

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

export function createDatagramPath(core: RouterRuntime, clock: Clock, router: () => AnyActorRef): DatagramPath {
  /**
   * Clock handles of the timers armed here and not yet fired, cleared on stop. Bounded by what arms
   * them: pending hops, pings and membership requests, each under its own DEFAULTS limit.
   */
  const live = new Map<number, unknown>();
  let nextId = 0;
  let stopped = false;

  const arm = (timers: readonly Timer[]): void => {
    for (const t of timers) {
      const id = nextId++;
      live.set(id, clock.setTimeout(() => {
        live.delete(id);
        run(t.fire);
      }, t.ms));
    }
  };

  const run = (work: () => void): void => {
    if (stopped) return;
    let timers: Timer[];
    try {
      timers = duringEvent(core, work);
    } catch (error) {
      // What an actor action that throws would do: the router actor fails and the node goes FAULTED.
      router().send({ type: 'fault', error });
      return;
    }
    // The work itself may have closed the node (an upcall calling close()): nothing more to arm.
    if (stopped) return;
    arm(timers);
    // Fragments waiting: the router actor runs the reassembly sweep while they do.
    if (core.reassembler.pending > 0) router().send({ type: 'wake' });
  };

  return {
    receive: (bytes, from) => run(() => core.receive(bytes, from)),
    call: run,
    stop: () => {
      stopped = true;
      for (const handle of live.values()) clock.clearTimeout(handle);
      live.clear();
    },
  };
}
