/**
 * Option parsers shared by the `tapestry` subcommands. Commander calls each with the raw string; a
 * bad value throws commander's InvalidArgumentError, which commander turns into one usage line and
 * exit code 1 (no stack trace).
 */
import { InvalidArgumentError as UsageError } from 'commander';

/** Parses an integer option ≥ `min` (commander calls it with the raw string). */
export function intOption(min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`must be an integer in ${min}..${max}, got "${v}"`);
    return n;
  };
}

/** Parses a finite number in [min, max] (bounds included unless `openMin`: then min itself is refused). */
export function numberOption(min: number, max: number, openMin = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const low = openMin ? n > min : n >= min;
    if (v.trim() === '' || !Number.isFinite(n) || !low || n > max) throw new UsageError(`must be a number in ${openMin ? '(' : '['}${min}, ${max}], got "${v}"`);
    return n;
  };
}

/** Parses one of a fixed set of words. */
export function choiceOption<T extends string>(choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(choices as readonly string[]).includes(v)) throw new UsageError(`must be one of ${choices.join(', ')}, got "${v}"`);
    return v as T;
  };
}

/** Collects a repeatable option's values. */
export function collect(v: string, previous: string[] = []): string[] {
  return [...previous, v];
}
