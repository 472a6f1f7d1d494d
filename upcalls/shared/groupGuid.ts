/**
 * A group's GUID: the hash of its name, as object and session names are hashed elsewhere, under a
 * prefix of its own so that a group and an object (or a multicast session) of the same name never
 * share pointers. A Guid is taken as given.
 */
import { InvalidArgumentError } from '../../errors';
import { Guid, type IdSpace } from '../../routing/guid';

/** The GUID of anycast group `group` (a name, or a GUID of this id space). */
export function groupGuid(group: string | Guid, space: IdSpace, maxNameBytes: number, prefix = 'anycast:'): Guid {
  if (group instanceof Guid) {
    if (group.bytes.length !== space.bytes) throw new InvalidArgumentError(`group GUID has ${group.bytes.length * 8} bits; this node uses ${space.bits}`);
    return group;
  }
  if (typeof group !== 'string' || group.length === 0) throw new InvalidArgumentError('a group is a non-empty name or a Guid');
  if (Buffer.byteLength(group, 'utf8') > maxNameBytes) throw new InvalidArgumentError(`a name is at most ${maxNameBytes} UTF-8 bytes`);
  return Guid.fromName(prefix + group, space.bits as 160 | 256);
}
