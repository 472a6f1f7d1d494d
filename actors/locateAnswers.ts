/**
 * Locate answers under the node's provider: a server signs each LocateFound it sends
 * (security/locateAnswer.ts), and the origin takes an answer only when it proves the server it
 * names. Under `none` answers carry nothing extra and every matching one counts, as before.
 *
 * What the check buys: the answer's 64-bit id is known only on the locate's path, and the signature
 * is the named server's over that id, the object, the origin and its own handle — so a LocateFound
 * from anyone else (an off-path sprayer, a node on the path forging a server, a replay of another
 * locate's answer) is dropped. The frame's claimed sender must also be the named server.
 *
 * A locate for a self-certifying object (LocateOptions.owned) also needs the answer's ownership
 * claim to derive the object GUID and to cover its server (owner, or the owner's grant): a server
 * that merely signed its own answer — a squatter whose pointers were left where it published first,
 * or a node on the path claiming to serve it — is dropped too.
 */
import type { NodeHandle } from '../routing/handle';
import { DEFAULTS } from '../defaults';
import { LOCATION_MODULE_ID, type LocateFound, type LocateMsg, type OwnerClaim } from '../location/messages';
import type { Publisher } from '../location/publisher';
import { servedKey, ServedOnce } from '../location/servedOnce';
import { encodeLocation } from '../wire/locationCodec';
import type { LocatorHost } from './locatorRuntime';
import type { LocatorStats } from './locatorStats';
import type { RecordGate } from '../location/recordGate';
import { certifiesObject } from '../security/ownership';
import { signAnswer, verifyAnswer } from '../security/locateAnswer';
import type { SecurityProvider } from '../security/provider';

/** What serving a diverted locate needs from the locator. */
export interface Serving {
  readonly host: LocatorHost;
  readonly publisher: Publisher;
  readonly stats: LocatorStats;
}

export class LocateAnswers {
  /** Set by the locator once its publisher exists. */
  serving?: Serving;
  /** sendToObject messages already handed over here: delivered once per replica. */
  private readonly served = new ServedOnce(DEFAULTS.maxServedRemembered);

  constructor(
    private readonly provider: SecurityProvider,
    private readonly self: NodeHandle,
    /** Seconds on the network's wall clock (owner grants expire by it). */
    private readonly wallSeconds: () => number,
    /** Checks owner grants (with the record signatures' cache). */
    private readonly gate: RecordGate,
  ) {}

  get authenticates(): boolean {
    return this.provider.authenticates;
  }

  /** A diverted locate reached this server: answer the origin, hand over a sendToObject message. */
  serve(l: LocateMsg, hops: number, receivedBytes = Number.POSITIVE_INFINITY): void {
    const { host, publisher, stats } = this.serving!;
    const pub = publisher.get(l.object);
    if (!pub || (l.query !== '' && l.query !== pub.tag)) {
      // A stale pointer led here; the origin's attempt timeout covers the missing answer.
      stats.staleDiverts++;
      return;
    }
    const found = encodeLocation({ kind: 'found', found: this.answer(l, pub.tag, hops, pub.owner) });
    // The origin is only named by the locate: an answer larger than the locate that brought it would
    // reflect bytes to whatever address was named (an honest origin pads its locates to be as large).
    if (this.authenticates && found.length > receivedBytes) {
      // Larger than what came (a long tag, an owner's claim): only once the origin answered a small
      // ping at its address, which proves it receives there (return routability).
      if (!host.checkReturn) {
        stats.answersWithheld++;
        return;
      }
      host.checkReturn(l.origin, (answered) => {
        if (answered) host.sendDirect(l.origin, LOCATION_MODULE_ID, found, hops);
        else stats.answersWithheld++;
      });
      return;
    }
    host.sendDirect(l.origin, LOCATION_MODULE_ID, found, hops);
    if (l.payload.length > 0 && this.served.firstTime(servedKey(l.origin.guid.hex, l.locateId, l.locateKey))) {
      host.deliverLocal({
        dest: l.object, source: l.origin, hops, fuzzy: true, ttlExpired: false, moduleId: l.moduleId, payload: l.payload,
      });
    }
  }

  /** This server's answer to a diverted locate, signed when the provider authenticates. */
  answer(l: LocateMsg, tag: string, hops: number, owner?: OwnerClaim): LocateFound {
    const found: LocateFound = {
      locateId: l.locateId, locateKey: l.locateKey, object: l.object, server: this.self, tag, hops, pathLatency: l.pathLatency,
    };
    if (!this.provider.authenticates) return found;
    // The ownership claim proves itself (a self-certifying GUID, the owner's grant): not signed again.
    const signed = { ...found, serverKey: this.provider.credential(), signature: signAnswer(this.provider, found, l.origin.guid) };
    return owner === undefined ? signed : { ...signed, owner };
  }

  /**
   * Whether an answer to one of this node's locates proves its server: credential standing for the
   * server's GUID and its signature of this answer for this origin. Never throws.
   */
  holds(f: LocateFound, from?: NodeHandle, owned = false): boolean {
    if (!this.provider.authenticates) return true;
    if (f.serverKey === undefined || f.signature === undefined) return false;
    if (from !== undefined && !from.guid.equals(f.server.guid)) return false;
    if (!verifyAnswer(this.provider, f.serverKey, f, this.self.guid, f.signature)) return false;
    return !owned || this.ownerProven(f, f.serverKey);
  }

  /**
   * For a locate of a self-certifying object: the answer's claim derives the object GUID (so its key
   * is the owner's), and the server is the owner or carries the owner's unexpired grant.
   */
  private ownerProven(f: LocateFound, serverKey: Uint8Array): boolean {
    const o = f.owner;
    if (o === undefined || o.nameHash === undefined || !certifiesObject(f.object, o.key, o.nameHash)) return false;
    if (o.key.length === serverKey.length && Buffer.compare(o.key, serverKey) === 0) return true;
    const g = o.grant;
    return g !== undefined && g.expiresAt > this.wallSeconds() && this.gate.grantHolds(o.key, f.object, f.server.guid, g.expiresAt, g.signature);
  }
}
