/** Option parsers shared by the `tapestry` subcommands (commander calls them with the raw string). */
import { InvalidArgumentError as UsageError } from 'commander';

/** Parses an integer option in min..max. */
export function intOption(min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`must be an integer in ${min}..${max}, got "${v}"`);
    return n;
  };
}

/** Collects a repeatable option's values. */
export function collect(v: string, previous: string[] = []): string[] {
  return [...previous, v];
}
