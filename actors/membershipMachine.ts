/**
 * The Membership actor: where the node stands in the mesh and the loops that keep it there, all as
 * states and `after` delays on the node's clock (DESIGN rule 3).
 *
 * - presence: deciding → joining (the join protocol) → member, or alone when no bootstrap address
 *   led to a surrogate; alone retries the join every `retryMs` and becomes member as soon as a
 *   peer joins through it; offline while the transport has no network.
 * - repair and heartbeat: soft-state loops, the first round spread by GUID so a mesh's nodes do not
 *   work in step; each round is one router event (`inRouterEvent`), so its pings and timers are
 *   armed as one event's, never one actor event per datagram.
 * - leaving: leave notices first; after `leaveGraceMs` the modules hand over what they hold (by
 *   then the notices of nodes leaving at the same moment have arrived, so nothing is handed to a
 *   node that is itself leaving); another `leaveGraceMs` lets late hand-overs be passed on; done.
 *
 * The work is plain calls into MembershipRuntime; this machine only decides when.
 */
import { fromCallback, setup } from 'xstate';
import type { Address } from '../transport/types';

/** What the machine drives: the membership runtime and the router's event context. */
export interface MembershipDriver {
  /** The routing table holds at least one other node. */
  hasPeers(): boolean;
  /** Runs the join protocol through the first bootstrap address that answers. */
  join(bootstrap: readonly Address[], done: (joined: boolean) => void): void;
  /** One round of table repair and leaf-set exchange. */
  repairOnce(): void;
  /** One heartbeat round; backups are pinged on every fourth round. */
  heartbeat(round: number): void;
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
  /** Heartbeat period (ms, 0 = off). */
  readonly heartbeatMs: number;
  /** How long a leaving node waits for others' notices, then for late hand-overs (ms). */
  readonly leaveGraceMs: number;
}

export interface MembershipContext extends MembershipMachineInput {
  heartbeatRound: number;
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
    repair: ({ context }) => context.repairMs,
    firstHeartbeat: ({ context }) => firstRound(context.heartbeatMs, context.driver.spread.heartbeat),
    heartbeat: ({ context }) => context.heartbeatMs,
    leaveGrace: ({ context }) => context.leaveGraceMs,
  },
  actions: {
    repairOnce: ({ context }) => context.driver.inRouterEvent(() => context.driver.repairOnce()),
    heartbeat: ({ context }) => {
      const round = context.heartbeatRound++;
      context.driver.inRouterEvent(() => context.driver.heartbeat(round));
    },
  },
}).createMachine({
  id: 'membership',
  context: ({ input }) => ({ ...input, heartbeatRound: 0 }),
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
