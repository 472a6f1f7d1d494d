/**
 * Counting what goes on the wire: every datagram and byte the simulated network carries, read as
 * phase totals (snapshot before, difference after). A LinkCounter rather than summing the nodes'
 * transport stats: one addition per datagram instead of a walk over every node per reading.
 */
import type { LinkCounter } from '../../transport/linkCounter';
import type { SimNetwork } from '../../transport/simNetwork';
import { decodeFrame } from '../../wire/codec';
import { MEMBERSHIP_MODULE_ID } from '../../membership/messages';

export interface Traffic {
  datagrams: number;
  bytes: number;
}

export class TrafficCounter implements LinkCounter {
  readonly total: Traffic = { datagrams: 0, bytes: 0 };
  /**
   * Join traffic while maintenance runs: membership messages plus the pings, pongs and hop
   * acknowledgements to or from a node in `joiners`. Background heartbeats between other nodes are
   * left out; repair messages (membership too) that happen to fall in the window are not.
   */
  readonly join: Traffic = { datagrams: 0, bytes: 0 };
  /** The endpoints joining now, and whether to classify at all (decoding costs). */
  readonly joiners = new Set<number>();
  classify = false;

  sent(from: number, to: number, bytes: Uint8Array): void {
    this.total.datagrams++;
    this.total.bytes += bytes.length;
    if (this.classify && this.isJoinTraffic(from, to, bytes)) {
      this.join.datagrams++;
      this.join.bytes += bytes.length;
    }
  }

  snapshot(): Traffic {
    return { ...this.total };
  }

  /** What went on the wire since `before`. */
  since(before: Traffic): Traffic {
    return { datagrams: this.total.datagrams - before.datagrams, bytes: this.total.bytes - before.bytes };
  }

  private isJoinTraffic(from: number, to: number, bytes: Uint8Array): boolean {
    const touchesJoiner = this.joiners.has(from) || this.joiners.has(to);
    let body;
    try {
      body = decodeFrame(bytes).body;
    } catch {
      return false;
    }
    switch (body.kind) {
      case 'route':
        return body.route.moduleId === MEMBERSHIP_MODULE_ID;
      case 'direct':
        return body.direct.moduleId === MEMBERSHIP_MODULE_ID;
      default:
        return touchesJoiner;
    }
  }
}

/** Starts counting on `network`; the counter stays attached for the whole run. */
export function countTraffic(network: SimNetwork): TrafficCounter {
  const counter = new TrafficCounter();
  network.countLinks(counter);
  return counter;
}
