/**
 * Membership at run time: wires the pure membership parts (membership/: join planner, join server,
 * maintenance, admission) to the node's router — sends go out as direct membership messages, pings
 * and timers through the host (`after`, the router's NodeTimers), so the node's clock
 * drives them — and decodes the membership upcall. Pointer hand-over still lives here (marked below).
 */
import { DEFAULTS } from '../defaults';
import { LimitExceededError } from '../errors';
import type { Guid } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';
import { isAdmittedPeer } from '../routing/admittedPeer';
import { PendingRequests, RequestIds } from '../routing/pendingRequests';
import { Admission } from '../membership/admission';
import { JoinPlanner } from '../membership/joinPlanner';
import { JoinServer } from '../membership/joinServer';
import { HoleMemory } from '../membership/holes';
import { LeafSet, type LeafChange } from '../membership/leafSet';
import { Maintenance } from '../membership/maintenance';
import { Liveness } from '../membership/liveness';
import { StallWatch } from '../membership/stallWatch';
import { MaintenanceBudget } from '../membership/budget';
import type { Rng } from '../routing/rng';
import { SeededRng } from '../sim/random';
import { MEMBERSHIP_MODULE_ID, type JoinReply, type MembershipMsg } from '../membership/messages';
import { NeighbourAsk } from '../membership/neighbourAsk';
import { StrangerLimits } from '../membership/strangerLimits';
import { ReturnRoutability } from '../routing/returnRoutability';
import { secureRandom } from '../security/identity';
import { emptyMembershipStats, type MembershipPort, type MembershipStats } from '../membership/port';
import type { Delivery, UpcallModule } from '../upcalls/contract';
import { decodeMembership, encodeMembership } from '../wire/membershipCodec';
import type { PingDone, PingOptions } from './routerRuntime';
import type { RuntimeHost } from './routerTypes';
import type { SecurityProvider } from '../security/provider';
import type { Mismatch } from '../membership/providerMismatch';
import { formatAddress } from '../transport/addressText';

export type { MembershipStats } from '../membership/port';

/** What membership needs from its node. */
export interface MembershipHost extends RuntimeHost {
  sendDirect(to: NodeHandle, moduleId: number, payload: Uint8Array, hops: number): void;
  /** Pings an address; `done` runs in the event that ends the ping (never on the microtask queue). */
  ping(to: Address, timeoutMs: number, done: PingDone, opts?: PingOptions): void;
  /** A one-shot timer on the node's clock; the answer cancels it. */
  after(ms: number, fire: () => void): () => void;
  /** The routing table gained or lost neighbours (the node may go ALONE ↔ ACTIVE). */
  peersChanged(): void;
  /** A node joined or left this node's neighbourhood: modules' update upcalls, leaf-set events. */
  neighbourUpdate(node: NodeHandle, joined: boolean, leafChange: LeafChange | undefined): void;
  /**
   * When it authenticates, a peer enters the table, leaf set or backpointers only after a ping it
   * answered with proof of its GUID's key. Absent = `none`: every peer is taken at its word.
   */
  readonly security?: SecurityProvider;
  /** Round-trip estimates and last-heard times, kept by the router. */
  readonly health: MembershipPort['health'];
  /** The node's random source (the cookie key is drawn from it); default: node:crypto's. */
  readonly random?: (bytes: number) => Uint8Array;
}

export interface MembershipOptions {
  /** Nodes kept per level while filling the table (k). */
  readonly k: number;
  /** How long a ping, a neighbour request or a multicast acknowledgement may take (ms). */
  readonly requestTimeoutMs: number;
  /** How long the whole join may wait for the surrogate's reply (ms). */
  readonly joinTimeoutMs: number;
  /** A watched neighbour not heard from in this long is checked (ms; 0 = no checks). */
  readonly heartbeatMs: number;
  /** Repair period when the table is changing (ms; 0 = no repair); it backs off to DEFAULTS.repairMaxMs while it is not. */
  readonly repairMs: number;
}

