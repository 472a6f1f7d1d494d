/**
 * What every options schema shares: the documentation each key carries (read by the README's options
 * table), the text of a key's type and range (one describer for error messages and the table), and
 * the parse that turns zod's issues into an InvalidArgumentError naming the key, what was expected
 * and what was given, with the closest known key for an unknown one (DESIGN rule 7).
 */
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { InvalidArgumentError } from '../../errors';

/** The documentation of one option key. */
export interface OptionDoc {
  /** One or two sentences for the README table. */
  readonly description: string;
  /** The default as text, where it is not a plain value the schema applies (e.g. "the transport's MTU"). */
  readonly default?: string;
  /** The type as text, where the schema's own is not telling (library objects, unions). */
  readonly type?: string;
  /** The accepted range as text, where the schema's numbers do not say it all. */
  readonly range?: string;
}

/** Documentation of option keys, by schema (the schema a key of an options object maps to). */
export const optionDocs = z.registry<OptionDoc>();

/** `schema` with its documentation registered: put it last, on the schema the key maps to. */
export function documented<S extends z.ZodType>(schema: S, doc: OptionDoc): S {
  optionDocs.add(schema, doc);
  return schema;
}

/** A library object checked by its shape (never parsed or copied: the caller's object goes through). */
export function shaped<T>(type: string, test: (v: unknown) => boolean): z.ZodType<T, T> {
  return z.custom<T>(test, { message: `expected ${type}` }).meta({ libraryType: type }) as unknown as z.ZodType<T, T>;
}

export const isFunction = (v: unknown): boolean => typeof v === 'function';
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
/** An object with these methods. */
export const hasMethods = (v: unknown, ...names: string[]): boolean => isObject(v) && names.every((n) => typeof v[n] === 'function');

/** A string of at most `max` bytes in UTF-8 (tags and queries are limited in bytes, not characters). */
export function utf8String(max: number): z.ZodType<string, string> {
  return z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= max);
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; options?: z.ZodType[]; values?: unknown[]; element?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional/default/readonly wrappers, and the default met on the way. */
export function unwrap(schema: z.ZodType): { inner: z.ZodType; defaultValue?: unknown; hasDefault: boolean } {
  let s = schema;
  let defaultValue: unknown;
  let hasDefault = false;
  for (;;) {
    const def = defOf(s);
    if (def.type === 'default' || def.type === 'prefault') {
      hasDefault = true;
      defaultValue = def.defaultValue;
    }
    if (!def.innerType || !['optional', 'default', 'prefault', 'readonly', 'nullable', 'nonoptional'].includes(def.type)) break;
    s = def.innerType;
  }
  return { inner: s, defaultValue, hasDefault };
}

/** The documentation of a key's schema, looked up through its wrappers. */
export function docOf(schema: z.ZodType): OptionDoc | undefined {
  let s: z.ZodType | undefined = schema;
  while (s) {
    const doc = optionDocs.get(s);
    if (doc) return doc;
    s = defOf(s).innerType;
  }
  return undefined;
}

/** The keys of an object schema (with their schemas), or undefined when `schema` is not one. */
export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return def.shape;
  // A union with an object member (`false | { perSec, burst }`): that member's keys.
  if (def.type === 'union') return def.options?.map(shapeOf).find((s) => s !== undefined);
  return undefined;
}

/** A key's type and range as text: "integer" and "1..255", "boolean", "'none' | 'signed'"… */
export function describe(schema: z.ZodType): { type: string; range?: string } {
  const doc = docOf(schema);
  const own = describeInner(unwrap(schema).inner);
  return { type: doc?.type ?? own.type, range: doc?.range ?? own.range };
}

