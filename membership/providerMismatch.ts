/**
 * Peers whose security provider does not match this node's. Two ways to learn it, one for each side:
 * - this node does not authenticate (`none`) and a peer's ping carried a challenge: that peer admits
 *   only peers that prove their GUID, which this node can never do, so it will never list this node
 *   and this node does not list it either (`demandsProof`);
 * - this node authenticates and a peer answered its challenge with no credential and no proof at all:
 *   it runs without authentication, and is never admitted here (`givesNoProof`).
 *
 * The challenge itself is the refusal a `none` node can see: a signed node challenges exactly the
 * peers it has no proof from, so no new message is needed, and nothing is sent back.
 *
 * Bounded (DEFAULTS.maxMismatchedPeers, oldest forgotten first) and held for
 * DEFAULTS.mismatchMemoryMs after the peer last showed the mismatch, so a reconfigured peer is
 * taken again. Pure: time comes in as `now`.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from '../routing/boundedMap';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';

export type MismatchKind = 'demandsProof' | 'givesNoProof';

export interface Mismatch {
  readonly peer: NodeHandle;
  readonly kind: MismatchKind;
}

interface Seen extends Mismatch {
  readonly at: number;
}

export class ProviderMismatches {
  /** GUID hex → the peer's last mismatch, least recently seen first. */
  private readonly peers: BoundedMap<string, Seen>;

  constructor(
    limit: number = DEFAULTS.maxMismatchedPeers,
    private readonly memoryMs: number = DEFAULTS.mismatchMemoryMs,
  ) {
    this.peers = new BoundedMap(limit);
  }

  get size(): number {
    return this.peers.size;
  }

  /** Records a mismatch seen at `now`; true when it is news (not remembered already): warn about it. */
  note(peer: NodeHandle, kind: MismatchKind, now: number): boolean {
    const news = this.of(peer.guid, now)?.kind !== kind;
    this.peers.refresh(peer.guid.hex, { peer, kind, at: now });
    return news;
  }

  /** The mismatch remembered for `guid` at `now`, if any. */
  of(guid: Guid, now: number): Mismatch | undefined {
    const seen = this.peers.get(guid.hex);
    if (seen === undefined) return undefined;
    if (now - seen.at <= this.memoryMs) return seen;
    this.peers.delete(guid.hex);
    return undefined;
  }
}

/** A probe that ended on a provider mismatch (the answer carried no proof) says so instead of timing out silently. */
export class MismatchError extends Error {
  constructor(readonly mismatch: Mismatch) {
    super(`provider mismatch with ${mismatch.peer.guid.hex}: ${mismatch.kind}`);
    this.name = 'MismatchError';
  }
}
