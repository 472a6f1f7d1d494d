/**
 * The upcall host: the node's registry of modules (module id → module) and the dispatch of their
 * upcalls — forward at every hop, deliver at the destination, update on neighbour changes — with
 * every outcome counted and a throwing module contained (logged and counted, never rethrown: a
 * failing module must not take the node down). The router calls it per message; the built-in
 * location and membership modules register here as application modules do.
 */
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError, LimitExceededError } from '../errors';
import type { NodeHandle } from '../routing/handle';
import { MAX_MODULE_ID, type Delivery, type ForwardContext, type ModuleContext, type UpcallModule } from './contract';

/** What came of handing a message to its module's deliver. */
export type DeliverOutcome =
  | { readonly kind: 'noModule' }
  | { readonly kind: 'threw' }
  | { readonly kind: 'returned'; readonly value: unknown };

/** A thenable: what an async deliver returns. */
export function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The host's counters; part of the router's stats (`node.stats.router`). */
export interface UpcallStats {
  /** Messages handed to their module here. */
  delivered: number;
  /** Messages a module's forward() dropped (answered false). */
  droppedByUpcall: number;
  /** Messages a module handled itself instead of forwarding (e.g. locates diverted to a server). */
  takenByUpcall: number;
  /** Messages that ended here for a module this node does not have. */
  droppedNoModule: number;
  /** Upcalls that threw (or whose Promise rejected): contained and counted, never a crash. */
  upcallErrors: number;
}

/** A module id an application may use: an integer in 0..MAX_MODULE_ID (InvalidArgumentError otherwise). */
export function checkModuleId(id: number): number {
  return checkInteger('module id', id, 0, MAX_MODULE_ID);
}

export class UpcallHost {
  /**
   * Module id → module: at most DEFAULTS.maxModules application modules (ids 0..MAX_MODULE_ID) plus
   * the built-in ones (reserved ids above it).
   */
  private readonly modules = new Map<number, UpcallModule>();
  private appModules = 0;

  constructor(
    private readonly stats: UpcallStats,
    private readonly log: bunyan,
  ) {}

  /**
   * Registers an application module; returns a function that unregisters it. Its id must be free and
   * in 0..MAX_MODULE_ID, and at most DEFAULTS.maxModules application modules are registered at once.
   * A module with `attach` is handed the context `contextFor` makes for it (a module whose attach
   * throws is not registered). `attached` is told what attach returned (a module's API object).
   */
  register(module: UpcallModule, contextFor?: (module: UpcallModule) => ModuleContext, attached?: (api: unknown) => void): () => void {
    checkModuleId(module.id);
    if (this.modules.has(module.id)) throw new InvalidArgumentError(`module id ${module.id} is already registered`);
    if (this.appModules >= DEFAULTS.maxModules) throw new LimitExceededError(`at most ${DEFAULTS.maxModules} modules`);
    const api = this.add(module, contextFor);
    attached?.(api);
    return () => void this.unregister(module);
  }

  /** Registers one of the node's own modules (location, membership): a reserved id above MAX_MODULE_ID. */
  registerBuiltIn(module: UpcallModule, contextFor?: (module: UpcallModule) => ModuleContext): void {
    if (!Number.isInteger(module.id) || module.id <= MAX_MODULE_ID || module.id > 0xffff) {
      throw new InvalidArgumentError(`a built-in module id is an integer in ${MAX_MODULE_ID + 1}..65535, got ${module.id}`);
    }
    if (this.modules.has(module.id)) throw new InvalidArgumentError(`module id ${module.id} is already registered`);
    this.add(module, contextFor);
  }

  /** Removes `module` if it is the one registered under its id; false otherwise. */
  unregister(module: UpcallModule): boolean {
    if (this.modules.get(module.id) !== module) return false;
    this.modules.delete(module.id);
    if (module.id <= MAX_MODULE_ID) this.appModules--;
    return true;
  }

  /** The module registered under `id`. */
  get(id: number): UpcallModule | undefined {
    return this.modules.get(id);
  }

