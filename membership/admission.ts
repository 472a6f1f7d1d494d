/**
 * Admission: who enters this node's routing table, leaf set and backpointers, and when. With an
 * authenticating security provider a peer is admitted only after a ping it answered with proof of its
 * GUID's key; admissions that arrive before the proof wait for it (bounded). Also the two small
 * exchanges that admit or drop peers: Adopt ("I measured you") and LeaveNotice.
 *
 * A listed GUID's address changes only after a proof made at the new address: under an
 * authenticating provider a challenge answered there (bound to that address, security/challenge.ts);
 * under `none` a ping answered there by that GUID while its old address no longer answers. A leave
 * is acted on only when it is the leaving node's own (leaveGate.ts).
 */
import { DEFAULTS } from '../defaults';
import { LimitExceededError } from '../errors';
import { ResolveOnlyError, TimeoutError } from '../errors';
import type { Guid } from '../routing/guid';
import { sameAddress, type Address, type NodeHandle } from '../routing/handle';
import type { Writable } from '../routing/messages';
import { ProvenPeers } from '../security/provenPeers';
import { BoundedMap } from '../routing/boundedMap';
import type { LeafChange, LeafSet } from './leafSet';
import { MismatchError, ProviderMismatches, type Mismatch, type MismatchKind } from './providerMismatch';
import type { Adopt, LeaveNotice } from './messages';
import { judgeSignedLeave, LeaveReplays } from './leaveGate';
import type { MembershipPort, MembershipStats, ProbeDone, ProbeOptions } from './port';


export interface AdmissionEvents {
  /** The routing table went from empty to not, or back (the node may go ALONE ↔ ACTIVE). */
  peersChanged(): void;
  /** A node joined or left this node's neighbourhood: modules' update upcalls, leaf-set events. */
  neighbourUpdate(node: NodeHandle, joined: boolean, leafChange: LeafChange | undefined): void;
  /** A node passed the gate and was offered to the table (taken or not): joins remembered may want it. */
  learned?(node: NodeHandle): void;
  /** A peer's security provider was found not to match this node's (news only: once while remembered). */
  mismatch?(m: Mismatch): void;
}

export class Admission {
  /** Peers seen proving their GUID at their address (bounded); consulted before any admission. */
  private readonly proven = new ProvenPeers(DEFAULTS.maxProvenPeers);
  /** Admissions waiting for a proof: GUID hex → what to do once the peer proved itself (bounded by pending pings). */
  private readonly proving = new Map<string, Array<(rtt: number) => void>>();
  /** Peers whose provider does not match this node's (bounded, forgotten after a while). */
  private readonly mismatches = new ProviderMismatches();
  /** The newest signed leave accepted per GUID: a leave sent again is refused (bounded). */
  private readonly leaveReplays = new LeaveReplays();
  /**
   * Set once this node sends its own leave notices: it is going, so under `none` it takes the leaves
   * of nodes leaving with it at their word at once (its hand-over must not go to them; a forged leave
   * can only misdirect a hand-over the next root's republish repairs).
   */
  selfLeaving = false;
  /** GUIDs a leave was forged for (they answered the check after it) → until when further unsigned leaves of them wait for the check (bounded). */
  private readonly doubted = new BoundedMap<string, number>(DEFAULTS.maxLeaveReplays);
  /** Leave checks and address-change checks under way ("leave:" or "move:" + GUID hex; at most DEFAULTS.maxControlChecks). */
  private readonly checks = new Set<string>();

  constructor(
    private readonly port: MembershipPort,
    private readonly leafSet: LeafSet,
    private readonly stats: MembershipStats,
    private readonly events: AdmissionEvents,
    /** With an authenticating provider no unproven GUID is admitted. */
    private readonly authenticates: boolean,
    private readonly requestTimeoutMs: number,
  ) {}

  isProven(node: NodeHandle): boolean {
    return this.proven.has(node);
  }

  /** The provider mismatch remembered for a peer, if any. */
  mismatchOf(guid: Guid): Mismatch | undefined {
    return this.mismatches.of(guid, this.port.now());
  }

  /**
   * Whether this node, whose provider does not authenticate, keeps `node` out: it demanded a proof
   * this node cannot give, so it will never list this node, and a one-sided link is no neighbour.
   */
  refuses(node: NodeHandle): boolean {
    return !this.authenticates && this.mismatches.size > 0 && this.mismatchOf(node.guid)?.kind === 'demandsProof';
  }

