/**
 * The one timer actor of a module (DESIGN rule 3: one actor per module with state over time, never
 * one per session): it waits for the earliest deadline the module asked for, then calls the module's
 * `due()`, which handles whatever expired and answers its next deadline (Infinity: none). Its delay
 * runs on the node's clock (ModuleContext.startActor), so a simulation drives it in virtual time.
 * Shared by the modules in upcalls/ (anycast, mobile, bayeux, dht, drt).
 */
import { assign, setup } from 'xstate';
import type { ModuleContext } from '../contract';

interface TimerContext {
  /** The deadline being waited for (node clock, ms); Infinity when idle. */
  readonly at: number;
  readonly now: () => number;
  /** Handles what is due; answers the next deadline. */
  readonly due: () => number;
}

/** Ask for a wake-up at `at` (ms on the node's clock); an earlier deadline than the one armed replaces it. */
type TimerEvent = { type: 'arm'; at: number };

export const deadlineMachine = setup({
  types: {
    context: {} as TimerContext,
    input: {} as { now: () => number; due: () => number },
    events: {} as TimerEvent,
  },
  delays: { untilDue: ({ context }) => Math.max(0, context.at - context.now()) },
  guards: {
    earlier: ({ context, event }) => event.at < context.at,
    pending: ({ context }) => context.at < Infinity,
  },
}).createMachine({
  context: ({ input }) => ({ at: Infinity, now: input.now, due: input.due }),
  initial: 'idle',
  states: {
    idle: {
      on: { arm: { guard: 'earlier', target: 'waiting', actions: assign({ at: ({ event }) => event.at }) } },
    },
    waiting: {
      on: { arm: { guard: 'earlier', target: 'waiting', reenter: true, actions: assign({ at: ({ event }) => event.at }) } },
      after: {
        untilDue: { target: 'check', actions: assign({ at: ({ context }) => context.due() }) },
      },
    },
    // `due()` answered the next deadline: wait for it, or go idle.
    check: { always: [{ guard: 'pending', target: 'waiting' }, { target: 'idle' }] },
  },
});

/** A module's deadline timer: `arm(at)` asks for a call of `due` at or after `at`. */
export interface DeadlineTimer {
  arm(at: number): void;
}

/** Starts the module's timer actor on its context; `due` handles what expired and answers the next deadline. */
export function startDeadlineTimer(ctx: ModuleContext, due: () => number): DeadlineTimer {
  const actor = ctx.startActor(deadlineMachine, { now: () => ctx.now(), due });
  return {
    arm: (at) => {
      if (at < Infinity) actor.send({ type: 'arm', at });
    },
  };
}
