/**
 * A session's GUIDs: the session GUID is the hash of its name under the 'bayeux:' prefix (so a session
 * and an object or anycast group of the same name never share pointers); root replica i roots the
 * tree GUID saltedRoot(session, i), the same salting the location layer uses for its roots.
 */
import { Guid, type IdSpace } from '../../routing/guid';
import { saltedRoot } from '../../location/saltedRoots';
import { groupGuid } from '../shared/groupGuid';

/** The GUID of session `session` (a name, or a GUID of this id space). */
export function sessionGuid(session: string | Guid, space: IdSpace, maxNameBytes: number): Guid {
  return groupGuid(session, space, maxNameBytes, 'bayeux:');
}

/**
 * The object GUID a session's root replicas publish and members locate: the session GUID salted with
 * the module id, so that two Bayeux modules side by side (another id, another join mode) never find
 * each other's roots under one session name.
 */
export function locatorGuid(session: Guid, moduleId: number): Guid {
  return Guid.fromName(`bayeux-roots:${moduleId}:${session.hex}`, session.bits);
}

/** The tree GUID of root replica `replica` of `session`. */
export function treeGuid(session: Guid, replica: number): Guid {
  return saltedRoot(session, replica);
}
