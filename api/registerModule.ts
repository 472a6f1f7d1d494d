/**
 * node.register(): hands a module its ModuleContext through the upcall host and keeps the actors it
 * starts, so unregistering the module (or closing the node) stops them.
 */
import type { AnyActorRef } from 'xstate';
import type { UpcallModule } from '../upcalls/contract';
import { createModuleContext, type ModuleContextParts } from './moduleContext';
import { checkModule } from './options/moduleSchema';

/** What a registration needs from its node: the context's parts but those made per module. */
export interface RegistrationParts extends Omit<ModuleContextParts, 'host' | 'actors' | 'unregister'> {
  /** Each registered module's own actors, stopped when the node closes. */
  readonly moduleActors: Set<Set<AnyActorRef>>;
}

/** Registers `module`: returns the API its attach returned, or else a function that unregisters it. */
export function registerModule(module: UpcallModule, parts: RegistrationParts): unknown {
  checkModule(module);
  const { moduleActors, ...context } = parts;
  const host = parts.router.upcalls;
  const actors = new Set<AnyActorRef>();
  let api: unknown;
  const unregisterAll = (): void => {
    unregister();
    moduleActors.delete(actors);
    for (const a of actors) a.stop();
    actors.clear();
  };
  const unregister = host.register(
    module,
    (m) => createModuleContext(m, { ...context, host, actors, unregister: () => unregisterAll() }),
    (returned) => (api = returned),
  );
  moduleActors.add(actors);
  return api !== null && (typeof api === 'object' || typeof api === 'function') ? api : unregisterAll;
}
