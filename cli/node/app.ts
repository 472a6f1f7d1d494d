/**
 * The daemon's own application module (module 0, where `tapestry route` / `request` land): it keeps
 * the latest deliveries (a bounded inbox the control API shows), answers a request by echoing its
 * payload, reports hop counts to the metrics, and turns neighbour changes and passing routes into
 * events for the control API's stream.
 */
import type { NodeHandle } from '../../routing/handle';
import type { UpcallModule } from '../../upcalls/contract';
import type { EventHub } from '../control/events';
import { addressText } from './dataDir';

/** Deliveries the inbox keeps (the newest). */
export const INBOX_SIZE = 256;

export interface InboxEntry {
  readonly receivedAt: string;
  readonly from: string;
  readonly dest: string;
  readonly hops: number;
  readonly fuzzy: boolean;
  readonly request: boolean;
  readonly payload: string;
  /** A multicast or anycast delivery (absent for a route or request to module 0). */
  readonly via?: 'multicast' | 'anycast';
}

/** Peer as the API shows it. */
export const peerJson = (h: NodeHandle) => ({ guid: h.guid.hex, address: addressText(h.address) });

export class DaemonApp {
  readonly inbox: InboxEntry[] = [];
  /** Deliveries in all (the inbox keeps the last INBOX_SIZE). */
  delivered = 0;

  constructor(
    private readonly events: EventHub,
    private readonly onHops: (hops: number) => void,
  ) {}

  /** Keeps a multicast or anycast delivery in the inbox (`dest` is the session or group). */
  record(dest: string, from: string, payload: Uint8Array, via: 'multicast' | 'anycast'): void {
    this.keep({ receivedAt: new Date().toISOString(), from, dest, hops: 0, fuzzy: false, request: false, payload: Buffer.from(payload).toString('utf8'), via });
  }

  private keep(entry: InboxEntry): void {
    this.delivered++;
    this.inbox.push(entry);
    if (this.inbox.length > INBOX_SIZE) this.inbox.shift();
    this.events.publish('delivery', entry);
  }

  module(): UpcallModule {
    return {
      id: 0,
      name: 'daemon',
      deliver: (d) => {
        const entry: InboxEntry = {
          receivedAt: new Date().toISOString(), from: d.source.guid.hex, dest: d.dest.hex, hops: d.hops, fuzzy: d.fuzzy,
          request: d.request === true, payload: Buffer.from(d.payload).toString('utf8'),
        };
        this.keep(entry);
        this.onHops(d.hops);
        // A request is answered with its own payload: `tapestry request` sees the path work end to end.
        return d.request ? d.payload : undefined;
      },
      forward: (m) => {
        if (this.events.tracing) this.events.publish('route', { dest: m.dest.hex, source: m.source.guid.hex, hops: m.hops, nextHop: peerJson(m.nextHop) });
        return true;
      },
      update: (node, joined) => this.events.publish('neighbour', { ...peerJson(node), joined }),
    };
  }
}
