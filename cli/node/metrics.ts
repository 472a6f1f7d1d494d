/**
 * The Prometheus metrics a `tapestry node` daemon serves (prom-client, a registry of its own).
 *
 * Everything the node already counts is read from `node.stats` when scraped: one snapshot per
 * scrape, mapped by the tables below (metric name → what in the stats it reads). Counters stay
 * counters in the exposition (the node's counts only grow); gauges are what the node holds now.
 * The two histograms need observations only the daemon can make: `observeHops` for every message
 * delivered to it and `observeLocate` for every locate it ran.
 *
 * Naming follows the Prometheus rules: one `tapestry_` prefix (the default process metrics too),
 * `_total` on counters, base units (`_bytes`, `_seconds`), and labels only with few values.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TapestryNode } from '../../api/tapestryNode';
import type { NodeStats } from '../../api/nodeStats';
import { InvalidArgumentError } from '../../errors';

/** How a locate ended, as the daemon saw it. */
export type LocateOutcome = 'found' | 'notFound' | 'timeout' | 'aborted' | 'error';

const LOCATE_OUTCOMES: readonly LocateOutcome[] = ['found', 'notFound', 'timeout', 'aborted', 'error'];
const STATUSES = ['STARTING', 'JOINING', 'ALONE', 'ACTIVE', 'NO_NETWORK', 'FAULTED', 'CLOSED'] as const;

/** Hop-count buckets: a mesh of N nodes routes in about log16(N) hops; failovers add a few. */
export const HOP_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32];
/** Locate latency buckets (seconds): loopback answers in milliseconds, a timeout takes seconds. */
export const LOCATE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** `someCamelCase` → `some_camel_case`: label values in the exposition's own style. */
export function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Values by label value, with the label values' names made snake_case. */
function bySnake(counts: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) out[snake(k)] = (out[snake(k)] ?? 0) + v;
  return out;
}

/** A counter read whole from the node's stats. */
interface CounterSpec {
  readonly name: string;
  readonly help: string;
  readonly read: (s: NodeStats) => number;
}

/** A counter with one label, its values read from the node's stats (label value → count). */
interface LabelledCounterSpec {
  readonly name: string;
  readonly help: string;
  readonly label: string;
  readonly read: (s: NodeStats) => Readonly<Record<string, number>>;
}

/** A gauge read from the node (what it holds now). */
interface GaugeSpec {
  readonly name: string;
  readonly help: string;
  readonly read: (n: TapestryNode, s: NodeStats) => number;
}

