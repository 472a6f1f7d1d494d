/** The options of bayeux() and their check (zod, through anycast's parseModuleOptions). */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../contract';
import { MODULE_IDS } from '../moduleIds';
import { parseModuleOptions } from '../shared/moduleOptions';
import type { JoinMode } from './api';

/** The options of bayeux(); every one optional. */
export interface BayeuxOptions {
  /** 'bayeux' (default): JOIN to the root, TREE back; 'scribe': JOIN stops at the first on-tree node. */
  readonly joinMode?: JoinMode;
  /** Module id (default MODULE_IDS.bayeux, 0xfe10); another when two copies run side by side. */
  readonly id?: number;
  /** Refresh period of creators, members and Scribe tree nodes (ms). Default DEFAULTS.bayeuxRefreshMs. */
  readonly refreshMs?: number;
  /** Life of a root record, forwarding entry or Scribe child without a refresh (ms). Default DEFAULTS.bayeuxEntryLifetimeMs. */
  readonly entryLifetimeMs?: number;
  /** How long a join, heartbeat or createSession waits for an answer (ms). Default DEFAULTS.bayeuxRequestTimeoutMs. */
  readonly requestTimeoutMs?: number;
  /** Join attempts before join fails. Default DEFAULTS.bayeuxJoinAttempts. */
  readonly joinAttempts?: number;
}

const ms = (max: number) => z.number().int().min(1).max(max);

const schema = z
  .strictObject({
    joinMode: z.enum(['bayeux', 'scribe']).default('bayeux'),
    id: z.number().int().min(0).max(MAX_MODULE_ID).default(MODULE_IDS.bayeux),
    refreshMs: ms(86_400_000).default(DEFAULTS.bayeuxRefreshMs),
    entryLifetimeMs: ms(86_400_000).default(DEFAULTS.bayeuxEntryLifetimeMs),
    requestTimeoutMs: ms(3_600_000).default(DEFAULTS.bayeuxRequestTimeoutMs),
    joinAttempts: z.number().int().min(1).max(100).default(DEFAULTS.bayeuxJoinAttempts),
  })
  // State must outlive at least one refresh, or it lapses between refreshes.
  .refine((o) => o.entryLifetimeMs > o.refreshMs, { message: 'must be longer than refreshMs', path: ['entryLifetimeMs'] });

/** bayeux()'s options with their defaults filled in. */
export type BayeuxConfig = z.output<typeof schema>;

/** Checks bayeux()'s options: InvalidArgumentError naming each key that is unknown or out of range. */
export function parseBayeuxOptions(given: unknown): BayeuxConfig {
  return parseModuleOptions(schema, given, 'bayeux');
}
