/**
 * The Router actor: API calls (local routes, pings), the reassembly sweep, and failure. Datagrams and
 * timers do not pass through it: they run as plain calls (datagramPath.ts, nodeTimers.ts) on the same
 * clock, and hand it a `fault` when their handling throws. Every timer, its own events' included, is
 * armed on the node's injected clock by NodeTimers (virtual in the simulator), each cancellable.
 */
import { setup } from 'xstate';
import { DEFAULTS } from '../defaults';
import type { Address } from '../transport/types';
import type { PingDone, PingOptions, RouteRequest, RouterRuntime } from './routerRuntime';

export type RouterEvent =
  | { type: 'route'; request: RouteRequest }
  | { type: 'ping'; to: Address; timeoutMs: number; done: PingDone; opts?: PingOptions }
  /** Work from outside the router (an API call, a membership round) run as one router event. */
  | { type: 'fire'; fire: () => void }
  /** Handling a datagram (or a timer it armed) threw: the router fails, and the node goes FAULTED. */
  | { type: 'fault'; error: unknown }
  /** Fragments wait for the rest of their message: start the sweep if it is not running. */
  | { type: 'wake' };

export interface RouterInput {
  readonly core: RouterRuntime;
  /** Reassembly sweep period (ms). */
  readonly sweepMs?: number;
}

export const routerMachine = setup({
  types: {
    context: {} as { core: RouterRuntime; sweepMs: number },
    input: {} as RouterInput,
    events: {} as RouterEvent,
  },
  guards: {
    /** Fragments are waiting for the rest of their message. */
    reassembling: ({ context }) => context.core.reassembler.pending > 0,
  },
  delays: {
    sweep: ({ context }) => context.sweepMs,
  },
}).createMachine({
  id: 'router',
  context: ({ input }) => ({ core: input.core, sweepMs: input.sweepMs ?? DEFAULTS.reassemblySweepMs }),
  initial: 'quiet',
  // Handlers shared by both states; the sweep timer runs only while fragments wait for the rest of
  // their message, so a quiet node (almost every node in a large simulation) has no timer at all.
  on: {
    route: { actions: ({ context, event }) => context.core.timers.during(() => context.core.route(event.request)) },
    ping: { actions: ({ context, event }) => context.core.timers.during(() => context.core.ping(event.to, event.timeoutMs, event.done, event.opts)) },
    fault: {
      actions: ({ event }) => {
        throw event.error;
      },
    },
    // No action: the event only lets `quiet` look at the reassembler again.
    wake: {},
    fire: { actions: ({ context, event }) => context.core.timers.during(event.fire) },
  },
  states: {
    quiet: {
      always: { guard: 'reassembling', target: 'holding' },
    },
    holding: {
      after: { sweep: { target: 'swept', actions: ({ context }) => context.core.sweep() } },
    },
    swept: {
      always: [{ guard: 'reassembling', target: 'holding' }, { target: 'quiet' }],
    },
  },
});
