/**
 * The schema of route()'s options (RouteOptions, api/nodeOptions.ts). route() is the hot path, so
 * the node keeps a fast path for no options at all (ROUTE_DEFAULTS, the schema's own defaults).
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../../upcalls/contract';
import type { RouteOptions } from '../nodeOptions';
import { documented as doc, type Assert, type SameShape } from './schema';

/** An upcall module id an application may use (0 .. MAX_MODULE_ID). */
export const moduleIdSchema = () => z.number().int().min(0).max(MAX_MODULE_ID);

export const routeOptionsSchema = z.strictObject({
  fuzzy: doc(z.boolean().default(false), { description: "Deliver at the GUID's surrogate root when no node holds it exactly." }),
  ttl: doc(z.number().int().min(1).max(DEFAULTS.maxTtl).default(DEFAULTS.defaultTtl), { description: 'Most hops the message may take.' }),
  module: doc(moduleIdSchema().default(0), { description: 'Upcall module id that handles the message (ids above MAX_MODULE_ID are reserved).' }),
  confirm: doc(z.boolean().optional(), { default: 'false', description: 'Wait for the destination\'s end-to-end acknowledgement; without one, send again through another first hop (routes around neighbours that drop).' }),
  redundancy: doc(z.number().int().min(1).max(DEFAULTS.maxRouteRedundancy).optional(), { default: '1', description: 'With `confirm`: copies sent at once through distinct first hops; the destination delivers one.' }),
});

export type _RouteOptionsMatch = Assert<SameShape<z.input<typeof routeOptionsSchema>, RouteOptions>>;
export type ParsedRouteOptions = z.output<typeof routeOptionsSchema>;

/** What routeOptionsSchema makes of no options: the route() fast path's answer, taken from the schema itself. */
export const ROUTE_DEFAULTS: Readonly<ParsedRouteOptions> = Object.freeze(routeOptionsSchema.parse({}));

/**
 * A plain object with no enumerable key: options that ask for nothing, which a schema would turn into
 * its defaults (the fast path of route() and request()). Anything else goes through the schema.
 */
export function isEmpty(opts: unknown): boolean {
  if (typeof opts !== 'object' || opts === null) return false;
  const proto = Object.getPrototypeOf(opts);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in opts) return false;
  return true;
}