/** Counters read from `node.stats`: metric name → the stats field it reads. */
export const COUNTERS: readonly CounterSpec[] = [
  { name: 'tapestry_transport_datagrams_sent_total', help: 'Datagrams this node handed to the network.', read: (s) => s.transport.sent },
  { name: 'tapestry_transport_datagrams_received_total', help: 'Datagrams this node received from the network.', read: (s) => s.transport.received },
  { name: 'tapestry_transport_sent_bytes_total', help: 'Bytes in the datagrams this node sent.', read: (s) => s.transport.bytesSent },
  { name: 'tapestry_transport_received_bytes_total', help: 'Bytes in the datagrams this node received.', read: (s) => s.transport.bytesReceived },
  { name: 'tapestry_fragments_sent_total', help: 'Pieces sent for messages too large for one datagram (each piece counted).', read: (s) => s.router.fragmentsSent },
  { name: 'tapestry_reassembled_messages_total', help: 'Messages put back together from their pieces here.', read: (s) => s.reassembly.completed ?? 0 },
  { name: 'tapestry_routes_ttl_expired_total', help: 'Messages whose TTL ran out at this node (delivered here, or a request refused).', read: (s) => s.router.ttlExpired },
  { name: 'tapestry_requests_sent_total', help: 'Requests this node sent (one per request, however many pieces).', read: (s) => s.router.requestsSent },
  { name: 'tapestry_upcall_errors_total', help: 'Module upcalls that threw or rejected (contained, never a crash).', read: (s) => s.router.upcallErrors },
  { name: 'tapestry_objects_published_total', help: 'Objects this node published (one per publish call).', read: (s) => s.location.published },
  { name: 'tapestry_republishes_total', help: 'Publications walked again to refresh their pointers.', read: (s) => s.location.republished },
  { name: 'tapestry_pointers_stored_total', help: "Pointers stored or renewed here for other servers' objects.", read: (s) => s.location.pointersStored },
  { name: 'tapestry_pointers_refused_total', help: 'Pointers refused here (store bounds, a replayed or expired record).', read: (s) => s.location.pointersRefused },
  { name: 'tapestry_locates_started_total', help: 'Locates this node started.', read: (s) => s.location.locatesStarted },
  { name: 'tapestry_locates_diverted_total', help: 'Locate copies sent straight to a server this node holds a pointer for.', read: (s) => s.location.locatesDiverted },
  { name: 'tapestry_locate_replicas_found_total', help: "Replicas found by this node's locates (one per answering server).", read: (s) => s.location.locatesFound },
  { name: 'tapestry_locate_attempts_timed_out_total', help: 'Tries at one salted root that got no answer in time.', read: (s) => s.location.attemptsTimedOut },
  { name: 'tapestry_joins_served_total', help: 'Joining nodes this node served as surrogate.', read: (s) => s.membership.joinsServed },
  { name: 'tapestry_join_multicasts_received_total', help: 'Join multicasts received from a parent and passed on.', read: (s) => s.membership.multicastsReceived },
  { name: 'tapestry_leaves_received_total', help: 'Leave notices received from neighbours leaving on purpose.', read: (s) => s.membership.leavesReceived },
  { name: 'tapestry_failures_detected_total', help: 'Neighbours found to have stopped answering and dropped from the table.', read: (s) => s.membership.failuresDetected },
  { name: 'tapestry_repairs_total', help: 'Routing-table repair rounds started.', read: (s) => s.membership.repairs },
  { name: 'tapestry_liveness_checks_total', help: 'Quiet neighbours checked with a ping.', read: (s) => s.membership.livenessChecks },
  { name: 'tapestry_membership_timeouts_total', help: 'Membership requests and probes that got no answer in time.', read: (s) => s.membership.timeouts },
  { name: 'tapestry_peers_proven_total', help: 'Peers that proved their GUID to this node.', read: (s) => s.security.peersProven },
];

/** Counters with a label, read from `node.stats`: metric name → label → the stats fields it reads. */
export const LABELLED_COUNTERS: readonly LabelledCounterSpec[] = [
  {
    name: 'tapestry_messages_sent_total', label: 'kind',
    help: 'Messages this node sent, by kind: route (routes started here), forward (passed on one hop), direct (straight to a known node: replies and acknowledgements included), pong (answers to pings).',
    read: (s) => ({ route: s.router.routesStarted, forward: s.router.forwarded, direct: s.router.sentDirect, pong: s.router.pingsAnswered }),
  },
  {
    name: 'tapestry_messages_received_total', label: 'kind',
    help: 'Messages that ended at this node, by kind: delivered (routed or direct, handed to a module here), reply (answers to its requests), ping (pings answered).',
    read: (s) => ({ delivered: s.router.delivered, reply: s.router.repliesMatched + s.router.repliesLate + s.router.repliesForged, ping: s.router.pingsAnswered }),
  },
  {
    name: 'tapestry_routes_total', label: 'outcome',
    help: 'Messages that reached this node, by what became of them: delivered here, forwarded, taken or dropped by a module, no such module, no node holds the exact GUID, a duplicate, or given up after every next hop stayed silent.',
    read: (s) => ({
      delivered: s.router.delivered, forwarded: s.router.forwarded, taken_by_module: s.router.takenByUpcall, dropped_by_module: s.router.droppedByUpcall,
      no_module: s.router.droppedNoModule, no_exact_match: s.router.droppedNoExactMatch, duplicate: s.router.duplicates, given_up: s.router.hopsGivenUp,
    }),
  },
  {
    name: 'tapestry_confirmed_routes_total', label: 'outcome',
    help: 'Confirmed routes by outcome: acked by their destination, failed after every round, or untracked (sent unconfirmed, too many pending).',
    read: (s) => ({ acked: s.router.confirmsAcked, failed: s.router.confirmsFailed, untracked: s.router.confirmsUntracked }),
  },
  {
    name: 'tapestry_request_outcomes_total', label: 'outcome',
    help: "This node's requests by outcome: answered (a reply settled it), timeout, refused (too many in flight).",
    read: (s) => ({ answered: s.router.repliesMatched, timeout: s.router.requestsTimedOut, refused: s.router.requestsRefused }),
  },
  {
    name: 'tapestry_locates_failed_total', label: 'reason',
    help: "This node's locates that ended without a replica: not_found (a salted root answered, no replica) or timeout (no root answered in time).",
    read: (s) => ({ not_found: s.location.locatesNotFound, timeout: s.location.locatesTimedOut }),
  },
  {
    name: 'tapestry_hop_events_total', label: 'event',
    help: 'Reliable hops: timeout (no acknowledgement in time), retransmit (sent again to the same neighbour), failover (sent through another neighbour), untracked (sent without waiting for an acknowledgement).',
    read: (s) => ({ timeout: s.drops.hops.timeouts, retransmit: s.drops.hops.retransmits, failover: s.drops.hops.failovers, untracked: s.drops.hops.untracked }),
  },
  {
    name: 'tapestry_security_refusals_total', label: 'reason',
    help: 'What this node refused as unproven, forged, replayed or misaddressed, by reason (the signature checks count only under an authenticating provider).',
    read: (s) => ({
      forged_credentials: s.security.forgedCredentials, unsigned_records: s.security.unsignedRecords, forged_records: s.security.forgedRecords,
      replayed_records: s.security.replayedRecords, forged_answers: s.location.forgedAnswers, owner_claims_invalid: s.location.ownerClaimsInvalid,
      publishes_from_strangers: s.location.publishesFromStrangers, leaves_refused: s.membership.leavesRefused,
      address_changes_refused: s.membership.addressChangesRefused, replies_forged: s.router.repliesForged, pongs_misdirected: s.router.pongsMisdirected,
      direct_misaddressed: s.router.directMisaddressed,
    }),
  },
];

