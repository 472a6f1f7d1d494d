/**
 * What the pure membership parts need from their node: a way to send a membership message to one
 * peer, to ping an address, and a one-shot timer on the node's clock. The runtime (actors/) wires it
 * to the router; tests pass a fake that records every call, so the protocol runs without a network.
 */
import type { Address, NodeHandle } from '../routing/handle';
import type { PingOptions as ProbeOptions, PingReply as ProbeReply } from '../routing/pings';
import type { RoutingTable } from '../routing/routingTable';
import type { PeerHealthView } from '../routing/peerHealth';
import type { LivenessStats } from './liveness';
import type { MembershipMsg } from './messages';
import type { SecurityProvider } from '../security/provider';

/**
 * A ping's answer and options as membership uses them: the router's own types (routing/pings.ts),
 * one definition, so a field added to a pong reaches membership without a second copy.
 */
export type { PingReply as ProbeReply, PingOptions as ProbeOptions } from '../routing/pings';

/** Called once when a ping ends: with the reply, or without (timeout, refused, closed). */
export type ProbeDone = (reply: ProbeReply | undefined, err?: Error) => void;

export interface MembershipPort {
  readonly self: NodeHandle;
  readonly table: RoutingTable;
  /** The node's clock (ms). */
  now(): number;
  /** Sends a membership message straight to one peer. */
  send(to: NodeHandle, msg: MembershipMsg): void;
  /** Pings an address; `done` runs in the event that ends the ping. */
  ping(to: Address, timeoutMs: number, done: ProbeDone, opts?: ProbeOptions): void;
  /** A one-shot timer on the node's clock. */
  after(ms: number, fire: () => void): () => void;
  /** The bytes a message takes on the wire (its encoded payload): what an answer to an unproven address spends. */
  sizeOf?(msg: MembershipMsg): number;
  /**
   * The node's security provider: a leave it sends is signed with it, and one it receives verified
   * (absent, or not authenticating: leaves are checked by a ping instead).
   */
  readonly security?: SecurityProvider;
  /** Round-trip estimates and when each peer was last heard from (the router keeps them). */
  readonly health: PeerHealthView & { track(key: string, now: number, address?: Address): void; forget(key: string): void; readonly suspected: Set<string> };
}

/** Counters of everything membership did; read through `node.stats.membership`. */
/**
 * What the membership module counts (`node.stats.membership`): joins served, neighbours learnt and
 * lost, repairs. Counts since the node started; they only grow.
 */
export interface MembershipStats extends LivenessStats {
  /** Joining nodes this node served as surrogate (it started their acknowledged multicast). */
  joinsServed: number;
  /** Join multicasts received from a parent and passed on. */
  multicastsReceived: number;
  /** Neighbour requests (a level's entries, or the leaf set) this node answered. */
  neighbourRequestsServed: number;
  /** Adopt messages received: a node announcing it lists this node (or answering whether it does). */
  adopted: number;
  /** Leave notices received from neighbours leaving on purpose. */
  leavesReceived: number;
  /**
   * Leave notices not acted on: unsigned, badly signed, stale or replayed (an authenticating
   * provider), from another node or address than the leaving one, or (under `none`) for a node still
   * answering pings.
   */
  leavesRefused: number;
  /** Handles refused for naming a listed GUID at a new address that was not proven there (or, under `none`, whose old address still answers). */
  addressChangesRefused: number;
  /** Membership messages that did not decode, dropped. */
  malformed: number;
  /** Membership requests and probes that got no answer in time (or an answer from another GUID). */
  timeouts: number;
  /** Routing-table repair rounds started (a neighbour asked for a level's entries). */
  repairs: number;
  /** Neighbours found to have stopped answering and dropped from the table. */
  failuresDetected: number;
  /** Pongs that did not prove the answerer's GUID (no proof, a key that is not its GUID's, a bad signature): never admitted. */
  forgedCredentials: number;
  /** Peers that proved their GUID to this node (a signed nonce answered). */
  peersProven: number;
  /** Candidates sent to joining nodes for their holes (JoinCandidates messages). */
  holeCandidatesSent: number;
  /** Bootstrap addresses a provider resolved that this node's socket cannot reach (their family): skipped. */
  bootstrapUnreachable: number;
  /** Times this node found its own event loop stalled (a maintenance tick ran over DEFAULTS.stallThresholdMs late). */
  stallsNoticed: number;
  /** Maintenance datagrams sent past the budget (probes of suspected neighbours, which cannot wait). */
  maintenanceBudgetExceeded: number;
  /** Strangers' messages dropped because their source address or GUID prefix asked for too many challenges. */
  challengesLimited: number;
  /** Join multicasts from a peer that neither lists this node nor is listed by it: refused. */
  multicastsRefused: number;
  /** Challenges strangers asked for that the strangers' ping budget refused (never a heartbeat miss). */
  challengesRefused: number;
  /** Join requests whose joining node did not answer the surrogate's ping at its address: no multicast. */
  joinsUnverified: number;
  /** Neighbour requests from unproven addresses answered with a cookie to echo instead of the (larger) answer. */
  neighbourRetriesSent: number;
  /** Answers not sent because not even a cookie fitted in what the unproven requester sent. */
  answersWithheld: number;
  /**
   * Resolve-only nodes kept out (routing/resolveOnly.ts): flagged handles offered for admission, pings
   * answered by one, and membership messages (joins, adopts, neighbour requests...) one sent.
   */
  resolveOnlyRefused: number;
}

export function emptyMembershipStats(): MembershipStats {
  return {
    joinsServed: 0, multicastsReceived: 0, neighbourRequestsServed: 0, adopted: 0, leavesReceived: 0, leavesRefused: 0, addressChangesRefused: 0,
    malformed: 0, timeouts: 0, repairs: 0, failuresDetected: 0,
    forgedCredentials: 0, peersProven: 0, holeCandidatesSent: 0, bootstrapUnreachable: 0,
    livenessChecks: 0, livenessProbes: 0, missesDiscounted: 0, checksAnswered: 0, probesRefused: 0, stallsNoticed: 0, maintenanceBudgetExceeded: 0,
    challengesLimited: 0, multicastsRefused: 0, challengesRefused: 0, joinsUnverified: 0, neighbourRetriesSent: 0, answersWithheld: 0,
    resolveOnlyRefused: 0,
  };
}
