/**
 * One endpoint of a simulated network (transport/simNetwork.ts): its synthetic address, its counters,
 * its seeded random source, and the hand-over of arriving datagrams to the node's handler. Sending and
 * every rule of the wire (loss, partitions, latency, queueing) belong to the network.
 */
import { InvalidArgumentError } from '../errors';
import { SeededRng } from '../sim/random';
import { countDrop, newTransportStats, type Address, type ReceiveHandler, type Transport, type TransportStats } from './types';

/** Synthetic addresses are 10.a.b.c, port 1: the 24 low bits are the endpoint index. */
export const SIM_PORT = 1;

/** The synthetic address of endpoint `index`. */
export function simAddress(index: number): Address {
  const ip = new Uint8Array([10, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff]);
  return Object.freeze({ family: 4 as const, ip, port: SIM_PORT });
}

/**
 * One endpoint of a SimNetwork. Drops are counted on the transport where the datagram died: sender
 * side for loss, partition, oversize, unreachable, queueFull; receiver side for arrival at a closed or
 * down endpoint and for a throwing handler. The network's stats hold the totals.
 */
export class SimTransport implements Transport {
  /** This endpoint's counters; the network's `stats` hold the totals. */
  readonly stats: TransportStats = newTransportStats();
  private handler: ReceiveHandler | undefined;
  private networkHandler: ((up: boolean) => void) | undefined;
  private isClosed = false;

  constructor(
    /** Position in the network: creation order, and the index the latency model sees. */
    readonly index: number,
    /** The synthetic address 10.a.b.c:1, where a.b.c is the index. */
    readonly local: Address,
    /** Largest datagram sent, in bytes; a larger one is dropped as 'oversize'. */
    readonly mtu: number,
    private readonly submit: (from: SimTransport, to: Address, bytes: Uint8Array) => void,
    private readonly seed = 0,
  ) {}

  private rng: SeededRng | undefined;
  /**
   * A seeded random source of this endpoint's own (the network's seed forked by the endpoint's index):
   * a node created on it without a GUID or key pair draws them here, so a mesh built by joins repeats.
   */
  readonly random = (bytes: number): Uint8Array => {
    const rng = (this.rng ??= new SeededRng(this.seed).fork(`endpoint-${this.index}`));
    return Uint8Array.from({ length: bytes }, () => rng.int(256));
  };

  /** Whether close() was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Simulated endpoints have IPv4 addresses only. */
  reaches(to: Address): boolean {
    return to.family === 4;
  }

  send(to: Address, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('send() takes a Uint8Array');
    this.submit(this, to, bytes);
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  onNetworkChange(handler: (up: boolean) => void): void {
    this.networkHandler = handler;
  }

  /** Called by the network when setDown changes this endpoint: the node sees its network go or return. */
  networkChanged(up: boolean): void {
    this.networkHandler?.(up);
  }

  close(): Promise<void> {
    this.isClosed = true;
    this.handler = undefined;
    this.networkHandler = undefined;
    return Promise.resolve();
  }

  /**
   * Called by the network when a datagram arrives. Returns the drop reason, or undefined when the
   * handler took it. A throwing handler is contained here so one faulty node cannot stop the run.
   */
  deliver(bytes: Uint8Array, from: Address): 'noHandler' | 'handlerError' | undefined {
    this.stats.received++;
    this.stats.bytesReceived += bytes.length;
    const handler = this.handler;
    if (!handler) {
      countDrop(this.stats, 'noHandler');
      return 'noHandler';
    }
    try {
      handler(bytes, from);
      return undefined;
    } catch {
      countDrop(this.stats, 'handlerError');
      return 'handlerError';
    }
  }
}
