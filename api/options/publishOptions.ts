/** The schema of publish()'s options: the tag a locate's `query` matches. */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import type { PublishOptions } from '../nodeOptions';
import { documented as doc, shaped, utf8String, type Assert, type SameShape } from './schema';
import type { OwnerGrant } from '../../actors/ownerClaims';
import { Guid } from '../../routing/guid';

export const publishOptionsSchema = z.strictObject({
  tag: doc(utf8String(DEFAULTS.maxTagBytes).default(''), {
    description: "A tag locates can select this replica by (their `query`); empty for none.",
    range: `≤ ${DEFAULTS.maxTagBytes} UTF-8 bytes`,
  }),
  owner: doc(z.union([z.literal(false), shaped<OwnerGrant>('OwnerGrant', isGrant)]).optional(), {
    type: 'false | OwnerGrant',
    description: "Under `signed`: false publishes an open object anyone may serve; an OwnerGrant (the owner's `grantPublish`) publishes as the server it authorises.",
    default: 'this node owns it (if `objectOwnership`)',
  }),
  name: doc(utf8String(DEFAULTS.maxTagBytes).optional(), {
    description: "The object is this node's self-certifying object of this name (`node.ownedObject(name)`): no one else can publish it.",
    range: `≤ ${DEFAULTS.maxTagBytes} UTF-8 bytes`,
  }),
});

/** Whether a value has an OwnerGrant's fields (the grant's signature is checked by every hop). */
function isGrant(v: unknown): boolean {
  const g = v as Partial<OwnerGrant> | null;
  return typeof g === 'object' && g !== null && g.object instanceof Guid && g.server instanceof Guid
    && g.ownerKey instanceof Uint8Array && g.signature instanceof Uint8Array && typeof g.expiresAt === 'number'
    && (g.nameHash === undefined || g.nameHash instanceof Uint8Array);
}

export type _PublishOptionsMatch = Assert<SameShape<z.input<typeof publishOptionsSchema>, PublishOptions>>;
