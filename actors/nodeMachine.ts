/**
 * The node's root actor: its lifecycle and the actors it owns (the Router, the ObjectLocator and
 * the transport listener). Lifecycle, as Windows DRT names it: starting → (joining →) ALONE or
 * ACTIVE; ACTIVE → NO_NETWORK when the transport loses the network and back when it returns;
 * FAULTED when an owned actor fails (the application must close and reopen); CLOSED.
 */
import { assign, fromCallback, fromPromise, setup, type AnyActorRef } from 'xstate';
import type { Address, Clock, Transport } from '../transport/types';
import { createDatagramPath } from './datagramPath';
import type { MembershipCore } from './membershipCore';
import type { LocatorRuntime } from './locatorRuntime';
import { objectLocatorMachine } from './objectLocatorMachine';
import type { RouterCore } from './routerCore';
import { routerMachine } from './routerMachine';

/** The plain objects that do a node's per-message work, built once the transport is known. */
export interface NodeCores {
  readonly router: RouterCore;
  readonly locator: LocatorRuntime;
  readonly membership: MembershipCore;
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
  /**
   * Where to join from; absent for a node that starts a mesh (or whose table is already filled).
   * A list is used at once; a promise (a provider doing I/O) when it settles.
   */
  readonly bootstrap?: () => Address[] | Promise<Address[]>;
  /** How long an ALONE node waits before it tries its bootstrap again (ms). */
  readonly retryMs: number;
  /** The clock the node's actors run on: datagrams arm their timers on it directly. */
  readonly clock: Clock;
  readonly sweepMs?: number;
}

interface NodeContext {
  readonly input: NodeMachineInput;
  transport?: Transport;
  cores?: NodeCores;
  error?: unknown;
}

export type NodeEvent =
  | { type: 'close' }
  /** The routing table gained its first neighbour or lost its last. */
  | { type: 'peers' }
  | { type: 'networkDown' }
  | { type: 'networkUp' }
  | { type: 'joinDone'; joined: boolean };

/**
 * Feeds every datagram to the router core by a plain call (datagramPath.ts), and network changes to
 * the node; detaches, and clears the timers datagrams armed, on stop.
 */
const transportListener = fromCallback<{ type: 'none' }, { transport: Transport; core: RouterCore; clock: Clock }>(({ input, system, sendBack }) => {
  let router: AnyActorRef | undefined;
  const path = createDatagramPath(input.core, input.clock, () => (router ??= system.get('router') as AnyActorRef));
  input.transport.onReceive(path.receive);
  input.transport.onNetworkChange?.((up) => sendBack({ type: up ? 'networkUp' : 'networkDown' }));
  return () => {
    path.stop();
    input.transport.onReceive(() => {});
    input.transport.onNetworkChange?.(() => {});
  };
});

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    input: {} as NodeMachineInput,
    events: {} as NodeEvent,
  },
  actors: {
    openTransport: fromPromise<Transport, NodeMachineInput>(({ input }) => input.openTransport()),
    // Resolving the bootstrap list may be I/O (a file); the join itself runs on protocol events.
    join: fromCallback<{ type: 'none' }, { cores: NodeCores; bootstrap: () => Address[] | Promise<Address[]> }>(({ input, sendBack }) => {
      let live = true;
      const finish = (joined: boolean) => live && sendBack({ type: 'joinDone', joined });
      const start = (addresses: Address[]) => (addresses.length > 0 ? input.cores.membership.join(addresses, finish) : finish(false));
      const found = input.bootstrap();
      if (Array.isArray(found)) start(found);
      else found.then(start, () => finish(false));
      return () => {
        live = false;
      };
    }),
    router: routerMachine,
    objectLocator: objectLocatorMachine,
    transportListener,
  },
  guards: {
    hasPeers: ({ context }) => context.cores!.router.tableSize() > 0,
    canJoin: ({ context }) => context.input.bootstrap !== undefined,
  },
  delays: {
    retry: ({ context }) => context.input.retryMs,
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
          target: 'running',
          actions: assign(({ context, event }) => ({
            transport: event.output,
            cores: context.input.makeCores(event.output),
          })),
        },
        onError: { target: 'closed', actions: assign({ error: ({ event }) => event.error }) },
      },
      on: { close: 'closed' },
    },
    running: {
      invoke: [
        {
          src: 'router',
          systemId: 'router',
          input: ({ context }) => ({ core: context.cores!.router, sweepMs: context.input.sweepMs }),
          onError: { target: 'faulted', actions: assign({ error: ({ event }) => event.error }) },
        },
        {
          src: 'objectLocator',
          systemId: 'objectLocator',
          input: ({ context }) => ({
            core: context.cores!.locator,
            republishMs: context.cores!.republishMs,
            sweepMs: context.cores!.pointerSweepMs,
          }),
          onError: { target: 'faulted', actions: assign({ error: ({ event }) => event.error }) },
        },
        {
          src: 'transportListener',
          input: ({ context }) => ({ transport: context.transport!, core: context.cores!.router, clock: context.input.clock }),
        },
      ],
      on: { close: 'closed' },
      initial: 'deciding',
      states: {
        deciding: {
          always: [{ guard: 'hasPeers', target: 'active' }, { guard: 'canJoin', target: 'joining' }, { target: 'alone' }],
        },
        joining: {
          invoke: {
            src: 'join',
            input: ({ context }) => ({ cores: context.cores!, bootstrap: context.input.bootstrap! }),
          },
          on: {
            joinDone: [{ guard: 'hasPeers', target: 'active' }, { target: 'alone' }],
            networkDown: 'noNetwork',
          },
        },
        alone: {
          after: { retry: { guard: 'canJoin', target: 'joining' } },
          on: {
            peers: { guard: 'hasPeers', target: 'active' },
            networkDown: 'noNetwork',
          },
        },
        active: {
          on: {
            peers: { guard: ({ context }) => context.cores!.router.tableSize() === 0, target: 'alone' },
            networkDown: 'noNetwork',
          },
        },
        noNetwork: {
          on: { networkUp: 'deciding' },
        },
      },
    },
    faulted: {
      on: { close: 'closed' },
    },
    closed: { type: 'final' },
  },
});

/** The status an application sees, from the machine's state. */
export type NodeStatus = 'STARTING' | 'JOINING' | 'ALONE' | 'ACTIVE' | 'NO_NETWORK' | 'FAULTED' | 'CLOSED';

export function statusOf(value: unknown, done: boolean): NodeStatus {
  if (done || value === 'closed') return 'CLOSED';
  if (value === 'starting') return 'STARTING';
  if (value === 'faulted') return 'FAULTED';
  const sub = typeof value === 'object' && value !== null ? (value as { running?: string }).running : undefined;
  switch (sub) {
    case 'active':
      return 'ACTIVE';
    case 'noNetwork':
      return 'NO_NETWORK';
    case 'joining':
    case 'deciding':
      return 'JOINING';
    default:
      return 'ALONE';
  }
}
