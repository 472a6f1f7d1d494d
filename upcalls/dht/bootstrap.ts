/**
 * dht.bootstrap() (IPFS routing's Bootstrap): the DHT is ready once its node has neighbours to route
 * through. A node joins through createNode's `bootstrap`, so this does not join: it waits, on the
 * node's clock, until the routing table or the leaf set lists a neighbour (at once on a resolve-only
 * node, whose gateways carry what it sends), and answers how many it knows. The module then pushes
 * what it holds and publishes to where it belongs now.
 */
import { DEFAULTS } from '../../defaults';
import { AbortedError, LimitExceededError, TimeoutError } from '../../errors';
import type { ModuleContext } from '../contract';

/** How many neighbours the node knows now: routing-table entries and leaf-set members (a node in both counts twice). */
function neighbourCount(ctx: ModuleContext): number {
  return ctx.table.size + ctx.leafSet.size;
}

/**
 * Resolves with the neighbour count once there is one; checks every DEFAULTS.dhtBootstrapPollMs.
 * Rejects with AbortedError on `signal`, TimeoutError after `timeoutMs`, and whatever error a
 * function in `waiters` is called with (the module's close: its timers stop, so no poll would).
 * At most DEFAULTS.dhtMaxPending wait at once (LimitExceededError).
 */
export function untilNeighbours(ctx: ModuleContext, timeoutMs: number, waiters: Set<(e: Error) => void>, signal?: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (waiters.size >= DEFAULTS.dhtMaxPending) return reject(new LimitExceededError(`at most ${DEFAULTS.dhtMaxPending} bootstrap calls wait at once`));
    const deadline = ctx.now() + timeoutMs;
    let cancel: (() => void) | undefined;
    const onAbort = () => finish(new AbortedError('bootstrap aborted'));
    const finish = (result: number | Error) => {
      cancel?.();
      cancel = undefined;
      waiters.delete(finish);
      signal?.removeEventListener('abort', onAbort);
      if (typeof result === 'number') resolve(result);
      else reject(result);
    };
    const check = () => {
      cancel = undefined;
      const n = neighbourCount(ctx);
      if (n > 0 || ctx.self.resolveOnly) return finish(n);
      if (ctx.now() >= deadline) return finish(new TimeoutError(`no neighbour within ${timeoutMs} ms: is the node's bootstrap reachable?`));
      cancel = ctx.after(Math.min(DEFAULTS.dhtBootstrapPollMs, deadline - ctx.now()), check);
    };
    if (signal?.aborted) return reject(new AbortedError('bootstrap aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.add(finish);
    check();
  });
}
