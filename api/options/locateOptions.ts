/**
 * The schemas of locate()'s options (LocateOptions) and sendToObject()'s (SendToObjectOptions, the
 * same plus the module that receives the message), api/nodeOptions.ts.
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import type { LocateOptions, SendToObjectOptions } from '../nodeOptions';
import { moduleIdSchema } from './routeOptions';
import { documented as doc, hasMethods, isObject, shaped, utf8String, type Assert, type SameShape } from './schema';

/** An AbortSignal by its shape (it may come from another realm or a polyfill). */
export const isSignal = (v: unknown): boolean => isObject(v) && typeof v.aborted === 'boolean' && hasMethods(v, 'addEventListener');

const locateShape = {
  query: doc(utf8String(DEFAULTS.maxTagBytes).default(''), {
    description: 'Only replicas published with this tag; empty matches any.',
    range: `≤ ${DEFAULTS.maxTagBytes} UTF-8 bytes`,
  }),
  replicas: doc(z.number().int().min(1).max(DEFAULTS.maxReplicas).default(1), { description: 'How many distinct replicas to find.' }),
  signal: doc(shaped<AbortSignal>('AbortSignal', isSignal).optional(), { description: 'Ends the locate with AbortedError.', default: 'none' }),
  owned: doc(z.boolean().default(false), {
    description: "Under `signed`: the object is a self-certifying GUID (`ownedObjectGuid`); only answers proving its owner authorised the server count.",
  }),
};

export const locateOptionsSchema = z.strictObject(locateShape);

export const sendToObjectOptionsSchema = z.strictObject({
  ...locateShape,
  module: doc(moduleIdSchema().default(0), { description: 'Upcall module that receives the message at each replica.' }),
});

export type _LocateOptionsMatch = Assert<SameShape<z.input<typeof locateOptionsSchema>, LocateOptions>>;
export type _SendToObjectOptionsMatch = Assert<SameShape<z.input<typeof sendToObjectOptionsSchema>, SendToObjectOptions>>;