/** Every drop of `node.stats.drops` (reliable-hop events apart), plus malformed module messages: part → reasons. */
function drops(s: NodeStats): Array<{ part: string; reason: string; value: number }> {
  const d = s.drops;
  const parts: Record<string, Record<string, number>> = {
    decode: bySnake(d.decodeErrors),
    router: { rate_limited: d.rateLimited, frame_error: d.frameErrors, duplicate: d.duplicates, no_exact_match: d.noExactMatch, no_module: d.noModule, hop_given_up: d.hops.givenUp },
    reassembly: bySnake(d.reassembly),
    pointer_store: bySnake(d.pointerStore),
    transport: bySnake(d.transport),
    location: { malformed: s.location.malformed },
    membership: { malformed: s.membership.malformed },
  };
  return Object.entries(parts).flatMap(([part, reasons]) => Object.entries(reasons).map(([reason, value]) => ({ part, reason, value })));
}

/** Gauges read from the node: metric name → what it reads. */
export const GAUGES: readonly GaugeSpec[] = [
  { name: 'tapestry_routing_table_entries', help: 'Neighbours in the routing table now.', read: (n) => n.table.size },
  { name: 'tapestry_backpointers', help: 'Nodes known to list this node in their tables (backpointers) now.', read: (n) => n.table.backpointerCount },
  { name: 'tapestry_leaf_set_size', help: 'Distinct nodes in the leaf set now (smaller and larger sides together).', read: (n) => leafSetSize(n) },
  { name: 'tapestry_pointers', help: 'Object pointers held now.', read: (_n, s) => s.location.pointers },
  { name: 'tapestry_pointer_objects', help: 'Distinct objects the held pointers are for.', read: (_n, s) => s.location.objects },
  { name: 'tapestry_reassembly_held_bytes', help: 'Bytes held in partly reassembled messages now.', read: (_n, s) => s.reassemblyHeld.bytes },
  { name: 'tapestry_reassembly_pending_messages', help: 'Partly reassembled messages waiting for pieces now.', read: (_n, s) => s.reassemblyHeld.pending },
];

/** Distinct GUIDs on both sides of the leaf set (a small mesh wraps: one node may be on both). */
export function leafSetSize(node: TapestryNode): number {
  const { smaller, larger } = node.leafSet;
  return new Set([...smaller, ...larger].map((h) => h.guid.hex)).size;
}

