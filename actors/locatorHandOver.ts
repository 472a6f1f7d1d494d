/**
 * Pointer hand-over at run time: the pointers a node that joined is now the next hop for, and every
 * pointer a leaving node roots, sent to the node that now roots them (location/handOver.ts batches
 * them); a pointer handed here is kept and published on toward its root.
 */
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { handOverBatches } from '../location/handOver';
import { LOCATION_MODULE_ID, type LocationMsg, type PublishMsg } from '../location/messages';
import type { PointerStore } from '../location/pointerStore';
import { saltedRoot } from '../location/saltedRoots';
import { nextHop, rootWithout } from '../routing/nextHop';
import { encodeLocation } from '../wire/locationCodec';
import type { LocatorStats } from './locatorStats';
import type { RuntimeHost } from './routerTypes';

/** What hand-over sends through. */
export interface HandOverHost extends RuntimeHost {
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number, acked?: boolean): void;
}

/** The locator's own steps a hand-over uses. */
export interface HandOverSteps {
  /** Every check a publish's pointer passes before it is kept; true when stored. */
  took(p: PublishMsg, from: NodeHandle | undefined): boolean;
  routeToRoot(object: Guid, salt: number, msg: LocationMsg): void;
}

export class LocatorHandOver {
  /** Set once this node hands over to leave: what still reaches it as root is passed on. */
  private isLeaving = false;

  constructor(
    private readonly host: HandOverHost,
    private readonly store: PointerStore,
    private readonly stats: LocatorStats,
    private readonly steps: HandOverSteps,
  ) {}

  /** A pointer handed to this node: kept, and published on toward its root unless this node roots it. */
  accept(handed: PublishMsg, from?: NodeHandle): void {
    // A handed-over record asks no acknowledgement: its publisher waits for none from this path.
    const { ackNonce: _nonce, ...p } = handed;
    if (!this.steps.took(p, from)) return;
    const dest = saltedRoot(p.object, p.saltIndex);
    if (nextHop(this.host.table, dest, 0).kind !== 'root') this.steps.routeToRoot(p.object, p.saltIndex, { kind: 'publish', publish: p });
    // A leaving node that roots it (its sender did not know this one leaves) passes it on at once.
    else if (this.isLeaving) this.send((salted) => (salted.equals(dest) ? rootWithout(this.host.table, dest) : undefined));
  }

  /** A node joined: it gets the pointers it is now the next hop for. */
  joined(node: NodeHandle): void {
    if (this.isLeaving) return;
    const table = this.host.table;
    this.send((dest) => {
      const hop = nextHop(table, dest, 0);
      return hop.kind === 'forward' && hop.to.guid.equals(node.guid) ? node : undefined;
    });
  }

  /** The nodes leaving with this one are gone from the table: hand over, and pass on what still arrives. */
  leaving(): void {
    this.isLeaving = true;
    this.onLeave();
  }

  /** Every pointer this node roots goes to the node that roots it without this one. */
  onLeave(): void {
    const table = this.host.table;
    this.send((dest) => (nextHop(table, dest, 0).kind === 'root' ? rootWithout(table, dest) : undefined));
  }

  /** Sends every pointer whose salted root `newRoot` names (a node other than this one) to it. */
  private send(newRoot: (saltedGuid: Guid) => NodeHandle | undefined): void {
    const now = this.host.now();
    for (const { to, handOver } of handOverBatches(this.store.all(now), now, this.host.self.guid, newRoot)) {
      this.stats.pointersHandedOver += handOver.pointers.length;
      // Unacknowledged, as membership sent it: a lost hand-over is mended by the next republish.
      this.host.sendDirect(to, LOCATION_MODULE_ID, encodeLocation({ kind: 'handOver', handOver }), 0, false);
    }
  }
}