function describeInner(s: z.ZodType): { type: string; range?: string } {
  const def = defOf(s);
  const library = (z.globalRegistry.get(s) as { libraryType?: string } | undefined)?.libraryType;
  if (library) return { type: library };
  switch (def.type) {
    case 'number': {
      const n = s as z.ZodNumber;
      const min = n.minValue !== null && Number.isFinite(n.minValue) && n.minValue > Number.MIN_SAFE_INTEGER ? n.minValue : undefined;
      const max = n.maxValue !== null && Number.isFinite(n.maxValue) && n.maxValue < Number.MAX_SAFE_INTEGER ? n.maxValue : undefined;
      const range = min !== undefined && max !== undefined ? `${min}..${max}` : min !== undefined ? `≥ ${min}` : max !== undefined ? `≤ ${max}` : undefined;
      return { type: n.isInt ? 'integer' : 'number', range };
    }
    case 'literal':
    case 'enum':
      return { type: (def.values ?? []).map((v) => JSON.stringify(v).replace(/"/g, "'")).join(' | ') };
    case 'union':
      return { type: (def.options ?? []).map((o) => describe(o).type).join(' | ') };
    case 'array':
      return { type: `array of ${describe(def.element!).type}` };
    case 'object':
      return { type: `{ ${Object.keys(def.shape ?? {}).join(', ')} }` };
    default:
      return { type: def.type };
  }
}

/** "integer in 1..255", "integer ≥ 256", "boolean". */
export function expectation(schema: z.ZodType): string {
  const { type, range } = describe(schema);
  if (!range) return type;
  return range.includes('..') ? `${type} in ${range}` : `${type} ${range}`;
}

/** A value as an error message shows it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    if (name && name !== 'Object') return `a ${name}`;
    return `an object with keys ${Object.keys(v as object).map((k) => JSON.stringify(k)).join(', ') || '(none)'}`;
  }
  return typeof v;
}

/** The known key nearest to `key`, when it is close enough to be a misspelling (≤ 2 edits, or a third of its length). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(key, known as string[]);
  const d = distance(key.toLowerCase(), best.toLowerCase());
  return d <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** The schema a path leads to inside `schema` (through wrappers, objects, arrays and union members). */
function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const key of path) {
    if (!s) return undefined;
    const { inner } = unwrap(s);
    const def = defOf(inner);
    if (def.type === 'object') s = def.shape?.[String(key)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'union') s = def.options?.map((o) => schemaAt(o, [key])).find((x) => x !== undefined);
    else return undefined;
  }
  return s;
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const key of path) v = isObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

const dotted = (path: Path): string => path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');

/**
 * For a value no member of a union accepted: the issue of the member that came closest (an issue
 * inside the value, not about its type as a whole), its path made absolute; else the union's own.
 */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !Array.isArray(issue.errors) || issue.errors.length === 0) return issue;
  // An unknown key in a member that is an object says most; then the deepest issue inside a member.
  const score = (i: Issue): number =>
    i.code === 'unrecognized_keys' ? 1_000 + i.path.length : i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'custom' || i.code === 'invalid_value') ? 0 : 1 + i.path.length;
  let best: Issue | undefined;
  for (const branch of issue.errors as Issue[][]) {
    for (const inner of branch) if (score(inner) > 0 && (!best || score(inner) > score(best))) best = inner;
  }
  return best ? deepest({ ...best, path: [...issue.path, ...best.path] } as Issue) : issue;
}

/** The message for one issue: the key with its path, what was expected, what was given. */
function message(issue: Issue, schema: z.ZodType, value: unknown, where: string): string {
  const i = deepest(issue);
  if (i.code === 'unrecognized_keys') {
    const container = schemaAt(schema, i.path);
    const known = Object.keys((container && shapeOf(container)) ?? {});
    const prefix = i.path.length > 0 ? `${dotted(i.path)}.` : '';
    return i.keys
      .map((k) => {
        const near = nearestKey(k, known);
        return `unknown option "${prefix}${k}" of ${where}${near ? ` — did you mean "${prefix}${near}"?` : ` (known: ${known.join(', ')})`}`;
      })
      .join('; ');
  }
  const at = schemaAt(schema, i.path);
  const given = show(valueAt(value, i.path));
  if (i.path.length === 0) return `${where} takes an options object, got ${given}`;
  const expected = at ? expectation(at) : i.message;
  return `option "${dotted(i.path)}" of ${where}: expected ${expected}, got ${given}`;
}

/**
 * `value` parsed by `schema` (defaults applied), or an InvalidArgumentError naming what is wrong.
 * `where` names the entry point in messages ("createNode", "route").
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  // Unknown keys first: a misspelt key explains a missing value better than anything else.
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new InvalidArgumentError(message(first, schema, value, where) + more);
}

/**
 * Compile-time check that a schema's input type is an options interface: the same keys, and each
 * key's type assignable both ways. `Assert<SameShape<z.input<typeof schema>, TheInterface>>`.
 */
export type SameShape<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never]
  ? { [K in keyof A & keyof B]-?: Mutual<A[K], B[K]> }[keyof A & keyof B] extends true
    ? true
    : false
  : false;
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile unless T is `true`. */
export type Assert<T extends true> = T;

/**
 * An array typed read-only without zod's `.readonly()`: that wrapper freezes what it is given even
 * inside a union branch that fails, which froze a bootstrap provider object (and would freeze the
 * caller's own array). Options pass the caller's objects through untouched.
 */
export function readonlyArray<T extends z.ZodType>(item: T): z.ZodType<ReadonlyArray<z.output<T>>, ReadonlyArray<z.input<T>>> {
  return z.array(item) as unknown as z.ZodType<ReadonlyArray<z.output<T>>, ReadonlyArray<z.input<T>>>;
}
