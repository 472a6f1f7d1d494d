/**
 * The node's root actor: its lifecycle and the actors it owns (the Router, the ObjectLocator, the
 * Membership actor and the transport listener). Lifecycle, as Windows DRT names it: starting →
 * running → FAULTED when an owned actor fails (the application must close and reopen) → CLOSED.
 * While running, where the node stands in the mesh (JOINING, ALONE, ACTIVE) is the Membership
 * actor's; this machine adds NO_NETWORK while the transport has no network.
 */
import { assign, fromCallback, fromPromise, setup, type ActorSystem, type AnyActorRef } from 'xstate';
import type { Address, Clock, Transport } from '../transport/types';
import type { DatagramPath } from './datagramPath';
import { membershipMachine, presenceOf, type MembershipDriver } from './membershipMachine';
import type { MembershipRuntime } from './membershipRuntime';
import type { LocatorRuntime } from './locatorRuntime';
import { objectLocatorMachine } from './objectLocatorMachine';
import type { RouterRuntime } from './routerRuntime';
import type { Gateways } from './gateways';
import { routerMachine } from './routerMachine';

/** The plain objects that do a node's per-message work, built once the transport is known. */
export interface NodeCores {
  readonly router: RouterRuntime;
  /** The plain-call path into the router core: every datagram, and API calls made outside any event. */
  readonly path: DatagramPath;
  readonly locator: LocatorRuntime;
  readonly membership: MembershipRuntime;
  /** What the Membership actor drives (the runtime, wired to the router's event context). */
  readonly membershipDriver: MembershipDriver;
  /** Repair and heartbeat periods (ms, 0 = off) and how long a leaving node waits for notices (ms). */
  readonly repairMs: number;
  readonly heartbeatMs: number;
  readonly leaveGraceMs: number;
  /** Salted roots a locate tries at once. */
  readonly locateFanout: number;
  /** A resolve-only node's gateways (absent on a full node). */
  readonly gateways?: Gateways;
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

export type NodeEvent = { type: 'close' } | { type: 'networkDown' } | { type: 'networkUp' };

/**
 * Feeds every datagram to the router core by a plain call (datagramPath.ts), and network changes to
 * the node; detaches, and clears the timers datagrams armed, on stop.
 */
const transportListener = fromCallback<{ type: 'none' }, { transport: Transport; path: DatagramPath }>(({ input, sendBack }) => {
  const path = input.path;
  input.transport.onReceive(path.receive);
  input.transport.onNetworkChange?.((up) => sendBack({ type: up ? 'networkUp' : 'networkDown' }));
  return () => {
    path.stop();
    input.transport.onReceive(() => {});
    input.transport.onNetworkChange?.(() => {});
  };
});

/** Passes a network change on to the Membership actor while it runs (a node that left has none). */
const tellMembership = (type: 'networkDown' | 'networkUp') => ({ system }: { system: ActorSystem<any> }): void => {
  const membership = system.get('membership') as AnyActorRef | undefined;
  if (membership?.getSnapshot().status === 'active') membership.send({ type });
};

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    input: {} as NodeMachineInput,
    events: {} as NodeEvent,
  },
  actors: {
    openTransport: fromPromise<Transport, NodeMachineInput>(({ input }) => input.openTransport()),
    router: routerMachine,
    objectLocator: objectLocatorMachine,
    membership: membershipMachine,
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
          src: 'membership',
          systemId: 'membership',
          input: ({ context }) => ({
            driver: context.cores!.membershipDriver,
            bootstrap: context.input.bootstrap,
            retryMs: context.input.retryMs,
            repairMs: context.cores!.repairMs,
            heartbeatMs: context.cores!.heartbeatMs,
            leaveGraceMs: context.cores!.leaveGraceMs,
          }),
          onError: { target: 'faulted', actions: assign({ error: ({ event }) => event.error }) },
        },
        {
          src: 'transportListener',
          input: ({ context }) => ({ transport: context.transport!, path: context.cores!.path }),
        },
      ],
      on: { close: 'closed' },
      initial: 'online',
      states: {
        online: {
          on: { networkDown: { target: 'noNetwork', actions: tellMembership('networkDown') } },
        },
        noNetwork: {
          on: { networkUp: { target: 'online', actions: tellMembership('networkUp') } },
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

/**
 * The status an application sees: the node's lifecycle, and while it runs with its network, the
 * Membership actor's presence (undefined once that actor is gone: a node that left reads ACTIVE
 * until it closes).
 */
export function statusOf(value: unknown, done: boolean, presence: unknown): NodeStatus {
  if (done || value === 'closed') return 'CLOSED';
  if (value === 'starting') return 'STARTING';
  if (value === 'faulted') return 'FAULTED';
  const sub = typeof value === 'object' && value !== null ? (value as { running?: string }).running : undefined;
  if (sub === 'noNetwork') return 'NO_NETWORK';
  return presenceOf(presence);
}