export class MembershipRuntime implements UpcallModule {
  readonly id = MEMBERSHIP_MODULE_ID;
  readonly name = 'membership';
  readonly leafSet: LeafSet;
  readonly stats: MembershipStats = emptyMembershipStats();
  readonly admission: Admission;
  private readonly planner: JoinPlanner;
  private readonly server: JoinServer;
  private readonly maintenance: Maintenance;
  private readonly ask: NeighbourAsk;
  private readonly liveness: Liveness;
  private readonly stalls = new StallWatch(DEFAULTS.stallThresholdMs, this.stats);
  private readonly budget = new MaintenanceBudget(DEFAULTS.maintenanceBudgetPerSec, DEFAULTS.maintenanceBurst, DEFAULTS.maintenanceBoostFactor, DEFAULTS.maintenanceBoostMs, this.stats);
  private readonly idBytes: 20 | 32;
  /** When the next maintenance tick is due (ms): how late it runs tells of a stall. */
  private tickDueAt: number | undefined;
  /** The current repair period (ms), and table or leaf-set changes since the last round. */
  private repairPeriod: number;
  private changes = 0;
  /** Jitter: a generator seeded from the GUID, so a simulated run repeats exactly. */
  private readonly jitter: Rng;
  /** Addresses proven to receive what is sent to them, and the credit of those not yet proven. */
  private readonly routability: ReturnRoutability;
  /** How many challenges strangers' messages may ask for, per source IP and per GUID prefix. */
  private readonly strangers = new StrangerLimits();

  constructor(
    private readonly host: MembershipHost,
    private readonly opts: MembershipOptions,
  ) {
    this.idBytes = host.space.bytes as 20 | 32;
    this.leafSet = new LeafSet(host.self.guid);
    for (const n of host.table.neighbours()) this.leafSet.add(n);
    const routability = (this.routability = new ReturnRoutability(host.random ?? secureRandom));
    const port: MembershipPort = {
      self: host.self,
      table: host.table,
      now: () => host.now(),
      send: (to, msg) => this.send(to, msg),
      // A pong to a ping sent to an address proves that address receives what is sent there.
      ping: (to, timeoutMs, done, pingOpts) => host.ping(to, timeoutMs, (r, err) => {
        if (r) routability.prove(to, host.now());
        done(r, err);
      }, pingOpts),
      sizeOf: (msg) => encodeMembership(msg).length,
      after: (ms, fire) => host.after(ms, fire),
      health: host.health,
      security: host.security,
    };
    const after = port.after;
    const onTimeout = (): void => void this.stats.timeouts++;
    // One id sequence for join ids, request ids and multicast ids, as the wire has always seen them.
    const ids = new RequestIds();
    this.admission = new Admission(port, this.leafSet, this.stats, {
      peersChanged: () => host.peersChanged(),
      neighbourUpdate: (node, joined, change) => {
        this.changes++;
        host.neighbourUpdate(node, joined, change);
      },
      learned: (node) => this.server.onLearned(node),
      mismatch: (m) => host.log.warn({ peer: m.peer.guid.hex, address: formatAddress(m.peer.address), mismatch: m.kind }, this.describe(m, 'peer')),
    }, host.security?.authenticates === true, opts.requestTimeoutMs);
    this.ask = new NeighbourAsk(port, ids, new PendingRequests<readonly NodeHandle[]>({ after, onTimeout }), opts.requestTimeoutMs);
    this.planner = new JoinPlanner(port, host.space, this.admission, this.ask, ids, new PendingRequests<JoinReply>({ after, onTimeout }), this.stats, opts);
    this.server = new JoinServer(port, this.leafSet, this.admission, ids, this.stats, opts.requestTimeoutMs, new HoleMemory(host.table), routability);
    this.maintenance = new Maintenance(port, this.leafSet, this.admission, this.ask, this.stats, this.budget);
    this.liveness = new Liveness({
      health: host.health,
      watched: () => this.watched(),
      probe: (node, timeoutMs, refused) => this.admission.probe(node.address, timeoutMs, (_r, err) => {
        if (err instanceof LimitExceededError) refused();
      }, { challenge: !this.admission.isProven(node) }),
      isNeighbour: (node) => host.table.has(node.guid) || this.leafSet.has(node.guid),
      failed: (node) => this.maintenance.failed(node),
    }, this.budget, this.stalls, this.stats, opts.heartbeatMs);
    this.maintenance.liveness = this.liveness;
    this.repairPeriod = opts.repairMs;
    const b = host.self.guid.bytes;
    this.jitter = new SeededRng((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]);
  }

