/**
 * The schema of the module given to register() (UpcallModule, upcalls/contract.ts). A module is the
 * application's object and may carry its own methods and state (a multicast module carries its
 * API), so keys beyond the contract are allowed, with one exception: a function-valued key that is
 * not an upcall but within two edits of one (`delivr`, `forwrd`, `Update`) is a misspelt upcall that
 * would silently never be called, and is refused naming the upcall meant. Keys starting with another
 * letter than the upcall must be within one edit (so `detach` beside `attach` is the module's own).
 * Own keys and the methods of the module's classes (its prototype chain, short of Object) are looked at.
 */
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { InvalidArgumentError } from '../../errors';
import type { UpcallModule } from '../../upcalls/contract';
import { moduleIdSchema } from './routeOptions';
import { documented as doc, isFunction, parseOptions, shaped, type Assert, type SameShape } from './schema';

/** The upcalls a module may have; every one optional. */
export const UPCALLS = ['attach', 'forward', 'deliver', 'update', 'leaving'] as const;

const upcall = <K extends (typeof UPCALLS)[number]>(name: K, description: string) =>
  doc(shaped<NonNullable<UpcallModule[K]>>('function', isFunction).optional(), { description, default: 'none' });

export const moduleSchema = z.object({
  id: doc(moduleIdSchema(), { description: 'Module id carried on the wire (0 = the application\'s default module; one module per id).' }),
  name: doc(z.string().min(1), { type: 'non-empty string', description: 'A name for logs and errors.' }),
  attach: upcall('attach', 'Called once at registration with the ModuleContext the module acts through; an object it returns is what register() returns (the module API).'),
  forward: upcall('forward', "Called at every hop of the module's messages: go on, drop, or take the message."),
  deliver: upcall('deliver', "Called where the module's message is delivered."),
  update: upcall('update', 'A node joined or left this node\'s neighbourhood.'),
  leaving: upcall('leaving', 'This node is leaving on purpose: hand over what it holds for others.'),
});

export type _ModuleMatch = Assert<SameShape<z.input<typeof moduleSchema>, UpcallModule>>;

/** The upcall a key looks like a misspelling of, if any (see the rule above). */
export function misspeltUpcall(key: string): string | undefined {
  if ((UPCALLS as readonly string[]).includes(key)) return undefined;
  const lower = key.toLowerCase();
  for (const name of UPCALLS) {
    const d = distance(lower, name);
    if (d <= 1 || (d === 2 && lower[0] === name[0])) return name;
  }
  return undefined;
}

/** The keys whose values are functions: own keys, then the methods of the module's classes. */
function functionKeys(module: object): string[] {
  const keys = new Set<string>();
  for (let o: object | null = module; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && 'value' in d && isFunction(d.value)) keys.add(k);
    }
  }
  return [...keys];
}

/**
 * Checks a module given to register(): InvalidArgumentError naming the key when the id, the name
 * or an upcall is wrong, or when a method looks like a misspelt upcall. The module itself (not a
 * copy) is what the node registers.
 */
export function checkModule(module: UpcallModule): UpcallModule {
  parseOptions(moduleSchema, module, 'register(module)');
  for (const key of functionKeys(module)) {
    const meant = misspeltUpcall(key);
    if (meant) throw new InvalidArgumentError(`module "${module.name}" has a method "${key}" that is no upcall — did you mean "${meant}"? (upcalls: ${UPCALLS.join(', ')})`);
  }
  return module;
}
