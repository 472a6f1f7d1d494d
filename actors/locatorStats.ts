import type { OwnershipStats } from '../location/ownership';
import type { PublishAckStats, UnpublishAckStats } from '../location/publishAcks';

/**
 * What the object-location module counts (`node.stats.location`): publications, pointers held for
 * others, locates. Counts since the node started; they only grow.
 */
export interface LocatorStats extends OwnershipStats, PublishAckStats, UnpublishAckStats {
  /**
   * Publishes refused for an ownership claim that does not hold: a self-certifying name that does
   * not give the object, or a server other than the owner without a valid, unexpired grant.
   */
  ownerClaimsInvalid: number;
  /** Publishes refused under an authenticating provider because the hop that sent them is no admitted peer (not listed here, not a backpointer). */
  publishesFromStrangers: number;
  /** Diverted locates not answered because the answer would be larger than the locate that brought it (an unpadded locate under an authenticating provider). */
  answersWithheld: number;
  /** Owner notices sent back along a publish path after refusing a publish for another owner. */
  ownerNoticesSent: number;
  /** Owner notices that replaced a first-use owner here (and dropped the pointers it did not cover). */
  ownerNoticesTaken: number;
  /** Owner notices ignored: not from the next hop toward the salted root, or a record or claim that does not hold. */
  ownerNoticesRefused: number;
  /** Objects this node published (one per `publish` call, whatever the number of salted roots). */
  published: number;
  /** Publications walked again to refresh their pointers' expiry (one per object per round). */
  republished: number;
  /** Pointers stored or renewed here for other servers' objects. */
  pointersStored: number;
  /** Pointers refused here: store bounds, a replayed or expired record. */
  pointersRefused: number;
  /** Extra pointer copies sent to nearby nodes (pointer caching on the first hops). */
  extraPointersSent: number;
  /** Locates this node started. */
  locatesStarted: number;
  /** Locate copies sent straight to a server this node holds a pointer for (one per server), instead of on toward the root. */
  locatesDiverted: number;
  /** Replicas found by this node's locates (one per answering server, so a locate may add several). */
  locatesFound: number;
  /** Locates that ended with NotFoundError: a salted root answered and no replica was found. */
  locatesNotFound: number;
  /** Locates that ended with TimeoutError: no salted root answered in time. */
  locatesTimedOut: number;
  /** Tries at one salted root that got no answer in time (a locate may try several roots). */
  attemptsTimedOut: number;
  /** Answers for a locate that had already ended or for another object, ignored. */
  staleReplies: number;
  /**
   * Answers for one of this node's locates (id and object matched) that did not prove the server they
   * named (under an authenticating provider: no signature, a credential that is not the server's, a
   * signature that does not verify): dropped, never returned.
   */
  forgedAnswers: number;
  /** Diverted locates that reached a server no longer serving the object (or another tag). */
  staleDiverts: number;
  /** Location messages that did not decode, dropped. */
  malformed: number;
  /** Pointer records this node handed to a new root (location hand-over messages). */
  pointersHandedOver: number;
  /** Pointer records received in location hand-over messages. */
  pointersTakenOver: number;
}
