/**
 * The peers a node has seen prove their GUID (a signed nonce answered), each with the address it
 * answered from. Admission to the routing table, leaf set and backpointers asks here first, so a
 * peer that is learnt about second-hand (a join multicast, an adopt) is challenged once, not on every
 * mention. Keyed by GUID and address together: a proof made at one address does not let another
 * address claim the same GUID.
 *
 * Bounded: at most `maxEntries`, the least recently proven forgotten first; a forgotten peer is
 * simply challenged again.
 */
import { InvalidArgumentError } from '../errors';
import { BoundedMap } from '../routing/boundedMap';
import { sameAddress, type Address, type NodeHandle } from '../routing/handle';

export class ProvenPeers {
  /** GUID hex → the address it proved itself at; least recently proven first. */
  private readonly peers: BoundedMap<string, Address>;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidArgumentError(`maxEntries must be an integer ≥ 1, got ${maxEntries}`);
    this.peers = new BoundedMap(maxEntries);
  }

  get size(): number {
    return this.peers.size;
  }

  /** Whether this GUID was proven at this address. */
  has(peer: NodeHandle): boolean {
    const at = this.peers.get(peer.guid.hex);
    return at !== undefined && sameAddress(at, peer.address);
  }

  /** Records a proof; re-proving moves the peer to the most recent end. */
  add(peer: NodeHandle): void {
    this.peers.refresh(peer.guid.hex, peer.address);
  }
}