  /**
   * A peer challenged this node, whose provider cannot prove anything (the router saw the ping): it is
   * remembered as refusing this node, and dropped from the table, leaf set and backpointers if there.
   */
  proofDemanded(peer: NodeHandle): void {
    if (this.authenticates) return;
    this.noteMismatch(peer, 'demandsProof');
    const table = this.port.table;
    table.removeBackpointer(peer.guid);
    if (table.has(peer.guid) || this.leafSet.has(peer.guid)) this.forget(peer.guid);
  }

  private noteMismatch(peer: NodeHandle, kind: MismatchKind): void {
    if (this.mismatches.note(peer, kind, this.port.now())) this.events.mismatch?.({ peer, kind });
  }

  /**
   * Pings through the security provider: an answer that does not prove the answerer's GUID is
   * counted and reads as no answer at all, so nothing built on the ping (a measurement, a heartbeat,
   * a join step) ever trusts it. A proven answer is remembered for later admissions.
   */
  probe(to: Address, timeoutMs: number, done: ProbeDone, opts?: ProbeOptions): void {
    this.port.ping(to, timeoutMs, (r, err) => {
      // A resolve-only node answered: whatever named it (a hint that dropped its flag), it is no
      // member, so nothing built on this ping may admit it (routing/resolveOnly.ts).
      if (r?.peer.resolveOnly) {
        this.stats.resolveOnlyRefused++;
        done(undefined, new ResolveOnlyError(`${r.peer.guid.hex} is a resolve-only node`));
        return;
      }
      if (r && !r.proven) {
        this.stats.forgedCredentials++;
        // No credential at all: not a forgery but a peer that does not authenticate (security `none`).
        if (r.noProof) {
          this.noteMismatch(r.peer, 'givesNoProof');
          done(undefined, new MismatchError({ peer: r.peer, kind: 'givesNoProof' }));
          return;
        }
        done(undefined, err);
        return;
      }
      // Only an answered challenge proves anything: a liveness ping's pong names a sender nobody checked.
      // The proof is of the GUID at the address pinged (the answer was bound to it, and the pong came
      // from it), whatever address the pong's frame claims.
      const at = r && { guid: r.peer.guid, address: to };
      if (r && at && this.authenticates && r.challenged && !this.proven.has(at)) {
        this.stats.peersProven++;
        this.proven.add(at);
      }
      done(r, err);
    }, opts);
  }

  /**
   * Runs `then` once `node` has proven its GUID at its address: at once (latency unmeasured) when it
   * already has or the provider does not authenticate, else after a challenge ping it answers with
   * proof (with the measured round trip). A node that fails is never admitted.
   */
  whenProven(node: NodeHandle, then: (rttMs: number) => void, stranger = false): void {
    if (this.refuses(node)) return;
    if (!this.authenticates || this.proven.has(node)) {
      then(DEFAULTS.unmeasuredLatencyMs);
      return;
    }
    const waiting = this.proving.get(node.guid.hex);
    if (waiting) {
      if (waiting.length < DEFAULTS.maxWaitingPerProof) waiting.push(then);
      return;
    }
    this.proving.set(node.guid.hex, [then]);
    // A challenge a stranger's message asked for draws on the strangers' ping budget, never the node's own.
    this.probe(node.address, this.requestTimeoutMs, (r, err) => {
      const all = this.proving.get(node.guid.hex) ?? [];
      this.proving.delete(node.guid.hex);
      if (!r || !r.peer.guid.equals(node.guid) || !this.proven.has(node)) {
        if (err instanceof LimitExceededError) this.stats.challengesRefused++;
        else this.stats.timeouts++;
        return;
      }
      for (const f of all) f(r.rtt);
    }, stranger ? { stranger: true } : undefined);
  }

  /**
   * Adds a node with a latency; updates the leaf set and tells modules. True when the table took it.
   * A handle naming a listed GUID at another address moves it only after a proof at the new address.
   */
  learn(node: NodeHandle, latencyMs: number): boolean {
    if (node.guid.equals(this.port.self.guid) || this.refuses(node)) return false;
    if (node.resolveOnly) {
      this.stats.resolveOnlyRefused++;
      return false;
    }
    // The last gate: with an authenticating provider no unproven GUID enters the table or leaf set.
    // The proof is of the GUID at this handle's address, so it also covers a move to that address.
    if (this.authenticates && !this.proven.has(node)) {
      this.whenProven(node, (rtt) => this.learn(node, latencyMs === DEFAULTS.unmeasuredLatencyMs ? rtt : latencyMs));
      return false;
    }
    const listedAt = this.listedAt(node.guid, false);
    if (!this.authenticates && listedAt !== undefined && !sameAddress(listedAt, node.address)) {
      this.confirmMove(node, listedAt, latencyMs);
      return false;
    }
    return this.admit(node, latencyMs);
  }

