/**
 * The node's root actor: its lifecycle (starting → active → closed) and the two actors it owns,
 * the Router, the ObjectLocator and the transport listener. Membership (a later stage) adds ALONE, NO_NETWORK and FAULTED.
 */
import { assign, fromCallback, fromPromise, setup, type AnyActorRef } from 'xstate';
import type { Transport } from '../transport/types';
import type { ObjectLocatorCore } from './objectLocatorCore';
import { objectLocatorMachine } from './objectLocatorMachine';
import type { RouterCore } from './routerCore';
import { routerMachine } from './routerMachine';

/** The plain objects that do a node's per-message work, built once the transport is known. */
export interface NodeCores {
  readonly router: RouterCore;
  readonly locator: ObjectLocatorCore;
  /** Salted roots a locate tries at once. */
  readonly locateFanout: number;
  /** Republish period (ms, 0 = off) and pointer sweep period of the ObjectLocator. */
  readonly republishMs: number;
  readonly pointerSweepMs: number;
}

export interface NodeMachineInput {
  /** Opens (or simply hands over) the node's transport. */
  readonly openTransport: () => Promise<Transport>;
  /** Builds the per-message logic once the transport is known. */
  readonly makeCores: (transport: Transport) => NodeCores;
  readonly sweepMs?: number;
}

interface NodeContext {
  readonly input: NodeMachineInput;
  transport?: Transport;
  cores?: NodeCores;
  error?: unknown;
}

/** Feeds every datagram to the router as one event; detaches when the node stops. */
const transportListener = fromCallback<{ type: 'none' }, { transport: Transport }>(({ input, system }) => {
  let router: AnyActorRef | undefined;
  input.transport.onReceive((bytes, from) => {
    router ??= system.get('router') as AnyActorRef;
    router.send({ type: 'datagram', bytes, from });
  });
  return () => input.transport.onReceive(() => {});
});

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    input: {} as NodeMachineInput,
    events: {} as { type: 'close' },
  },
  actors: {
    openTransport: fromPromise<Transport, NodeMachineInput>(({ input }) => input.openTransport()),
    router: routerMachine,
    objectLocator: objectLocatorMachine,
    transportListener,
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({ input }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'openTransport',
        input: ({ context }) => context.input,
        onDone: {
          target: 'active',
          actions: assign(({ context, event }) => ({
            transport: event.output,
            cores: context.input.makeCores(event.output),
          })),
        },
        onError: { target: 'closed', actions: assign({ error: ({ event }) => event.error }) },
      },
      on: { close: 'closed' },
    },
    active: {
      invoke: [
        { src: 'router', systemId: 'router', input: ({ context }) => ({ core: context.cores!.router, sweepMs: context.input.sweepMs }) },
        {
          src: 'objectLocator',
          systemId: 'objectLocator',
          input: ({ context }) => ({
            core: context.cores!.locator,
            republishMs: context.cores!.republishMs,
            sweepMs: context.cores!.pointerSweepMs,
          }),
        },
        { src: 'transportListener', input: ({ context }) => ({ transport: context.transport! }) },
      ],
      on: { close: 'closed' },
    },
    closed: { type: 'final' },
  },
});
