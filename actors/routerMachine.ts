/**
 * The Router actor: API calls (local routes, pings), timers asked for outside any event, the
 * reassembly sweep, and failure. Datagrams do not pass through it: they take the plain-call path of
 * datagramPath.ts on the same clock, and hand it a `fault` when their handling throws. Timers are
 * xstate delays, so the node's injected clock (virtual in the simulator) drives them.
 */
import { enqueueActions, setup } from 'xstate';
import { DEFAULTS } from '../defaults';
import type { Address } from '../transport/types';
import type { PingDone, PingOptions, RouteRequest, RouterRuntime } from './routerRuntime';

export type RouterEvent =
  | { type: 'route'; request: RouteRequest }
  | { type: 'ping'; to: Address; timeoutMs: number; done: PingDone; opts?: PingOptions }
  | { type: 'pingTimeout'; nonce: number }
  /** A one-shot timer on the node's clock for the plain-object parts of the node (membership). */
  | { type: 'timer'; ms: number; fire: () => void }
  | { type: 'fire'; fire: () => void }
  /** Handling a datagram (or a timer it armed) threw: the router fails, and the node goes FAULTED. */
  | { type: 'fault'; error: unknown }
  /** Fragments wait for the rest of their message: start the sweep if it is not running. */
  | { type: 'wake' };

/** A one-shot timer an event asked for. */
export interface Timer {
  readonly ms: number;
  readonly fire: () => void;
}

/**
 * Runs one event's work and returns the timers it asked for (hop acknowledgement timeouts,
 * membership steps); the caller arms them (as delayed events, or on the clock for a datagram). An
 * event nested in another (an upcall that calls the node's API during a datagram) takes only its own
 * timers and leaves the outer one still in its event. Work that throws leaves no timer behind: the
 * event failed (the router fails with it), and another event must not arm what this one asked for.
 */
export function duringEvent(core: RouterRuntime, work: () => void): Timer[] {
  const outer = core.inEvent;
  const from = core.timersPending;
  core.inEvent = true;
  try {
    work();
  } catch (err) {
    core.takeTimers(from);
    throw err;
  } finally {
    core.inEvent = outer;
  }
  return coalesce(core.takeTimers(from));
}

/**
 * Timers of one event that fall due at the same time become one delayed event that runs them in the
 * order they were asked for: a join step that pings ten candidates arms one timeout event, not ten.
 */
function coalesce(timers: Timer[]): Timer[] {
  if (timers.length < 2) return timers;
  const byDelay = new Map<number, Array<() => void>>();
  for (const t of timers) {
    const list = byDelay.get(t.ms);
    if (list) list.push(t.fire);
    else byDelay.set(t.ms, [t.fire]);
  }
  if (byDelay.size === timers.length) return timers;
  return [...byDelay].map(([ms, fires]) => ({ ms, fire: fires.length === 1 ? fires[0] : () => runAll(fires) }));
}

/** Runs every timer; one that throws does not stop the others (each would have been its own event). */
function runAll(fires: Array<() => void>): void {
  let first: unknown;
  for (const f of fires) {
    try {
      f();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

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
    route: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        for (const t of duringEvent(context.core, () => context.core.route(event.request))) {
          enqueue.raise({ type: 'fire', fire: t.fire }, { delay: t.ms });
        }
      }),
    },
    ping: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const nonce = context.core.ping(event.to, event.done, event.opts);
        // The timeout is a delayed event to ourselves, so it runs on the node's clock.
        enqueue.raise({ type: 'pingTimeout', nonce }, { delay: event.timeoutMs });
      }),
    },
    pingTimeout: { actions: ({ context, event }) => context.core.pingTimedOut(event.nonce) },
    fault: {
      actions: ({ event }) => {
        throw event.error;
      },
    },
    // No action: the event only lets `quiet` look at the reassembler again.
    wake: {},
    timer: { actions: enqueueActions(({ event, enqueue }) => enqueue.raise({ type: 'fire', fire: event.fire }, { delay: event.ms })) },
    fire: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        for (const t of duringEvent(context.core, event.fire)) enqueue.raise({ type: 'fire', fire: t.fire }, { delay: t.ms });
      }),
    },
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