  /** Where this node lists `guid`: its table entry, else its leaf-set member, else (with `backpointers`) its backpointer. */
  private listedAt(guid: Guid, backpointers: boolean): Address | undefined {
    const table = this.port.table;
    const entry = table.get(guid);
    if (entry) return entry.handle.address;
    if (this.leafSet.has(guid)) return this.leafSet.members().find((m) => m.guid.equals(guid))?.address;
    if (backpointers && table.hasBackpointer(guid)) return table.backpointers().find((b) => b.guid.equals(guid))?.address;
    return undefined;
  }

  /**
   * Under `none`: a listed GUID is moved to `node.address` only when a ping there is answered in its
   * name and a ping to its old address goes unanswered (it really moved). Nothing is proven either
   * way, but a handle {victim's GUID, attacker's address} then cannot move a live victim.
   */
  private confirmMove(node: NodeHandle, old: Address, latencyMs: number): void {
    const key = `move:${node.guid.hex}`;
    if (this.checks.has(key)) return;
    if (this.checks.size >= DEFAULTS.maxControlChecks) {
      this.stats.addressChangesRefused++;
      return;
    }
    this.checks.add(key);
    this.probe(node.address, this.requestTimeoutMs, (r) => {
      if (!r || !r.peer.guid.equals(node.guid)) {
        this.checks.delete(key);
        this.stats.addressChangesRefused++;
        return;
      }
      this.probe(old, this.requestTimeoutMs, (o, err) => {
        this.checks.delete(key);
        const still = o !== undefined && o.peer.guid.equals(node.guid);
        const at = this.listedAt(node.guid, false);
        // Still answering at its old address, no ping sent (inconclusive), or listed elsewhere meanwhile.
        if (still || (o === undefined && !(err instanceof TimeoutError)) || (at !== undefined && !sameAddress(at, old))) {
          this.stats.addressChangesRefused++;
          return;
        }
        this.admit(node, latencyMs === DEFAULTS.unmeasuredLatencyMs ? r.rtt : latencyMs);
      }, { challenge: false });
    }, { challenge: false });
  }

  /** Takes a node past every gate: into the table and leaf set, modules told. */
  private admit(node: NodeHandle, latencyMs: number): boolean {
    const table = this.port.table;
    const wasEmpty = table.size === 0;
    const known = table.get(node.guid);
    // An unmeasured placeholder never overwrites a measurement.
    if (known && latencyMs === DEFAULTS.unmeasuredLatencyMs) return false;
    const added = table.add(node, latencyMs);
    const change = this.leafSet.add(node);
    if ((added && !known) || change) this.events.neighbourUpdate(node, true, change);
    if (wasEmpty && table.size > 0) this.events.peersChanged();
    if (!known) this.events.learned?.(node);
    return added;
  }