  /** Table primaries and leaf-set members, then backups, each once: the neighbours liveness keeps watch on. */
  private watched(): { first: NodeHandle[]; backups: NodeHandle[] } {
    const { table, self } = this.host;
    const seen = new Set<string>([self.guid.hex]);
    const first: NodeHandle[] = [];
    const backups: NodeHandle[] = [];
    const add = (n: NodeHandle, to: NodeHandle[]): void => {
      if (seen.has(n.guid.hex)) return;
      seen.add(n.guid.hex);
      to.push(n);
    };
    for (let l = 0; l < table.levels; l++) {
      if (table.levelSize(l) === 0) continue;
      for (let d = 0; d < table.base; d++) {
        const slot = table.slot(l, d);
        if (slot.length > 0) add(slot[0].handle, first);
      }
    }
    for (const n of this.leafSet.members()) add(n, first);
    // Every table entry not already listed is a backup (neighbours() walks level, digit, rank).
    for (const n of table.neighbours()) add(n, backups);
    return { first, backups };
  }

  /** `periodMs` moved by up to ±DEFAULTS.maintenanceJitter of itself. */
  private jittered(periodMs: number): number {
    return periodMs * (1 + DEFAULTS.maintenanceJitter * (2 * this.jitter.next() - 1));
  }

  /**
   * Joins the mesh through the first bootstrap address that answers; `done(true)` once the routing
   * table is filled, `done(false)` when no bootstrap address led to a surrogate.
   */
  join(bootstrap: readonly Address[], done: (joined: boolean) => void): void {
    this.planner.join(bootstrap, done);
  }

  /**
   * A peer's ping challenged this node, whose provider cannot answer (the router saw it): that peer
   * admits only proven peers, so it is kept out here too, and the mismatch is warned about once.
   */
  proofDemanded(peer: NodeHandle): void {
    this.admission.proofDemanded(peer);
  }

  /** Why the last join found no way in, when a provider mismatch says more than "no answer". */
  joinProblem(): string | undefined {
    const m = this.planner.joinProblem;
    return m && this.describe(m, m.kind === 'demandsProof' ? 'surrogate' : 'bootstrap node');
  }

  /** A provider mismatch in words, naming both sides' providers as far as this node knows them. */
  private describe(m: Mismatch, role: string): string {
    const mine = this.host.security?.name ?? 'none';
    const who = `${role} ${m.peer.guid.hex} at ${formatAddress(m.peer.address)}`;
    return m.kind === 'demandsProof'
      ? `security provider mismatch: ${who} requires signed credentials (it challenged this node for proof of its GUID's key); this node runs security '${mine}' and cannot give it, so neither lists the other`
      : `security provider mismatch: ${who} answered a challenge with no credential, so it runs without authentication (security 'none'); this node runs security '${mine}' and admits only peers that prove their GUID`;
  }

  /** One round of soft-state table repair and leaf-set exchange (Maintenance.repairOnce); the Membership actor times it. */
  repairOnce(): void {
    this.maintenance.repairOnce();
  }

  /**
   * The wait before the next repair round (ms), jittered: repairMs while the table or leaf set keeps
   * changing, doubling (up to DEFAULTS.repairMaxMs) after each round in which nothing changed.
   */
  nextRepairMs(): number {
    this.repairPeriod = this.changes > 0 ? this.opts.repairMs : Math.min(DEFAULTS.repairMaxMs, 2 * this.repairPeriod);
    this.changes = 0;
    return this.jittered(this.repairPeriod);
  }

  /**
   * One maintenance tick (the Membership actor times them, nextTickMs apart): a tick that runs late
   * tells of a stall of this node's event loop; then liveness checks quiet neighbours, probes the
   * suspected and drops the failed (liveness.ts).
   */
  tick(): void {
    const now = this.host.now();
    if (this.tickDueAt !== undefined) this.stalls.ran(this.tickDueAt, now);
    this.tickDueAt = undefined;
    this.liveness.tick(now);
  }

