/** The schema of node.request()'s options (RequestOptions, api/request.ts). */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import type { RequestOptions } from '../request';
import { isSignal } from './locateOptions';
import { moduleIdSchema } from './routeOptions';
import { documented as doc, shaped, type Assert, type SameShape } from './schema';

/** setTimeout's largest delay: a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const requestOptionsSchema = z.strictObject({
  fuzzy: doc(z.boolean().default(false), { description: "Answered by the GUID's surrogate root when no node holds it exactly; otherwise only by the node holding it." }),
  timeoutMs: doc(z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULTS.requestTimeoutMs), { description: 'How long to wait for the reply before TimeoutError (ms).' }),
  signal: doc(shaped<AbortSignal>('AbortSignal', isSignal).optional(), { description: 'Ends the wait with AbortedError (at once if already aborted).', default: 'none' }),
  module: doc(moduleIdSchema().default(0), { description: 'The upcall module that answers at the destination.' }),
  ttl: doc(z.number().int().min(1).max(DEFAULTS.maxTtl).default(DEFAULTS.defaultTtl), { description: 'Most hops the request may take.' }),
});

export type _RequestOptionsMatch = Assert<SameShape<z.input<typeof requestOptionsSchema>, RequestOptions>>;

/** What requestOptionsSchema makes of no options: request()'s fast path when it is given none, taken from the schema itself. */
export const REQUEST_DEFAULTS: Readonly<z.output<typeof requestOptionsSchema>> = Object.freeze(requestOptionsSchema.parse({}));