/** A counter whose value is the node's own cumulative count, copied in at scrape time. */
function setCounter(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  const v = Number.isFinite(value) && value > 0 ? value : 0;
  if (labels) c.inc(labels, v);
  else c.inc(v);
}

export class NodeMetrics {
  /** The registry every metric is on (not prom-client's global one). */
  readonly registry = new Registry();
  private readonly hops: Histogram<string>;
  private readonly locates: Histogram<'outcome'>;
  /** One stats snapshot for the whole of a scrape through `text()`. */
  private snapshot: NodeStats | undefined;

  constructor(private readonly node: TapestryNode) {
    const register = this.registry;
    collectDefaultMetrics({ register, prefix: 'tapestry_' });
    const stats = (): NodeStats => this.snapshot ?? node.stats;
    for (const spec of COUNTERS) {
      const c: Counter<string> = new Counter({ name: spec.name, help: spec.help, registers: [register], collect: () => { c.reset(); setCounter(c, spec.read(stats())); } });
    }
    for (const spec of LABELLED_COUNTERS) {
      const c: Counter<string> = new Counter({
        name: spec.name, help: spec.help, labelNames: [spec.label], registers: [register],
        collect: () => {
          c.reset();
          for (const [value, n] of Object.entries(spec.read(stats()))) setCounter(c, n, { [spec.label]: value });
        },
      });
    }
    const dropped: Counter<'part' | 'reason'> = new Counter({
      name: 'tapestry_drops_total', labelNames: ['part', 'reason'], registers: [register],
      help: 'What this node refused, lost or threw away, by part (decode, router, reassembly, pointer_store, transport, location, membership) and reason.',
      collect: () => {
        dropped.reset();
        for (const d of drops(stats())) setCounter(dropped, d.value, { part: d.part, reason: d.reason });
      },
    });
    for (const spec of GAUGES) {
      const g: Gauge<string> = new Gauge({ name: spec.name, help: spec.help, registers: [register], collect: () => g.set(spec.read(node, stats())) });
    }
    const status: Gauge<'status'> = new Gauge({
      name: 'tapestry_node_status', help: "The node's lifecycle state: 1 for the current one, 0 for the others.", labelNames: ['status'], registers: [register],
      collect: () => { for (const s of STATUSES) status.set({ status: s }, node.status === s ? 1 : 0); },
    });
    const info: Gauge<'guid' | 'provider'> = new Gauge({
      name: 'tapestry_node_info', help: "The node's GUID and security provider (always 1).", labelNames: ['guid', 'provider'], registers: [register],
      collect: () => { info.reset(); info.set({ guid: node.guid.hex, provider: stats().security.provider }, 1); },
    });
    this.hops = new Histogram({
      name: 'tapestry_route_hops', help: 'Hops taken by the messages delivered to this node (observed by the daemon).', buckets: HOP_BUCKETS, registers: [register],
    });
    this.locates = new Histogram({
      name: 'tapestry_locate_duration_seconds', labelNames: ['outcome'], buckets: LOCATE_BUCKETS, registers: [register],
      help: 'How long the locates this node ran took, in seconds, by outcome (found, not_found, timeout, aborted, error).',
    });
  }

  /** The Content-Type of `text()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records the hop count of a message (a route or request) delivered to this node. */
  observeHops(hops: number): void {
    if (!(Number.isInteger(hops) && hops >= 0)) throw new InvalidArgumentError(`hops must be an integer ≥ 0, got ${hops}`);
    this.hops.observe(hops);
  }

  /** Records how long one locate took (seconds) and how it ended. */
  observeLocate(seconds: number, outcome: LocateOutcome): void {
    if (!(Number.isFinite(seconds) && seconds >= 0)) throw new InvalidArgumentError(`seconds must be a finite number ≥ 0, got ${seconds}`);
    if (!LOCATE_OUTCOMES.includes(outcome)) throw new InvalidArgumentError(`outcome must be one of ${LOCATE_OUTCOMES.join(', ')}, got ${String(outcome)}`);
    this.locates.observe({ outcome: snake(outcome) }, seconds);
  }

  /** The exposition: every metric, the node's counters read once for the whole scrape. */
  async text(): Promise<string> {
    this.snapshot = this.node.stats;
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = undefined;
    }
  }
}