  /** The wait before the next tick (ms), jittered; the tick then knows when it was due. */
  nextTickMs(): number {
    const ms = this.jittered(DEFAULTS.maintenanceTickMs);
    this.tickDueAt = this.host.now() + ms;
    return ms;
  }

  /** A neighbour did not acknowledge a hop: it is checked at once, and dropped if it stays silent (liveness.ts). */
  suspect(node: NodeHandle): void {
    this.liveness.suspect(node, this.host.now());
  }

  /** Removes a node that left or failed; modules hear of it. */
  forget(guid: Guid): void {
    this.admission.forget(guid);
  }

  /**
   * Leaving on purpose, first step: every node that lists this one hears of a replacement for its
   * slot, and the nodes it lists drop it.
   */
  sendLeaveNotices(): void {
    this.maintenance.sendLeaveNotices();
  }

  // ---- The upcall --------------------------------------------------------------------------

  deliver(d: Delivery): void {
    let msg: MembershipMsg;
    try {
      msg = decodeMembership(d.payload, { idBytes: this.idBytes });
    } catch {
      this.stats.malformed++;
      return;
    }
    const from = d.from ?? d.source;
    // Straight from a peer: the datagram's own source, where answers go and whose bytes earn it credit.
    const source = d.fromAddress;
    const now = this.host.now();
    if (source) this.routability.received(source, d.payload.length, now);
    switch (msg.kind) {
      case 'joinRequest': {
        const { joining } = msg.joinRequest;
        // The first hop from the joining node: its source pays for the surrogate's check of the joining node.
        if (source && !this.strangers.allow(source, joining.guid, now)) {
          this.stats.challengesLimited++;
          return;
        }
        const route = (): void => this.host.route({ dest: joining.guid, fuzzy: true, ttl: DEFAULTS.defaultTtl, moduleId: MEMBERSHIP_MODULE_ID, payload: d.payload });
        if (!d.dest.equals(joining.guid)) route();
        // Reached as root while still joining: routed again once this node's own table is filled.
        else if (!this.planner.deferWhileJoining(route)) this.server.startMulticast(joining, msg.joinRequest.joinId);
        return;
      }
      case 'multicast':
        // Only a peer that lists this node (or that it lists) passes a join multicast on: a stranger's
        // would make every node it reaches measure the address it names.
        if (!isAdmittedPeer(this.host.table, from)) {
          this.stats.multicastsRefused++;
          return;
        }
        this.server.onMulticast(msg.multicast, from);
        return;
      case 'multicastAck':
        this.server.onAck(msg.multicastAck, from);
        return;
      case 'joinReply':
        this.planner.onJoinReply(msg.joinReply);
        return;
      case 'neighbourRequest':
        this.server.onNeighbourRequest(msg.neighbourRequest, from, source);
        return;
      case 'neighbourReply':
        this.ask.onReply(msg.neighbourReply);
        return;
      case 'neighbourRetry':
        this.ask.onRetry(msg.neighbourRetry, source);
        return;
      case 'adopt':
        // An unproven sender's adopt asks for a challenge: limited per source IP and GUID prefix.
        // And it must be as large as the padded challenge ping it draws: no reflection gain.
        if (this.host.security?.authenticates && !this.admission.isProven(from) &&
          (d.payload.length < DEFAULTS.adoptPaddingBytes || !this.strangers.allow(source, from.guid, now))) {
          this.stats.challengesLimited++;
          return;
        }
        this.admission.onAdopt(from, msg.adopt);
        return;
      case 'leave':
        this.admission.onLeave(msg.leave, from);
        return;
      case 'candidates':
        this.planner.onCandidates(msg.candidates.nodes, from);
        return;
    }
  }

  private send(to: NodeHandle, msg: MembershipMsg): void {
    this.host.sendDirect(to, MEMBERSHIP_MODULE_ID, encodeMembership(msg), 0);
  }
}
