/**
 * A leave statement: "I, this GUID at this address, leave at this time (and this node may take my
 * slot)", signed by the leaving node. A receiver acts on a leave only when the statement verifies
 * with a credential that stands for the leaving GUID (membership/leaveGate.ts says what else it
 * checks: that the leaving node sent it, from the address listed for it, recently, and only once).
 *
 * Canonical bytes as for records (canonical.ts): a domain tag first, every variable field length
 * prefixed, the time as two big-endian u32 halves of a whole number of ms.
 */
import type { NodeHandle } from '../routing/handle';
import { CanonicalWriter } from './canonical';
import { writeAddress } from './canonicalAddress';
import type { SecurityProvider } from './provider';

/** Domain tag of a leave statement. */
export const LEAVE_DOMAIN = 'tapestry/leave/v1';

/** What a leaving node states. */
export interface LeaveStatement {
  readonly leaving: NodeHandle;
  readonly replacement?: NodeHandle;
  /** When it was issued (whole ms on the leaving node's clock: wall time on real networks). */
  readonly issuedAtMs: number;
}

/** The statement with its signature, as a LeaveNotice carries it. */
export interface SignedLeave extends LeaveStatement {
  readonly credential?: Uint8Array;
  readonly signature?: Uint8Array;
}

const TWO_32 = 0x1_0000_0000;

/** The bytes a leaving node signs. Throws InvalidArgumentError for a time or handle no node could state. */
export function leaveMessage(s: LeaveStatement): Uint8Array {
  const t = s.issuedAtMs;
  const w = new CanonicalWriter(LEAVE_DOMAIN).bytes8(s.leaving.guid.bytes);
  writeAddress(w, s.leaving.address);
  if (s.replacement === undefined) w.u8(0);
  else writeAddress(w.u8(1).bytes8(s.replacement.guid.bytes), s.replacement.address);
  // u32 checks each half: a time that is negative, fractional or beyond 2^53 does not encode.
  return w.u32(Math.floor(t / TWO_32)).u32(t % TWO_32).finish();
}

/** The credential and signature a leaving node attaches to its statement. */
export function signLeave(provider: SecurityProvider, s: LeaveStatement): { credential: Uint8Array; signature: Uint8Array } {
  return { credential: provider.credential(), signature: provider.sign(leaveMessage(s)) };
}

/**
 * Whether the leave carries the leaving node's own signature of exactly this statement: its
 * credential stands for the leaving GUID and the signature verifies. Never throws.
 */
export function verifyLeave(provider: SecurityProvider, s: SignedLeave): boolean {
  if (s.credential === undefined || s.signature === undefined) return false;
  if (!Number.isSafeInteger(s.issuedAtMs) || s.issuedAtMs < 0) return false;
  let message: Uint8Array;
  try {
    message = leaveMessage(s);
  } catch {
    return false;
  }
  return provider.validateCredential(s.credential, s.leaving.guid) && provider.verify(s.credential, message, s.signature);
}
