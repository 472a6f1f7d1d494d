/**
 * The ObjectLocator actor: the timers of object location on the node's clock. Republish (soft
 * state) runs while this node publishes something; the pointer sweep runs while it holds pointers;
 * each locate attempt has its own timeout. The work itself is plain calls into LocatorRuntime.
 */
import { enqueueActions, setup } from 'xstate';
import type { Guid } from '../routing/guid';
import type { OwnerClaim } from '../location/messages';
import type { LocateRequest, LocatorRuntime, PublishWaiter, UnpublishWaiter } from './locatorRuntime';

export type LocatorEvent =
  | { type: 'publish'; object: Guid; tag: string; owner?: OwnerClaim; waiter?: PublishWaiter }
  | { type: 'unpublish'; object: Guid; waiter?: UnpublishWaiter; reply?: (removed: boolean) => void }
  | { type: 'locate'; request: LocateRequest; reply: (id: number) => void }
  | { type: 'abort'; id: number; reason: Error }
  | { type: 'arm'; id: number; attempt: number; ms: number }
  | { type: 'attemptTimeout'; id: number; attempt: number }
  | { type: 'armPublish'; id: number; ms: number }
  | { type: 'publishTimeout'; id: number }
  | { type: 'pointersHeld' }
  | { type: 'rearm' };

export interface LocatorInput {
  readonly core: LocatorRuntime;
  /** Republish period (ms); 0 turns republishing off. */
  readonly republishMs: number;
  readonly sweepMs: number;
}

export const objectLocatorMachine = setup({
  types: {
    context: {} as LocatorInput,
    input: {} as LocatorInput,
    events: {} as LocatorEvent,
  },
  guards: {
    publishing: ({ context }) => context.republishMs > 0 && context.core.publisher.size > 0,
    holdingPointers: ({ context }) => context.core.store.size > 0,
  },
  delays: {
    // Each publication has its own phase of the period: wake for the next one due (location/republishSchedule.ts).
    republish: ({ context }) => context.core.nextRepublishDelay(context.republishMs),
    sweep: ({ context }) => context.sweepMs,
  },
}).createMachine({
  id: 'objectLocator',
  context: ({ input }) => input,
  type: 'parallel',
  on: {
    publish: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue(() => context.core.publish(event.object, event.tag, event.owner, event.waiter));
        // The new publication may be due before the republish timer armed for the others.
        enqueue.raise({ type: 'rearm' });
      }),
    },
    unpublish: {
      actions: ({ context, event }) => {
        const removed = context.core.unpublish(event.object, event.waiter);
        event.reply?.(removed);
      },
    },
    locate: { actions: ({ context, event }) => event.reply(context.core.startLocate(event.request)) },
    abort: { actions: ({ context, event }) => context.core.abort(event.id, event.reason) },
    arm: {
      actions: enqueueActions(({ event, enqueue }) =>
        enqueue.raise({ type: 'attemptTimeout', id: event.id, attempt: event.attempt }, { delay: event.ms }),
      ),
    },
    attemptTimeout: { actions: ({ context, event }) => context.core.attemptTimedOut(event.id, event.attempt) },
    // A publish's (or unpublish's) wait for its salted roots' acknowledgements (location/publishAcks.ts).
    armPublish: {
      actions: enqueueActions(({ event, enqueue }) => enqueue.raise({ type: 'publishTimeout', id: event.id }, { delay: event.ms })),
    },
    publishTimeout: { actions: ({ context, event }) => context.core.publishTimedOut(event.id) },
    // Nothing to do but let the sweeper's `always` guard see the store is no longer empty.
    pointersHeld: { actions: () => {} },
  },
  states: {
    republisher: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'publishing', target: 'waiting' } },
        waiting: {
          after: { republish: { target: 'due', actions: ({ context }) => context.core.republishDue() } },
          on: { rearm: { target: 'waiting', reenter: true } },
        },
        due: { always: [{ guard: 'publishing', target: 'waiting' }, { target: 'idle' }] },
      },
    },
    sweeper: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'holdingPointers', target: 'waiting' } },
        waiting: { after: { sweep: { target: 'due', actions: ({ context }) => context.core.sweep() } } },
        due: { always: [{ guard: 'holdingPointers', target: 'waiting' }, { target: 'idle' }] },
      },
    },
  },
});