  /** Whether `module` itself (not another with its id) is registered. */
  holds(module: UpcallModule): boolean {
    return this.modules.get(module.id) === module;
  }

  /** Modules registered, built-in ones included. */
  get size(): number {
    return this.modules.size;
  }

  /** The module that wants to see messages of `id` at every hop, if any. */
  forwarder(id: number): UpcallModule | undefined {
    const module = this.modules.get(id);
    return module?.forward ? module : undefined;
  }

  /**
   * Runs `module`'s forward upcall. True: the message goes on, with `ctx.payload` (the module may
   * have replaced it; a module that throws lets it go on). False: the module dropped it or took it,
   * counted as such.
   */
  forward(module: UpcallModule, ctx: ForwardContext): boolean {
    let verdict;
    try {
      verdict = module.forward!(ctx);
    } catch (err) {
      // A failing module must not take the node down; the message still goes on.
      this.stats.upcallErrors++;
      this.log.warn({ err, module: module.name }, 'forward upcall threw');
    }
    if (verdict === false) {
      this.stats.droppedByUpcall++;
      return false;
    }
    if (verdict === 'taken') {
      this.stats.takenByUpcall++;
      return false;
    }
    return true;
  }

  /** Hands a message that ends here to its module; counted, and a throwing module is contained. */
  deliver(delivery: Delivery): void {
    const outcome = this.deliverFor(delivery);
    // An async deliver that rejects is an upcall error too, never an unhandled rejection.
    if (outcome.kind === 'returned' && isPromise(outcome.value)) outcome.value.catch((err) => this.rejected(err, delivery));
  }

  /**
   * Hands a request that ends here to its module and says what came of it: no module, a throw
   * (counted and logged), or the value deliver returned (perhaps a Promise, which the caller awaits;
   * a rejection is counted by `rejected`).
   */
  deliverFor(delivery: Delivery): DeliverOutcome {
    const module = this.modules.get(delivery.moduleId);
    if (!module?.deliver) {
      this.stats.droppedNoModule++;
      return { kind: 'noModule' };
    }
    this.stats.delivered++;
    try {
      return { kind: 'returned', value: module.deliver(delivery) };
    } catch (err) {
      this.stats.upcallErrors++;
      this.log.warn({ err, module: module.name }, 'deliver upcall threw');
      return { kind: 'threw' };
    }
  }

  /** A deliver's Promise rejected: counted and logged as a throwing upcall is. */
  rejected(err: unknown, delivery: Delivery): void {
    this.stats.upcallErrors++;
    this.log.warn({ err, module: this.modules.get(delivery.moduleId)?.name ?? delivery.moduleId }, 'deliver upcall rejected');
  }

  /** Tells every module (in registration order) that `node` joined or left the neighbourhood. */
  update(node: NodeHandle, joined: boolean): void {
    for (const m of this.modules.values()) {
      try {
        m.update?.(node, joined);
      } catch (err) {
        this.stats.upcallErrors++;
        this.log.warn({ err, module: m.name }, 'update upcall threw');
      }
    }
  }

  /** Tells every module (in registration order) that this node is leaving: each hands over what it holds. */
  leaving(): void {
    for (const m of this.modules.values()) {
      try {
        m.leaving?.();
      } catch (err) {
        this.stats.upcallErrors++;
        this.log.warn({ err, module: m.name }, 'leaving upcall threw');
      }
    }
  }

  /** Runs other work of `module` (its timers) as an upcall: a throw is logged and counted, not rethrown. */
  contain(module: UpcallModule, what: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.stats.upcallErrors++;
      this.log.warn({ err, module: module.name }, `${what} of module threw`);
    }
  }

  /** Adds `module` and attaches it; returns what its attach returned. */
  private add(module: UpcallModule, contextFor: ((module: UpcallModule) => ModuleContext) | undefined): unknown {
    this.modules.set(module.id, module);
    if (module.id <= MAX_MODULE_ID) this.appModules++;
    if (!module.attach || !contextFor) return undefined;
    try {
      return module.attach(contextFor(module));
    } catch (err) {
      this.unregister(module);
      throw err;
    }
  }
}