  /** Pings a node and adds it with the measured round trip when it answers as itself. */
  measureAndLearn(node: NodeHandle, stranger = false): void {
    this.probe(node.address, this.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(node.guid)) this.learn(node, r.rtt);
      else this.stats.timeouts++;
    }, stranger ? { stranger: true } : undefined);
  }

  /** Removes a node that left or failed; modules hear of it. */
  forget(guid: Guid): void {
    const table = this.port.table;
    const known = table.get(guid);
    table.remove(guid);
    table.removeBackpointer(guid);
    const change = this.leafSet.remove(guid);
    if (known || change) this.events.neighbourUpdate(known?.handle ?? change!.removed[0], false, change);
    if (table.size === 0) this.events.peersChanged();
  }

  /** An Adopt from `from`: nothing of the sender's is kept (backpointer, entry) before it proved its GUID. */
  onAdopt(from: NodeHandle, adopt: Adopt): void {
    this.stats.adopted++;
    const { rttMs, listsYou, answer, expectListed } = adopt;
    const table = this.port.table;
    this.whenProven(from, () => {
      if (listsYou) table.addBackpointer(from);
      // An answer that says we are not listed after all: the sender is no backpointer.
      else if (answer) table.removeBackpointer(from.guid);
      this.learn(from, rttMs);
      // Answer once, only when the sender's expectation is wrong (by default it expects not to be
      // listed), so it keeps its backpointers right; never answer an answer.
      if (!answer && table.has(from.guid) !== (expectListed === true)) this.sendAdopt(from, rttMs, true);
    }, true);
  }

  /** An answer is marked as one, so the exchange ends there without either side remembering whom it adopted. */
  sendAdopt(to: NodeHandle, rttMs: number, answer: boolean, expectListed = false): void {
    const adopt: Writable<Adopt> = { rttMs, listsYou: this.port.table.has(to.guid) };
    if (answer) adopt.answer = true;
    if (expectListed) adopt.expectListed = true;
    // Under an authenticating provider the receiver may not have proven this node yet: it answers
    // with a padded challenge ping, which an adopt must match in size (DEFAULTS.adoptPaddingBytes).
    if (this.authenticates) adopt.padding = DEFAULTS.adoptPaddingBytes;
    this.port.send(to, { kind: 'adopt', adopt });
  }

  /**
   * A leave notice from the frame sender `from`: acted on only when it is the leaving node's own
   * (leaveGate.ts). Under an authenticating provider a signed, fresh, first statement of it from the
   * leaving node at its listed address is acted on at once. Under `none` nothing can be verified: the
   * notice is acted on at once (as before: nodes leaving together must be gone from each other's
   * tables before they hand over), then checked DEFAULTS.leaveCheckDelayMs later with a ping to the
   * address this node listed the GUID at. A node that still answers was not leaving: it is put back,
   * and for DEFAULTS.leaveDoubtMs further leaves of its GUID are acted on only once that check fails,
   * so a forged leave costs a live node one short absence, and repeating it costs nothing more.
   */
  onLeave(notice: LeaveNotice, from: NodeHandle): void {
    this.stats.leavesReceived++;
    const { leaving } = notice;
    const listedAt = this.listedAt(leaving.guid, true);
    const security = this.port.security;
    if (this.authenticates) {
      const refusal = security ? judgeSignedLeave(notice, from, listedAt, security, this.port.now(), this.leaveReplays) : 'badSignature';
      if (refusal === undefined) this.actOnLeave(notice);
      else this.stats.leavesRefused++;
      return;
    }
    const key = `leave:${leaving.guid.hex}`;
    if (this.checks.has(key)) return;
    if (listedAt === undefined || !sameAddress(listedAt, leaving.address) || !from.guid.equals(leaving.guid) ||
      !sameAddress(from.address, leaving.address) || this.checks.size >= DEFAULTS.maxControlChecks) {
      this.stats.leavesRefused++;
      return;
    }
    const now = this.port.now();
    const doubted = (this.doubted.get(leaving.guid.hex) ?? -Infinity) > now;
    // Taken at its word at once (routes and hand-overs must not wait for a leaving node), unless a
    // leave of this GUID already proved false lately: then only once the check below fails.
    const entry = this.port.table.get(leaving.guid);
    const wasBackpointer = this.port.table.hasBackpointer(leaving.guid);
    const restore: NodeHandle = entry?.handle ?? { guid: leaving.guid, address: listedAt };
    if (!doubted || this.selfLeaving) this.actOnLeave(notice);
    if (this.selfLeaving) return;
    this.checks.add(key);
    this.port.after(DEFAULTS.leaveCheckDelayMs, () => {
      this.probe(listedAt, this.requestTimeoutMs, (r, err) => {
        this.checks.delete(key);
        const alive = r !== undefined && r.peer.guid.equals(leaving.guid);
        // No ping sent (inconclusive): nothing more is done either way.
        if (!alive && r === undefined && !(err instanceof TimeoutError)) return;
        if (!alive) {
          if (doubted) this.actOnLeave(notice);
          return;
        }
        // A forged leave: the node still answers where it is listed. Put back what was dropped.
        this.stats.leavesRefused++;
        this.doubted.refresh(leaving.guid.hex, this.port.now() + DEFAULTS.leaveDoubtMs);
        if (doubted || this.listedAt(leaving.guid, true) !== undefined) return;
        if (wasBackpointer) this.port.table.addBackpointer(restore);
        this.learn(restore, entry?.latency ?? r.rtt);
      }, { challenge: false });
    });
  }

  /**
   * Drops the leaving node, and measures the replacement it names for its slot — unless the
   * replacement names a GUID this node lists at another address (a leave never moves a node).
   */
  private actOnLeave(notice: LeaveNotice): void {
    const { leaving, replacement } = notice;
    this.forget(leaving.guid);
    if (!replacement || replacement.guid.equals(this.port.self.guid)) return;
    const at = this.listedAt(replacement.guid, false);
    if (at !== undefined && !sameAddress(at, replacement.address)) {
      this.stats.addressChangesRefused++;
      return;
    }
    this.measureAndLearn(replacement);
  }
}
