/**
 * The ModuleContext a registered module acts through (upcalls/contract.ts), made from the node's
 * own operations: routes, publishes and locates go through the node's API (validated, as an
 * application's would be), direct sends and timers through the router on the node's clock. Messages
 * carry the module's id. A timer of a module that was unregistered, or of a closed node, never fires.
 */
import { createActor, type Actor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../errors';
import type { RouterRuntime } from '../actors/routerRuntime';
import type { LeafSetView, ModuleContext, ModuleSecurity, UpcallModule } from '../upcalls/contract';
import { CanonicalWriter } from '../security/canonical';
import type { SecurityProvider } from '../security/provider';
import type { UpcallHost } from '../upcalls/host';
import type { TapestryNode } from './node';
import { Guid } from '../routing/guid';

export interface ModuleContextParts {
  readonly node: TapestryNode;
  readonly router: RouterRuntime;
  /** The router actor: work asked for outside one of its events runs as one. */
  readonly routerActor: AnyActorRef;
  readonly host: UpcallHost;
  readonly leafSet: LeafSetView;
  /** The node's clock: a module's own actors schedule their delays on it. */
  readonly clock: Actor<AnyActorLogic>['clock'];
  /** Where the module's actors are kept, to be stopped with the module or the node. */
  readonly actors: Set<AnyActorRef>;
  /** Unregisters the module with everything it started (node.register's own unregister). */
  readonly unregister: () => void;
  /** The node's security provider: the module sees it only through moduleSecurity's view. */
  readonly security: SecurityProvider;
}

/** Domain tag of what a module signs (after it: the module id, then the module's own bytes). */
export const MODULE_SIGNATURE_DOMAIN = 'tapestry/module-signature/v1';

/**
 * The provider as `module` may use it (ModuleSecurity): no private key, and every signature made or
 * checked over the module's domain prefix followed by its data. Every statement the node itself signs
 * starts with a length-prefixed domain tag of its own (security/canonical.ts), so a module's bytes,
 * whatever they are, never make one of them.
 */
export function moduleSecurity(provider: SecurityProvider, moduleId: number): ModuleSecurity {
  const prefix = new CanonicalWriter(MODULE_SIGNATURE_DOMAIN).u32(moduleId).finish();
  const framed = (data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(prefix.length + data.length);
    out.set(prefix);
    out.set(data, prefix.length);
    return out;
  };
  return Object.freeze({
    name: provider.name,
    authenticates: provider.authenticates,
    credential: () => Uint8Array.from(provider.credential()),
    validateCredential: (credential: Uint8Array, guid: Guid) => credential instanceof Uint8Array && guid instanceof Guid && provider.validateCredential(credential, guid),
    sign: (data: Uint8Array) => {
      if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('sign() takes a Uint8Array');
      return provider.sign(framed(data));
    },
    verify: (credential: Uint8Array, data: Uint8Array, signature: Uint8Array) =>
      credential instanceof Uint8Array && data instanceof Uint8Array && signature instanceof Uint8Array && provider.verify(credential, framed(data), signature),
  });
}

export function createModuleContext(module: UpcallModule, parts: ModuleContextParts): ModuleContext {
  const { node, router, routerActor, host } = parts;
  const open = (): void => {
    if (node.status === 'CLOSED') throw new ClosedError('node is closed');
  };
  // Inside one of the router's events (an upcall) the work runs at once and its timers are that
  // event's; outside (an application timer, a promise) it becomes a router event of its own.
  const inRouterEvent = (work: () => void): void => {
    if (router.inEvent) work();
    else routerActor.send({ type: 'fire', fire: work });
  };
  return {
    self: node.handle,
    space: node.space,
    route: (dest, payload, opts = {}) => node.route(dest, payload, { fuzzy: opts.fuzzy, ttl: opts.ttl, module: module.id }),
    send: (to, payload) => {
      open();
      if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array');
      if (payload.length > DEFAULTS.maxMessageBytes) {
        throw new MessageTooLargeError(`payload of ${payload.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
      }
      if (to?.guid?.bytes?.length !== node.space.bytes || !to.address) throw new InvalidArgumentError('send needs a node handle of this id space');
      inRouterEvent(() => router.sendDirect(to, module.id, payload));
    },
    publish: (object, opts) => node.publish(object, opts),
    unpublish: (object) => node.unpublish(object),
    locate: (object, opts) => node.locate(object, opts),
    sendToObject: (object, payload, opts = {}) => node.sendToObject(object, payload, { ...opts, module: module.id }),
    now: () => router.now(),
    after: (ms, fire) => {
      open();
      if (!(ms >= 0) || !Number.isFinite(ms)) throw new InvalidArgumentError(`a timer needs a finite delay ≥ 0 ms, got ${ms}`);
      let live = true;
      // On the router's clock either way (asked outside an event, the router arms it by an event).
      router.after(ms, () => {
        if (live && host.holds(module) && node.status !== 'CLOSED') host.contain(module, 'timer', fire);
      });
      return () => {
        live = false;
      };
    },
    table: node.table,
    leafSet: parts.leafSet,
    log: router.log.child({ module: module.name }),
    security: moduleSecurity(parts.security, module.id),
    startActor: (logic, input) => {
      open();
      if (parts.actors.size >= DEFAULTS.maxModuleActors) throw new LimitExceededError(`at most ${DEFAULTS.maxModuleActors} actors per module`);
      // Its own root (so it can be stopped with the module), scheduled on the node's injected clock.
      const actor = createActor(logic, { clock: parts.clock, input });
      parts.actors.add(actor);
      actor.start();
      return actor;
    },
    unregister: () => parts.unregister(),
  };
}
