/**
 * A module's own actor (ModuleContext.startActor): its delays run on the node's clock (virtual here,
 * so the oracle is the clock itself), it is bounded per module, and it stops with the module or the node.
 */
import { assign, setup } from 'xstate';
import { DEFAULTS } from '../../defaults';
import { LimitExceededError } from '../../errors';
import type { ModuleContext } from '../../upcalls/contract';
import { createTestnet } from '../../testing/testnet';

/** A session timer: `ms` after it starts it records the node's time and ends. */
const sessionTimer = setup({
  types: { context: {} as { ms: number; ctx: ModuleContext; firedAt?: number }, input: {} as { ms: number; ctx: ModuleContext } },
  delays: { due: ({ context }) => context.ms },
}).createMachine({
  context: ({ input }) => input,
  initial: 'waiting',
  states: {
    waiting: { after: { due: { target: 'fired', actions: assign({ firedAt: ({ context }) => context.ctx.now() }) } } },
    fired: { type: 'final' },
  },
});

test("a module's actor runs its delays on the node's clock and stops with the module", async () => {
  const net = await createTestnet({ nodes: 2, frozen: true, seed: 3 });
  let ctx!: ModuleContext;
  const unregister = net.nodes[0].register({ id: 5, name: 'sessions', attach: (c) => void (ctx = c) });
  const startedAt = ctx.now();
  const timer = ctx.startActor(sessionTimer, { ms: 1_000, ctx });
  const stopped = ctx.startActor(sessionTimer, { ms: 1_500, ctx });
  net.run(999);
  expect(timer.getSnapshot().value).toBe('waiting');
  net.run(2);
  expect(timer.getSnapshot().value).toBe('fired');
  expect(timer.getSnapshot().context.firedAt).toBe(startedAt + 1_000);
  // Unregistered before its delay: stopped, and the delay never fires.
  unregister();
  net.run(1_000);
  expect(stopped.getSnapshot().status).toBe('stopped');
  expect(stopped.getSnapshot().context.firedAt).toBeUndefined();
  await net.close();
});

test('at most DEFAULTS.maxModuleActors actors a module; a closing node stops them all', async () => {
  const net = await createTestnet({ nodes: 1, frozen: true, seed: 4 });
  let ctx!: ModuleContext;
  net.nodes[0].register({ id: 6, name: 'many', attach: (c) => void (ctx = c) });
  const actors = Array.from({ length: DEFAULTS.maxModuleActors }, () => ctx.startActor(sessionTimer, { ms: 10_000, ctx }));
  expect(() => ctx.startActor(sessionTimer, { ms: 1, ctx })).toThrow(LimitExceededError);
  await net.close();
  for (const a of actors) expect(a.getSnapshot().status).toBe('stopped');
});

test('a module whose attach returns an object gets it back from register(); ctx.unregister() stops its timers and actors', async () => {
  const net = await createTestnet({ nodes: 2, frozen: true, seed: 5 });
  let fired = 0;
  const api = net.nodes[0].register({
    id: 9,
    name: 'with-api',
    attach(ctx: ModuleContext) {
      const actor = ctx.startActor(sessionTimer, { ms: 1_000, ctx });
      return { close: () => ctx.unregister(), arm: () => ctx.after(500, () => fired++), actor };
    },
  });
  api.arm();
  net.run(600);
  expect(fired).toBe(1);
  api.arm();
  api.close();
  net.run(1_000);
  // The timer armed before close never fires, the actor stopped before its delay, the id is free again.
  expect(fired).toBe(1);
  expect(api.actor.getSnapshot().status).toBe('stopped');
  expect(api.actor.getSnapshot().context.firedAt).toBeUndefined();
  const unregister = net.nodes[0].register({ id: 9, name: 'plain', attach: () => undefined });
  expect(typeof unregister).toBe('function');
  await net.close();
});
