/**
 * The Router actor: one event per datagram (or local route), handled by plain calls into
 * RouterCore. Its only timers are the reassembly sweep and ping timeouts, both xstate delays, so
 * the node's injected clock (virtual in the simulator) drives them.
 */
import { enqueueActions, setup } from 'xstate';
import { DEFAULTS } from '../defaults';
import type { Address } from '../transport/types';
import type { PingDone, RouteRequest, RouterCore } from './routerCore';

export type RouterEvent =
  | { type: 'datagram'; bytes: Uint8Array; from: Address }
  | { type: 'route'; request: RouteRequest }
  | { type: 'ping'; to: Address; timeoutMs: number; done: PingDone }
  | { type: 'pingTimeout'; nonce: number }
  /** A one-shot timer on the node's clock for the plain-object parts of the node (membership). */
  | { type: 'timer'; ms: number; fire: () => void }
  | { type: 'fire'; fire: () => void };

export interface RouterInput {
  readonly core: RouterCore;
  /** Reassembly sweep period (ms). */
  readonly sweepMs?: number;
}

export const routerMachine = setup({
  types: {
    context: {} as { core: RouterCore; sweepMs: number },
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
    datagram: { actions: ({ context, event }) => context.core.receive(event.bytes, event.from) },
    route: { actions: ({ context, event }) => context.core.route(event.request) },
    ping: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const nonce = context.core.ping(event.to, event.done);
        // The timeout is a delayed event to ourselves, so it runs on the node's clock.
        enqueue.raise({ type: 'pingTimeout', nonce }, { delay: event.timeoutMs });
      }),
    },
    pingTimeout: { actions: ({ context, event }) => context.core.pingTimedOut(event.nonce) },
    timer: { actions: enqueueActions(({ event, enqueue }) => enqueue.raise({ type: 'fire', fire: event.fire }, { delay: event.ms })) },
    fire: { actions: ({ event }) => event.fire() },
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
