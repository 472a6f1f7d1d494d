/**
 * Admission: who enters this node's routing table, leaf set and backpointers, and when. With an
 * authenticating security provider a peer is admitted only after a ping it answered with proof of its
 * GUID's key; admissions that arrive before the proof wait for it (bounded). Also the two small
 * exchanges that admit or drop peers: Adopt ("I measured you") and LeaveNotice.
 */
import { DEFAULTS } from '../defaults';
import type { Guid } from '../routing/guid';
import type { Address, NodeHandle } from '../routing/handle';
import type { Writable } from '../routing/messages';
import { ProvenPeers } from '../security/provenPeers';
import type { LeafChange, LeafSet } from './leafSet';
import { MismatchError, ProviderMismatches, type Mismatch, type MismatchKind } from './providerMismatch';
import type { Adopt, LeaveNotice } from './messages';
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
  whenProven(node: NodeHandle, then: (rttMs: number) => void): void {
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
    this.probe(node.address, this.requestTimeoutMs, (r) => {
      const all = this.proving.get(node.guid.hex) ?? [];
      this.proving.delete(node.guid.hex);
      if (!r || !r.peer.guid.equals(node.guid) || !this.proven.has(node)) {
        this.stats.timeouts++;
        return;
      }
      for (const f of all) f(r.rtt);
    });
  }

  /** Adds a node with a latency; updates the leaf set and tells modules. True when the table took it. */
  learn(node: NodeHandle, latencyMs: number): boolean {
    const table = this.port.table;
    if (node.guid.equals(this.port.self.guid) || this.refuses(node)) return false;
    // The last gate: with an authenticating provider no unproven GUID enters the table or leaf set.
    if (this.authenticates && !this.proven.has(node)) {
      this.whenProven(node, (rtt) => this.learn(node, latencyMs === DEFAULTS.unmeasuredLatencyMs ? rtt : latencyMs));
      return false;
    }
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
  measureAndLearn(node: NodeHandle): void {
    this.probe(node.address, this.requestTimeoutMs, (r) => {
      if (r && r.peer.guid.equals(node.guid)) this.learn(node, r.rtt);
      else this.stats.timeouts++;
    });
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
    });
  }

  /** An answer is marked as one, so the exchange ends there without either side remembering whom it adopted. */
  sendAdopt(to: NodeHandle, rttMs: number, answer: boolean, expectListed = false): void {
    const adopt: Writable<Adopt> = { rttMs, listsYou: this.port.table.has(to.guid) };
    if (answer) adopt.answer = true;
    if (expectListed) adopt.expectListed = true;
    this.port.send(to, { kind: 'adopt', adopt });
  }

  /** A node leaving on purpose: drop it, and measure the replacement it names for its slot. */
  onLeave(notice: LeaveNotice): void {
    this.stats.leavesReceived++;
    const { leaving, replacement } = notice;
    this.forget(leaving.guid);
    if (replacement && !replacement.guid.equals(this.port.self.guid)) this.measureAndLearn(replacement);
  }
}
