/**
 * Whether a leave notice is acted on. A leave removes a node from this node's table, leaf set and
 * backpointers, so it must come from the leaving node itself:
 *
 * - Under an authenticating provider the notice is a statement the leaving node signed
 *   (security/leaveStatement.ts) and is acted on at once when: the frame's sender is the leaving node
 *   at the address it states; this node lists that GUID (if at all) at that same address; the
 *   signature verifies with a credential that stands for the GUID; the statement was issued within
 *   DEFAULTS.leaveFreshnessMs of this node's clock (either way: clocks are not synchronised, so the
 *   window is minutes); and it is newer than any leave already accepted for that GUID (LeaveReplays),
 *   so a copy sent again — within the window, or after the node came back — is refused.
 * - Under `none` nothing can be verified: the notice is only a hint, acted on once the leaving node
 *   fails a ping to the address this node lists it at (Admission.onLeave), so a forged leave for a
 *   live node changes nothing.
 *
 * Pure: time comes in as `now`.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from '../routing/boundedMap';
import { sameAddress, type Address, type NodeHandle } from '../routing/handle';
import { verifyLeave } from '../security/leaveStatement';
import type { SecurityProvider } from '../security/provider';
import type { LeaveNotice } from './messages';

/** Why a leave was not acted on. */
export type LeaveRefusal =
  /** The frame's sender is not the leaving node at the address the notice states. */
  | 'notFromLeaver'
  /** This node lists the leaving GUID at another address. */
  | 'otherAddress'
  /** No statement, or one whose credential or signature does not hold. */
  | 'badSignature'
  /** Issued outside the freshness window of this node's clock. */
  | 'stale'
  /** Not newer than a leave already accepted for the GUID. */
  | 'replay';

/**
 * The newest issued-at time accepted per leaving GUID, to refuse a leave sent again. Bounded at
 * DEFAULTS.maxLeaveReplays GUIDs, the least recently accepted forgotten first: a forgotten GUID's
 * replay is still refused once it falls out of the freshness window.
 */
export class LeaveReplays {
  private readonly newest = new BoundedMap<string, number>(DEFAULTS.maxLeaveReplays);

  /** Whether a leave of `guidHex` issued at `issuedAtMs` is newer than every one accepted. */
  isNew(guidHex: string, issuedAtMs: number): boolean {
    const seen = this.newest.get(guidHex);
    return seen === undefined || issuedAtMs > seen;
  }

  accept(guidHex: string, issuedAtMs: number): void {
    this.newest.refresh(guidHex, issuedAtMs);
  }

  get size(): number {
    return this.newest.size;
  }
}

/**
 * Judges a signed leave (an authenticating provider) from the frame sender `from`, the leaving GUID
 * being listed here at `listedAt` (undefined: not listed). Undefined when it is to be acted on, and
 * then it is remembered as accepted; the cheap checks run before the signature.
 */
export function judgeSignedLeave(
  notice: LeaveNotice,
  from: NodeHandle,
  listedAt: Address | undefined,
  security: SecurityProvider,
  now: number,
  replays: LeaveReplays,
): LeaveRefusal | undefined {
  const { leaving, issuedAtMs, credential, signature } = notice;
  if (!from.guid.equals(leaving.guid) || !sameAddress(from.address, leaving.address)) return 'notFromLeaver';
  if (listedAt !== undefined && !sameAddress(listedAt, leaving.address)) return 'otherAddress';
  if (issuedAtMs === undefined || credential === undefined || signature === undefined) return 'badSignature';
  if (!(Math.abs(now - issuedAtMs) <= DEFAULTS.leaveFreshnessMs)) return 'stale';
  if (!replays.isNew(leaving.guid.hex, issuedAtMs)) return 'replay';
  if (!verifyLeave(security, { leaving, replacement: notice.replacement, issuedAtMs, credential, signature })) return 'badSignature';
  replays.accept(leaving.guid.hex, issuedAtMs);
  return undefined;
}
