/**
 * The options of anycast() and their check (zod): unknown keys and values out of range throw
 * InvalidArgumentError naming the key (upcalls/shared/moduleOptions.ts).
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../contract';
import { MODULE_IDS } from '../moduleIds';

/** The options of anycast(); every one optional. */
export interface AnycastOptions {
  /** Module id (default MODULE_IDS.anycast, 0xfe11); another when two copies run side by side. */
  readonly id?: number;
  /** How long a send waits for its member's acknowledgement (ms). Default DEFAULTS.anycastSendTimeoutMs. */
  readonly sendTimeoutMs?: number;
  /** How long announce, join and teardown wait for the group root (ms). Default DEFAULTS.anycastRequestTimeoutMs. */
  readonly requestTimeoutMs?: number;
  /** How often an announcer refreshes its group record (ms). Default DEFAULTS.anycastAnnounceRefreshMs. */
  readonly announceRefreshMs?: number;
  /** How often a member asks the root whether its group was torn down (ms). Default DEFAULTS.anycastMemberCheckMs. */
  readonly memberCheckMs?: number;
}

const ms = (max: number) => z.number().int().min(1).max(max);

export const anycastOptionsSchema = z.strictObject({
  id: z.number().int().min(0).max(MAX_MODULE_ID).default(MODULE_IDS.anycast),
  sendTimeoutMs: ms(3_600_000).default(DEFAULTS.anycastSendTimeoutMs),
  requestTimeoutMs: ms(3_600_000).default(DEFAULTS.anycastRequestTimeoutMs),
  announceRefreshMs: ms(DEFAULTS.anycastGroupRecordLifetimeMs).default(DEFAULTS.anycastAnnounceRefreshMs),
  memberCheckMs: ms(86_400_000).default(DEFAULTS.anycastMemberCheckMs),
});

/** anycast()'s options with their defaults filled in. */
export type AnycastConfig = z.output<typeof anycastOptionsSchema>;
