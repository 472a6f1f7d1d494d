/**
 * Owner notices ("upstream wins"): first use records an object's owner at each node, so a squatter
 * that publishes an object through nodes the real publish never crossed is their first owner there;
 * its publish is refused only where it joins a real publish path. The node that refuses it sends the
 * owner's signed record back to the previous hop, if that hop is one of its routing-table members;
 * a node takes a notice only from its own next hop toward the record's salted root (where every
 * honest publish of the object goes), drops the pointers the owner does not cover, and passes the
 * notice on to the previous hops of those pointers — back along the squatter's path. A proven
 * (self-certifying) owner that takes an object over at a node starts the same walk from there.
 *
 * What it trusts: a table member that is the next hop toward the salted root. A hostile next hop
 * could already drop or rewrite what passes through it; an outsider is nobody's next hop.
 */
import type { NodeHandle } from '../routing/handle';
import { LOCATION_MODULE_ID, type PublishMsg } from '../location/messages';
import { saltedRoot } from '../location/saltedRoots';
import { nextHop } from '../routing/nextHop';
import { encodeLocation } from '../wire/locationCodec';
import type { LocatorHost } from './locatorRuntime';
import type { LocatorStats } from './locatorStats';
import type { PointerIntake } from './pointerIntake';

export class OwnerNotices {
  constructor(
    private readonly host: LocatorHost,
    private readonly intake: PointerIntake,
    private readonly stats: LocatorStats,
  ) {}

  /** `refused` was refused here for another owner: tell the table member that handed it over. */
  refused(refused: PublishMsg, from: NodeHandle | undefined): void {
    if (from === undefined || this.host.table.get(from.guid) === undefined) return; // strangers get nothing
    const record = this.intake.ownerNotice(refused);
    if (record !== undefined) this.send(from, record);
  }

  /** A notice arrived from `from`: taken only from this node's next hop toward the record's salted root. */
  received(record: PublishMsg, from: NodeHandle | undefined): void {
    let fromNextHop = false;
    if (from !== undefined) {
      const hop = nextHop(this.host.table, saltedRoot(record.object, record.saltIndex), 0);
      fromNextHop = hop.kind === 'forward' && hop.to.guid.equals(from.guid);
    }
    for (const { to, saltIndex } of this.intake.takeNotice(record, fromNextHop)) this.send(to, { ...record, saltIndex });
  }

  /** Sends the notices a takeover in the intake asked for, and empties its list. */
  flush(): void {
    const list = this.intake.notices;
    if (list.length === 0) return;
    for (const { to, saltIndex, record } of list.splice(0)) this.send(to, { ...record, saltIndex });
  }

  private send(to: NodeHandle, record: PublishMsg): void {
    if (this.host.table.get(to.guid) === undefined) return; // only table members are told, and can check it
    this.stats.ownerNoticesSent++;
    // Unacknowledged: a lost notice is sent again when the squatter's next publish is refused.
    this.host.sendDirect(to, LOCATION_MODULE_ID, encodeLocation({ kind: 'ownerNotice', notice: { record } }), 0, false);
  }
}
