/**
 * A resolve-only node's gateways (routing/resolveOnly.ts): full nodes from its bootstrap list that
 * route its messages for it. It never joins; instead it pings the bootstrap addresses in the list's
 * order and keeps the first DEFAULTS.resolveOnlyGateways that answer as full nodes (under an
 * authenticating provider, with proof of their GUID). The first carries every message; when a hop to
 * it goes unacknowledged or a liveness ping unanswered it is dropped, the next takes over at once,
 * and the list is topped up from the next bootstrap addresses. With none left the node is ALONE and
 * its membership actor retries the bootstrap list every `joinRetryMs`.
 *
 * Plain logic over a port (pings, time, the ALONE/ACTIVE signal): no actor, no socket.
 */
import { DEFAULTS } from '../defaults';
import { sameAddress, type Address, type NodeHandle } from '../routing/handle';
import type { PingDone, PingOptions } from '../routing/pings';

/** What the gateways need of their node. */
export interface GatewayPort {
  /** This node (a gateway is never itself). */
  readonly self: NodeHandle;
  /** Pings `to`; `done` gets the answer or an error. */
  ping(to: Address, timeoutMs: number, done: PingDone, opts?: PingOptions): void;
  /** The node's provider authenticates: a gateway must prove its GUID. */
  readonly authenticates: boolean;
  /** Current time on the node's clock (ms). */
  now(): number;
  /** When a frame last came from `peer` (ms), if ever. */
  lastHeard(peer: NodeHandle): number | undefined;
  /** The live set went from empty to not, or back: the node becomes ACTIVE or ALONE. */
  changed(): void;
}

/** What the gateways counted (node.stats.resolveOnly). */
export interface GatewayStats {
  /** Bootstrap addresses pinged as candidate gateways. */
  gatewayProbes: number;
  /** Candidates not taken: no answer, an answer without proof of its GUID, or a resolve-only node answering. */
  gatewaysRefused: number;
  /** Gateways dropped: a hop to one went unacknowledged, or a liveness ping unanswered. */
  gatewaysLost: number;
  /** Times the gateway carrying this node's messages changed to another. */
  gatewaySwitches: number;
  /** Liveness pings sent to gateways not heard from in `checkMs`. */
  gatewayChecks: number;
}

export class Gateways {
  readonly stats: GatewayStats = { gatewayProbes: 0, gatewaysRefused: 0, gatewaysLost: 0, gatewaySwitches: 0, gatewayChecks: 0 };
  /** Answering gateways, the one in use first (at most `want`). */
  private live: NodeHandle[] = [];
  /** The bootstrap addresses of the last connect, in order (at most DEFAULTS.maxGatewayCandidates). */
  private candidates: Address[] = [];
  /** A round of probes is under way: another waits for it. */
  private probing = false;
  /** Gateways with a liveness ping out (GUID hex). */
  private readonly checking = new Set<string>();

  constructor(
    private readonly port: GatewayPort,
    /** A probe or liveness ping gives up after this long (ms). */
    private readonly timeoutMs: number,
    /** A gateway not heard from in this long is pinged (ms; 0 = never: only unacknowledged hops drop one). */
    private readonly checkMs: number,
    private readonly want: number = DEFAULTS.resolveOnlyGateways,
  ) {}

  /** Gateways answering now. */
  get size(): number {
    return this.live.length;
  }

  /** The answering gateways, the one in use first. */
  list(): readonly NodeHandle[] {
    return this.live.slice();
  }

  /** The gateway for a message: the first answering one whose GUID is not in `avoid` (those a failed hop already tried). */
  current(avoid?: ReadonlySet<string>): NodeHandle | undefined {
    if (!avoid) return this.live[0];
    return this.live.find((g) => !avoid.has(g.guid.hex));
  }

  /**
   * Starts over from `bootstrap`: pings its addresses in order until `want` answer as full nodes, then
   * `done(true)`, or `done(false)` when none did.
   */
  connect(bootstrap: readonly Address[], done: (connected: boolean) => void): void {
    this.candidates = bootstrap.slice(0, DEFAULTS.maxGatewayCandidates);
    this.fill(done);
  }

  /** A hop to `node` went unacknowledged (or it stopped answering): it is no gateway any more. */
  failed(node: NodeHandle): void {
    const at = this.live.findIndex((g) => g.guid.equals(node.guid));
    if (at < 0) return;
    this.live.splice(at, 1);
    this.stats.gatewaysLost++;
    if (at === 0 && this.live.length > 0) this.stats.gatewaySwitches++;
    if (this.live.length === 0) this.port.changed();
    this.fill();
  }

  /** A maintenance tick: pings gateways not heard from in `checkMs`, and tops the list up. */
  tick(): void {
    const now = this.port.now();
    if (this.checkMs > 0) {
      for (const g of this.live) {
        const heard = this.port.lastHeard(g);
        if ((heard !== undefined && now - heard < this.checkMs) || this.checking.has(g.guid.hex)) continue;
        this.checking.add(g.guid.hex);
        this.stats.gatewayChecks++;
        this.port.ping(g.address, this.timeoutMs, (r) => {
          this.checking.delete(g.guid.hex);
          if (!r || !r.peer.guid.equals(g.guid)) this.failed(g);
        }, { challenge: false });
      }
    }
    if (this.live.length < this.want) this.fill();
  }

  /** Probes the candidates in order, one at a time, until `want` answer or none is left. */
  private fill(done?: (connected: boolean) => void): void {
    if (this.probing) {
      done?.(this.live.length > 0);
      return;
    }
    this.probing = true;
    const next = (i: number): void => {
      const at = this.candidates.findIndex((a, j) => j >= i && !this.live.some((g) => sameAddress(g.address, a)));
      if (this.live.length >= this.want || at < 0) {
        this.probing = false;
        done?.(this.live.length > 0);
        return;
      }
      const address = this.candidates[at];
      this.stats.gatewayProbes++;
      this.port.ping(address, this.timeoutMs, (r) => {
        if (r && this.isGateway(r.peer, r.proven) && !this.live.some((g) => g.guid.equals(r.peer.guid))) {
          // The address pinged, where it answered: not what its frame claims.
          this.live.push({ guid: r.peer.guid, address });
          if (this.live.length === 1) this.port.changed();
        } else {
          this.stats.gatewaysRefused++;
        }
        next(at + 1);
      });
    };
    next(0);
  }

  /** A full node other than this one (proven, when the provider authenticates). */
  private isGateway(peer: NodeHandle, proven: boolean): boolean {
    return !peer.resolveOnly && !peer.guid.equals(this.port.self.guid) && (!this.port.authenticates || proven);
  }
}
