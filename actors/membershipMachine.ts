/**
 * The Membership actor: where the node stands in the mesh and the loops that keep it there, all as
 * states and `after` delays on the node's clock (DESIGN rule 3).
 *
 * - presence: deciding → joining (the join protocol) → member, or alone when no bootstrap address
 *   led to a surrogate; alone retries the join every `retryMs` and becomes member as soon as a
 *   peer joins through it; offline while the transport has no network.
 * - repair and heartbeat: soft-state loops, the first round spread by GUID and every later wait
 *   jittered so a mesh's nodes do not work in step; repair backs off while nothing changes, and the
 *   heartbeat loop is the maintenance tick (liveness checks within the budget). Each round is one
 *   router event (`inRouterEvent`), so its pings and timers are armed as one event's.
 * - leaving: leave notices first; after `leaveGraceMs` the modules hand over what they hold (by
 *   then the notices of nodes leaving at the same moment have arrived, so nothing is handed to a
 *   node that is itself leaving); another `leaveGraceMs` lets late hand-overs be passed on; done.
 *
 * The work is plain calls into MembershipRuntime; this machine only decides when.
 */
import { fromCallback, setup } from 'xstate';
import type { Address } from '../transport/types';
import { DEFAULTS } from '../defaults';

/** What the machine drives: the membership runtime and the router's event context. */
export interface MembershipDriver {
  /** The routing table holds at least one other node. */
  hasPeers(): boolean;
  /** Runs the join protocol through the first bootstrap address that answers. */
  join(bootstrap: readonly Address[], done: (joined: boolean) => void): void;
  /** One round of table repair and leaf-set exchange. */
  repairOnce(): void;
  /** The wait before the next repair round (ms): adaptive and jittered. */
  nextRepairMs(): number;
  /** One maintenance tick: liveness checks within the budget, stall detection. */
  tick(): void;
  /** The wait before the next tick (ms), jittered. */
  nextTickMs(): number;
  /** Tells every node that lists this one (or is listed by it) that it leaves. */
  sendLeaveNotices(): void;
  /** The modules hand over what this node holds for others (location: the pointers it roots). */
  handOver(): void;
  /** Runs `work` as one router event: its pings and timers are armed together. */
  inRouterEvent(work: () => void): void;
  /** GUID bytes that spread the loops' first rounds. */
  readonly spread: { readonly repair: number; readonly heartbeat: number };
}

export interface MembershipMachineInput {
  readonly driver: MembershipDriver;
  /** Where to join from; absent for a node that starts a mesh. A promise when resolving is I/O. */
  readonly bootstrap?: () => Address[] | Promise<Address[]>;
  readonly retryMs: number;
  /** Repair period (ms, 0 = off). */
  readonly repairMs: number;
  /** Heartbeat period (ms, 0 = off): maintenance ticks run while it is on, the first spread over one tick. */
  readonly heartbeatMs: number;
  /** How long a leaving node waits for others' notices, then for late hand-overs (ms). */
  readonly leaveGraceMs: number;
}

export interface MembershipContext extends MembershipMachineInput {
  /** The waits the driver chose for the next tick and repair round (ms). */
  tickDelay: number;
  repairDelay: number;
}

export type MembershipEvent =
  /** The routing table gained its first neighbour or lost its last. */
  | { type: 'peers' }
  | { type: 'networkDown' }
  | { type: 'networkUp' }
  | { type: 'joinDone'; joined: boolean }
  | { type: 'leave' };

/** The status an application sees while the node runs and has its network. */
export type PresenceStatus = 'JOINING' | 'ALONE' | 'ACTIVE' | 'NO_NETWORK';

/** Resolves the bootstrap list (perhaps I/O), then runs the join protocol; reports `joinDone`. */
const joinActor = fromCallback<{ type: 'none' }, { driver: MembershipDriver; bootstrap: () => Address[] | Promise<Address[]> }>(({ input, sendBack }) => {
  let live = true;
  const finish = (joined: boolean) => live && sendBack({ type: 'joinDone', joined });
  const start = (addresses: Address[]) => (addresses.length > 0 ? input.driver.join(addresses, finish) : finish(false));
  const found = input.bootstrap();
  if (Array.isArray(found)) start(found);
  else found.then((a) => live && start(a), () => finish(false));
  return () => {
    live = false;
  };
});

/** A first round spread over one period by a GUID byte (0..255), as the loops always were. */
const firstRound = (periodMs: number, byte: number) => (periodMs * (byte + 1)) / 257;

