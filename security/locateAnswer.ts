/**
 * The canonical bytes of a locate answer: what a server signs when it answers a diverted locate and
 * what the origin verifies before it takes the answer. The statement binds everything the origin acts
 * on — the locate's 64-bit id, the object, the origin's GUID, the server (GUID and address: where the
 * caller will go) and the tag — so an answer made for one locate is worth nothing for another, and
 * nobody but the named server can make one. Domain-tagged like every signed string (security/canonical.ts).
 *
 * Not signed: hops and path latency, which the origin only reports.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { CanonicalWriter } from './canonical';
import type { SecurityProvider } from './provider';
import { writeAddress } from './records';

/** Domain tag of a locate answer. */
export const ANSWER_DOMAIN = 'tapestry/locate-answer/v1';

/** What a server states in a LocateFound (location/messages.ts has the fields under these names). */
export interface LocateAnswer {
  readonly locateId: number;
  readonly locateKey: number;
  readonly object: Guid;
  readonly server: NodeHandle;
  readonly tag: string;
}

const utf8 = new TextEncoder();

/** The answer's canonical bytes for `origin`. Throws InvalidArgumentError for one no server may sign. */
export function encodeAnswer(a: LocateAnswer, origin: Guid): Uint8Array {
  const tag = utf8.encode(a.tag);
  if (tag.length > DEFAULTS.maxTagBytes) throw new InvalidArgumentError(`tag of ${tag.length} bytes is over ${DEFAULTS.maxTagBytes}`);
  const w = new CanonicalWriter(ANSWER_DOMAIN)
    .u32(a.locateId)
    .u32(a.locateKey)
    .bytes8(a.object.bytes)
    .bytes8(origin.bytes)
    .bytes8(a.server.guid.bytes);
  writeAddress(w, a.server.address);
  return w.bytes16(tag).finish();
}

/** This node's signature of an answer it gives `origin` (it must be the answer's server). */
export function signAnswer(provider: SecurityProvider, a: LocateAnswer, origin: Guid): Uint8Array {
  return provider.sign(encodeAnswer(a, origin));
}

/**
 * Whether `signature` is the answer's server's signature of it for `origin`, with `credential` the
 * server's: the credential must stand for the server's GUID first. Never throws.
 */
export function verifyAnswer(
  provider: SecurityProvider,
  credential: Uint8Array,
  a: LocateAnswer,
  origin: Guid,
  signature: Uint8Array,
): boolean {
  if (!provider.validateCredential(credential, a.server.guid)) return false;
  let bytes: Uint8Array;
  try {
    bytes = encodeAnswer(a, origin);
  } catch {
    return false;
  }
  return provider.verify(credential, bytes, signature);
}
