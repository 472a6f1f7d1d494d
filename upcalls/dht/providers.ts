/**
 * Providers of a key (IPFS's Provide / FindProvidersAsync) over object location: a provider publishes
 * the key's provider GUID as an open object, and finders locate its replicas, nearest first.
 */
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, NotFoundError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { ModuleContext } from '../contract';
import type { DhtProvider } from './api';

/** What providers of the key `key` publish (apart from its records' salted roots): the key GUID under a prefix of its own. */
export function providerGuid(key: Guid, bits: number): Guid {
  return Guid.fromName(`dht-providers:${key.hex}`, bits as 160 | 256);
}

/** The providers of `key`, nearest first, as object location finds them; ends when no more are found. */
export async function* findProviders(ctx: ModuleContext, key: Guid, o: { readonly count?: number; readonly signal?: AbortSignal } = {}): AsyncGenerator<DhtProvider> {
  const count = o.count ?? 20;
  if (!(Number.isInteger(count) && count >= 1 && count <= DEFAULTS.maxReplicas)) throw new InvalidArgumentError(`count must be an integer in 1..${DEFAULTS.maxReplicas}`);
  const object = providerGuid(key, ctx.space.bits);
  try {
    for await (const r of ctx.locate(object, { replicas: count, ...(o.signal ? { signal: o.signal } : {}) })) {
      yield { peer: r.server, hops: r.hops, elapsedMs: r.elapsedMs };
    }
  } catch (err) {
    // No provider (more) found ends the iteration; an abort or a closed node is the caller's to see.
    if (!(err instanceof NotFoundError) && !(err instanceof TimeoutError)) throw err;
  }
}
