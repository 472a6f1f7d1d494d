/** The options of dht() and their check (zod, through anycast's parseModuleOptions). */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../contract';
import { MODULE_IDS } from '../moduleIds';
import { parseModuleOptions } from '../shared/moduleOptions';
import type { DhtValidator } from './api';

/** The options of dht(); every one optional. */
export interface DhtOptions {
  /** Module id (default MODULE_IDS.dht, 0xfe13). */
  readonly id?: number;
  /** Salted roots per key. Default DEFAULTS.dhtSalts. */
  readonly salts?: number;
  /** Nodes holding each salted root's copy, the root included. Default DEFAULTS.dhtReplicas. */
  readonly replicas?: number;
  /** How long a put, get or remove waits (ms). Default DEFAULTS.dhtRequestTimeoutMs. */
  readonly requestTimeoutMs?: number;
  /** How long a record lives without a republish (ms). Default DEFAULTS.dhtRecordLifetimeMs. */
  readonly recordLifetimeMs?: number;
  /** How often a publisher republishes (ms). Default DEFAULTS.dhtRepublishMs. */
  readonly republishMs?: number;
  /** Checks and chooses records (every node of a mesh should use the same). Default: any value, the newest version wins. */
  readonly validator?: DhtValidator;
}

const schema = z
  .strictObject({
    id: z.number().int().min(0).max(MAX_MODULE_ID).default(MODULE_IDS.dht),
    salts: z.number().int().min(1).max(DEFAULTS.dhtMaxSalts).default(DEFAULTS.dhtSalts),
    replicas: z.number().int().min(1).max(DEFAULTS.dhtMaxReplicas).default(DEFAULTS.dhtReplicas),
    requestTimeoutMs: z.number().int().min(1).max(3_600_000).default(DEFAULTS.dhtRequestTimeoutMs),
    recordLifetimeMs: z.number().int().min(1).max(DEFAULTS.dhtRecordLifetimeMs).default(DEFAULTS.dhtRecordLifetimeMs),
    republishMs: z.number().int().min(1).max(86_400_000).default(DEFAULTS.dhtRepublishMs),
    validator: z.custom<DhtValidator>((v) => typeof v === 'object' && v !== null && typeof (v as DhtValidator).validate === 'function', 'must be an object with validate(key, value)').optional(),
  })
  // A record must outlive the period that refreshes it.
  .refine((o) => o.republishMs < o.recordLifetimeMs, { message: 'must be shorter than recordLifetimeMs', path: ['republishMs'] });

export type DhtConfig = z.output<typeof schema>;

export function parseDhtOptions(given: unknown): DhtConfig {
  return parseModuleOptions(schema, given, 'dht');
}
