/** The options of mobile() and their check (zod): unknown keys and values out of range throw InvalidArgumentError. */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../contract';
import { MODULE_IDS } from '../moduleIds';
import { parseModuleOptions } from '../shared/moduleOptions';
import type { MobileDelivery } from './api';

/** The options of mobile(); every one optional. */
export interface MobileOptions {
  /** Module id (default MODULE_IDS.mobile, 0xfe12); another when two copies run side by side. */
  readonly id?: number;
  /** How long a send waits for the mobile node's acknowledgement, retry included (ms). Default DEFAULTS.mobileSendTimeoutMs. */
  readonly sendTimeoutMs?: number;
  /** How long an attach or detach waits for the proxy (ms). Default DEFAULTS.mobileRequestTimeoutMs. */
  readonly requestTimeoutMs?: number;
  /** How long an old proxy forwards to the new one after a move (ms). Default DEFAULTS.mobileForwardingMs. */
  readonly forwardingMs?: number;
  /** Called with each message for this node while it is attached as a mobile node (or set later with onMessage()). */
  readonly onMessage?: (payload: Uint8Array, info: MobileDelivery) => void;
}

const ms = () => z.number().int().min(1).max(3_600_000);

const mobileOptionsSchema = z.strictObject({
  id: z.number().int().min(0).max(MAX_MODULE_ID).default(MODULE_IDS.mobile),
  sendTimeoutMs: ms().default(DEFAULTS.mobileSendTimeoutMs),
  requestTimeoutMs: ms().default(DEFAULTS.mobileRequestTimeoutMs),
  forwardingMs: ms().default(DEFAULTS.mobileForwardingMs),
  onMessage: z.custom<NonNullable<MobileOptions['onMessage']>>((v) => typeof v === 'function', { message: 'expected a function' }).optional(),
});

/** mobile()'s options with their defaults filled in. */
export type MobileConfig = z.output<typeof mobileOptionsSchema>;

/** Checks mobile()'s options (InvalidArgumentError naming the key). */
export function parseMobileOptions(given: unknown): MobileConfig {
  return parseModuleOptions(mobileOptionsSchema, given, 'mobile');
}
