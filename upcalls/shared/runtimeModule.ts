/**
 * The module object every built-in module builds the same way (anycast, mobile, bayeux, dht, drt):
 * `attach` starts the module's runtime on the context it is given and hands back the runtime's API;
 * each upcall the module names reaches that runtime. Before attach no runtime exists: a message
 * passing through goes on (forward answers true) and the other upcalls do nothing.
 */
import type { NodeHandle } from '../../routing/handle';
import type { Delivery, ForwardContext, ForwardVerdict, ModuleContext, ModuleWithApi, UpcallModule } from '../contract';

/** What a built-in module is made of: its runtime, its API and the upcalls it answers. */
export interface RuntimeModuleSpec<R, A extends object> {
  /** Module id carried on the wire. */
  readonly id: number;
  /** A name for logs and errors. */
  readonly name: string;
  /** Starts the runtime on the module's context (once, at attach). */
  start(ctx: ModuleContext): R;
  /** The API attach returns. */
  api(rt: R): A;
  /** A message of this module passes through this node. */
  forward?(rt: R, msg: ForwardContext): ForwardVerdict;
  /** A message of this module ended here. */
  deliver?(rt: R, msg: Delivery): unknown;
  /** A node joined (true) or left (false) this node's neighbourhood. */
  update?(rt: R, node: NodeHandle, joined: boolean): void;
  /** This node is leaving on purpose. */
  leaving?(rt: R): void;
}

/** The module object for `spec`: only the upcalls it names are present (the host asks for no other). */
export function runtimeModule<R, A extends object>(spec: RuntimeModuleSpec<R, A>): ModuleWithApi<A> {
  let rt: R | undefined;
  const module: ModuleWithApi<A> & { -readonly [K in keyof UpcallModule]: UpcallModule[K] } = {
    id: spec.id,
    name: spec.name,
    attach(ctx: ModuleContext): A {
      rt = spec.start(ctx);
      return spec.api(rt);
    },
  };
  const { forward, deliver, update, leaving } = spec;
  if (forward) module.forward = (msg) => (rt === undefined ? true : forward(rt, msg));
  if (deliver) module.deliver = (msg) => (rt === undefined ? undefined : deliver(rt, msg));
  if (update) module.update = (node, joined) => (rt === undefined ? undefined : update(rt, node, joined));
  if (leaving) module.leaving = () => (rt === undefined ? undefined : leaving(rt));
  return module;
}
