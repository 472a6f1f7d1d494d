/** The schema of publish()'s options: the tag a locate's `query` matches. */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import type { PublishOptions } from '../nodeOptions';
import { documented as doc, utf8String, type Assert, type SameShape } from './schema';

export const publishOptionsSchema = z.strictObject({
  tag: doc(utf8String(DEFAULTS.maxTagBytes).default(''), {
    description: "A tag locates can select this replica by (their `query`); empty for none.",
    range: `≤ ${DEFAULTS.maxTagBytes} UTF-8 bytes`,
  }),
});

export type _PublishOptionsMatch = Assert<SameShape<z.input<typeof publishOptionsSchema>, PublishOptions>>;
