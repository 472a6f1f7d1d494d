/** The options of drt() and their check (zod, through anycast's parseModuleOptions). */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../contract';
import { MODULE_IDS } from '../moduleIds';
import { parseModuleOptions } from '../shared/moduleOptions';

/** The options of drt(); every one optional. */
export interface DrtOptions {
  /** Module id (default MODULE_IDS.drt, 0xfe14). */
  readonly id?: number;
  /** How long a registration lives unless refreshed (ms), ≤ drtMaxLifetimeMs. Default DEFAULTS.drtLifetimeMs. */
  readonly lifetimeMs?: number;
  /** How often this node refreshes its registrations (ms); shorter than lifetimeMs. Default DEFAULTS.drtRefreshMs. */
  readonly refreshMs?: number;
  /** How long an operation, or one step of an iterative search, waits (ms). Default DEFAULTS.drtRequestTimeoutMs. */
  readonly requestTimeoutMs?: number;
  /** How often leaf sets are re-read while a listener is set (ms). Default DEFAULTS.drtLeafSetPollMs. */
  readonly leafSetPollMs?: number;
}

const ms = (max: number) => z.number().int().min(1).max(max);

const schema = z
  .strictObject({
    id: z.number().int().min(0).max(MAX_MODULE_ID).default(MODULE_IDS.drt),
    lifetimeMs: ms(DEFAULTS.drtMaxLifetimeMs).default(DEFAULTS.drtLifetimeMs),
    refreshMs: ms(DEFAULTS.drtMaxLifetimeMs).default(DEFAULTS.drtRefreshMs),
    requestTimeoutMs: ms(3_600_000).default(DEFAULTS.drtRequestTimeoutMs),
    leafSetPollMs: ms(86_400_000).default(DEFAULTS.drtLeafSetPollMs),
  })
  // A registration must outlive the period that refreshes it.
  .refine((o) => o.refreshMs < o.lifetimeMs, { message: 'must be shorter than lifetimeMs', path: ['refreshMs'] });

/** drt()'s options with their defaults filled in. */
export type DrtConfig = z.output<typeof schema>;

/** Parses drt()'s options: InvalidArgumentError naming each key that is unknown or out of range. */
export function parseDrtOptions(given: unknown): DrtConfig {
  return parseModuleOptions(schema, given, 'drt');
}