export const membershipMachine = setup({
  types: {
    context: {} as MembershipContext,
    input: {} as MembershipMachineInput,
    events: {} as MembershipEvent,
  },
  actors: { join: joinActor },
  guards: {
    hasPeers: ({ context }) => context.driver.hasPeers(),
    noPeers: ({ context }) => !context.driver.hasPeers(),
    canJoin: ({ context }) => context.bootstrap !== undefined,
    repairs: ({ context }) => context.repairMs > 0,
    heartbeats: ({ context }) => context.heartbeatMs > 0,
  },
  delays: {
    retry: ({ context }) => context.retryMs,
    firstRepair: ({ context }) => firstRound(context.repairMs, context.driver.spread.repair),
    repair: ({ context }) => context.repairDelay,
    firstHeartbeat: ({ context }) => firstRound(DEFAULTS.maintenanceTickMs, context.driver.spread.heartbeat),
    heartbeat: ({ context }) => context.tickDelay,
    leaveGrace: ({ context }) => context.leaveGraceMs,
  },
  actions: {
    // The next wait is chosen here, in the action, so the delay read on entering `looping` is that one.
    repairOnce: ({ context }) => {
      context.driver.inRouterEvent(() => context.driver.repairOnce());
      context.repairDelay = context.driver.nextRepairMs();
    },
    heartbeat: ({ context }) => {
      context.driver.inRouterEvent(() => context.driver.tick());
      context.tickDelay = context.driver.nextTickMs();
    },
  },
}).createMachine({
  id: 'membership',
  context: ({ input }) => ({ ...input, tickDelay: DEFAULTS.maintenanceTickMs, repairDelay: input.repairMs }),
  initial: 'running',
  states: {
    running: {
      type: 'parallel',
      on: { leave: 'leaving' },
      states: {
        presence: {
          initial: 'deciding',
          on: { networkDown: '.offline' },
          states: {
            deciding: {
              always: [{ guard: 'hasPeers', target: 'member' }, { guard: 'canJoin', target: 'joining' }, { target: 'alone' }],
            },
            joining: {
              invoke: { src: 'join', input: ({ context }) => ({ driver: context.driver, bootstrap: context.bootstrap! }) },
              on: { joinDone: [{ guard: 'hasPeers', target: 'member' }, { target: 'alone' }] },
            },
            alone: {
              after: { retry: { guard: 'canJoin', target: 'joining' } },
              on: { peers: { guard: 'hasPeers', target: 'member' } },
            },
            member: {
              on: { peers: { guard: 'noPeers', target: 'alone' } },
            },
            offline: {
              on: { networkDown: {}, networkUp: 'deciding' },
            },
          },
        },
        repair: {
          initial: 'starting',
          states: {
            starting: { always: [{ guard: 'repairs', target: 'first' }, { target: 'off' }] },
            first: { after: { firstRepair: { target: 'looping', actions: 'repairOnce' } } },
            looping: { after: { repair: { target: 'looping', reenter: true, actions: 'repairOnce' } } },
            off: {},
          },
        },
        heartbeat: {
          initial: 'starting',
          states: {
            starting: { always: [{ guard: 'heartbeats', target: 'first' }, { target: 'off' }] },
            first: { after: { firstHeartbeat: { target: 'looping', actions: 'heartbeat' } } },
            looping: { after: { heartbeat: { target: 'looping', reenter: true, actions: 'heartbeat' } } },
            off: {},
          },
        },
      },
    },
    leaving: {
      initial: 'notifying',
      states: {
        notifying: {
          entry: ({ context }) => context.driver.inRouterEvent(() => context.driver.sendLeaveNotices()),
          after: { leaveGrace: 'handingOver' },
        },
        handingOver: {
          entry: ({ context }) => context.driver.inRouterEvent(() => context.driver.handOver()),
          after: { leaveGrace: 'done' },
        },
        done: { type: 'final' },
      },
      onDone: 'left',
    },
    left: { type: 'final' },
  },
  output: () => ({ left: true }),
});

/** The presence an application sees, from the machine's state value. */
export function presenceOf(value: unknown): PresenceStatus {
  if (typeof value !== 'object' || value === null) return 'ACTIVE';
  const running = (value as { running?: { presence?: string } }).running;
  if (!running) return 'ACTIVE'; // leaving: the node is still a member until it closes
  switch (running.presence) {
    case 'member':
      return 'ACTIVE';
    case 'alone':
      return 'ALONE';
    case 'offline':
      return 'NO_NETWORK';
    default:
      return 'JOINING';
  }
}
