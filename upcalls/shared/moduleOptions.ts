/**
 * How every shipped module checks its options (zod): unknown keys and values out of range throw
 * InvalidArgumentError naming the key.
 */
import type { z } from 'zod';
import { InvalidArgumentError } from '../../errors';

/** Parses a module's options: InvalidArgumentError naming each key that is unknown or out of range. */
export function parseModuleOptions<S extends z.ZodType>(schema: S, given: unknown, where: string): z.output<S> {
  const r = schema.safeParse(given ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || ('keys' in i ? (i.keys as string[]).join(', ') : 'options')}: ${i.message}`);
    throw new InvalidArgumentError(`${where}: ${issues.join('; ')}`);
  }
  return r.data;
}
