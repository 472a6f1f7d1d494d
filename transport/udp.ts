import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError, TransportError } from '../errors';
import {
  countDrop,
  newTransportStats,
  type Address,
  type ReceiveHandler,
  type Transport,
  type TransportStats,
} from './types';
import { formatIp, parseAddress } from './address';
import { HostTexts, SenderAddresses } from './addressCache';

/** Options of {@link openUdpTransport}; every number is an integer. */
export interface UdpTransportOptions {
  /** IP version of the socket: 4 (udp4) or 6 (udp6). Default: 6 when `host` is an IPv6 literal, else 4. */
  family?: 4 | 6;
  /**
   * IP literal to bind. Default: 127.0.0.1 (family 4) or ::1 (family 6). Host names are refused: no
   * DNS on the data path.
   */
  host?: string;
  /** UDP port to bind, 0..65535. Default: 0, an ephemeral port chosen by the system. */
  port?: number;
  /**
   * Largest datagram sent, in bytes, DEFAULTS.minMtu (256) .. DEFAULTS.maxDatagramBytes (65,507);
   * larger ones are dropped as 'oversize'. Default: DEFAULTS.mtu (1200).
   */
  mtu?: number;
  /**
   * Most datagrams waiting to be sent (≥ 1); more are dropped as 'queueFull'. Default:
   * DEFAULTS.udpSendQueue (65,536).
   */
  sendQueue?: number;
  /** Datagrams sent between two yields of the event loop (≥ 1). Default: DEFAULTS.udpSendBatch (32). */
  sendBatch?: number;
  /**
   * Kernel receive and send buffer size asked for, in bytes (best effort: the kernel may cap it).
   * Default: DEFAULTS.udpSocketBuffer (4 MiB).
   */
  socketBuffer?: number;
  /**
   * Largest datagram accepted, in bytes (≥ 1); larger ones are dropped as 'tooLarge'. Default:
   * DEFAULTS.maxDatagramBytes (65,507).
   */
  maxDatagramBytes?: number;
}

/**
 * dgram resolves every destination through dns.lookup, which answers even IP literals a tick later.
 * We only ever pass literals of the socket's own family (checked before bind, formatted by us on
 * send; IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d), and dgram asks with that family: answer
 * at once with it, so sends really leave inside their batch and no send parses its address again.
 */
function literalLookup(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, family === 6 ? 6 : 4);
}

export function setBuffersBestEffort(socket: dgram.Socket, bytes: number): void {
  // The kernel may cap or refuse the size (net.core.rmem_max); the defaults still work, only slower.
  try {
    socket.setRecvBufferSize(bytes);
  } catch {
    /* best effort */
  }
  try {
    socket.setSendBufferSize(bytes);
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * A Transport over one node:dgram socket.
 *
 * Sending: a datagram goes out at once while this turn of the event loop still has budget (sendBatch
 * datagrams); past it, datagrams wait in a bounded queue that a setImmediate drains one batch per
 * turn. The yield lets the poll phase run, so a sender in a tight loop never starves receivers in the
 * same process (STACK.md: 98% loss without it).
 *
 * The budget is only spent between two setImmediates, never refilled within a turn, so no turn sends
 * more than sendBatch directly. The setImmediate that refills it is asked for once half of it is
 * spent (or something waits), not on every send: a node sending a datagram or two per turn (a hop,
 * its acknowledgement) then pays for one setImmediate every few turns instead of one a turn, which
 * was about a tenth of a routed round trip. A turn may therefore start with half a budget.
 */
export class UdpTransport implements Transport {
  /** Datagrams and bytes in and out, drops by reason; updated in place. */
  readonly stats: TransportStats = newTransportStats();
  /** The bound address and port (the real port when 0 was asked for). */
  readonly local: Address;
  /** Largest datagram sent, in bytes. */
  readonly mtu: number;
  /** IP version of the socket: 4 or 6. */
  readonly family: 4 | 6;
  /** The last socket error, kept for diagnosis; errors are counted, never thrown after open. */
  lastError: Error | undefined;

  private readonly sendQueue: number;
  private readonly sendBatch: number;
  private readonly maxDatagramBytes: number;
  /** Bound to :: without IPV6_V6ONLY: IPv4 peers are reachable as ::ffff:a.b.c.d. */
  private readonly dualStack: boolean;
  private handler: ReceiveHandler | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;

  // The send queue as parallel arrays from qHead: no per-datagram wrapper object, O(1) dequeue.
  private qBuf: Uint8Array[] = [];
  private qPort: number[] = [];
  private qHost: string[] = [];
  private qHead = 0;
  /** Datagrams that may still go out directly; refilled when the setImmediate runs. */
  private budget: number;
  private immediate: NodeJS.Immediate | undefined;

  /** Destination Address → the host text dgram is handed (addressCache.ts). */
  private readonly hosts: HostTexts;
  /** Sender text and port → its Address, parsed once (addressCache.ts). */
  private readonly senders: SenderAddresses;

  /** @internal Use openUdpTransport(). */
  constructor(
    private readonly socket: dgram.Socket,
    family: 4 | 6,
    opts: { mtu: number; sendQueue: number; sendBatch: number; maxDatagramBytes: number; addressCache: number },
  ) {
    this.family = family;
    this.mtu = opts.mtu;
    this.sendQueue = opts.sendQueue;
    this.sendBatch = opts.sendBatch;
    this.maxDatagramBytes = opts.maxDatagramBytes;
    this.budget = opts.sendBatch;
    this.hosts = new HostTexts(opts.addressCache);
    this.senders = new SenderAddresses(opts.addressCache);
    const bound = socket.address();
    this.local = parseAddress(bound.address, bound.port);
    this.dualStack = family === 6 && this.local.family === 6 && this.local.ip.every((b) => b === 0);
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', (err) => {
      this.lastError = err;
      countDrop(this.stats, 'socketError');
    });
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Same family, or IPv4 from a dual-stack IPv6 socket (sent as ::ffff:a.b.c.d). */
  reaches(to: Address): boolean {
    return to.family === this.family || (to.family === 4 && this.dualStack);
  }

  /** Datagrams waiting in the send queue. */
  get queued(): number {
    return this.qBuf.length - this.qHead;
  }

  /** The most datagrams that ever waited in the send queue at once (a backlog behind a busy event loop). */
  queuePeak = 0;

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  /**
   * Sends one datagram, at once while this turn has budget, else from the queue in a later turn.
   * A datagram sent at once goes to the socket without a copy: as with node:dgram's own send(), do
   * not change its bytes in the same turn (the kernel may hold them while its buffer is full). A
   * datagram that has to wait in the queue is copied: the caller may reuse its buffer once send()
   * returns.
   */
  send(to: Address, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('send() takes a Uint8Array');
    if (this.isClosed) return countDrop(this.stats, 'closed');
    if (bytes.length > this.mtu) return countDrop(this.stats, 'oversize');
    const host = this.hostFor(to);
    if (host === undefined) return;
    if (this.qHead === this.qBuf.length && this.budget > 0) {
      this.budget--;
      this.transmit(bytes, to.port, host);
      if (this.budget <= this.sendBatch >> 1) this.scheduleTurn();
      return;
    }
    if (this.queued >= this.sendQueue) return countDrop(this.stats, 'queueFull');
    this.qBuf.push(new Uint8Array(bytes));
    this.qPort.push(to.port);
    this.qHost.push(host);
    if (this.queued > this.queuePeak) this.queuePeak = this.queued;
    this.scheduleTurn();
  }

  /**
   * Stops receiving, sends what is still queued (a leaving node's goodbyes must not be lost), and
   * closes the socket. Resolves once the socket is closed and no setImmediate is pending. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.handler = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    for (let i = this.qHead; i < this.qBuf.length; i++) this.transmit(this.qBuf[i], this.qPort[i], this.qHost[i]);
    this.resetQueue();
    this.closing = new Promise<void>((resolve) => {
      // dgram emits 'close' before libuv has released the handle (that happens in a later close
      // phase); two check phases later it is gone whichever loop phase close() was called from.
      const released = () => setImmediate(() => setImmediate(resolve));
      try {
        this.socket.close(released);
      } catch {
        // Already closed underneath us (e.g. after a fatal socket error): nothing left to release.
        resolve();
      }
    });
    return this.closing;
  }

  /** The host string to hand to dgram, or undefined when `to` cannot be reached from this socket (counted). */
  private hostFor(to: Address): string | undefined {
    // The port is checked on every send: it is not part of the cached text.
    const portOk = Number.isInteger(to.port) && to.port >= 1 && to.port <= 65535;
    const cached = portOk ? this.hosts.get(to) : undefined;
    if (cached !== undefined) return cached;
    if (!portOk || to.ip.length !== (to.family === 4 ? 4 : 16)) {
      countDrop(this.stats, 'badAddress');
      return undefined;
    }
    let host: string;
    if (to.family === this.family) host = formatIp(to);
    else if (to.family === 4 && this.dualStack) host = `::ffff:${formatIp(to)}`;
    else {
      countDrop(this.stats, 'family');
      return undefined;
    }
    this.hosts.set(to, host);
    return host;
  }

  private transmit(buf: Uint8Array, port: number, host: string): void {
    try {
      this.socket.send(buf, port, host);
    } catch (err) {
      this.lastError = err as Error;
      countDrop(this.stats, 'sendError');
      return;
    }
    this.stats.sent++;
    this.stats.bytesSent += buf.length;
  }

  private scheduleTurn(): void {
    if (!this.immediate && !this.isClosed) this.immediate = setImmediate(() => this.turn());
  }

  /** Runs once per event-loop turn while there is traffic: a fresh budget, then one batch from the queue. */
  private turn(): void {
    this.immediate = undefined;
    this.budget = this.sendBatch;
    while (this.budget > 0 && this.qHead < this.qBuf.length) {
      const i = this.qHead++;
      this.budget--;
      this.transmit(this.qBuf[i], this.qPort[i], this.qHost[i]);
    }
    if (this.qHead === this.qBuf.length) this.resetQueue();
    else {
      // Drop sent entries now and then so the arrays do not grow without bound under steady load.
      if (this.qHead >= 4096 && this.qHead * 2 >= this.qBuf.length) this.compactQueue();
      this.scheduleTurn();
    }
  }

  private resetQueue(): void {
    this.qBuf = [];
    this.qPort = [];
    this.qHost = [];
    this.qHead = 0;
  }

  private compactQueue(): void {
    this.qBuf = this.qBuf.slice(this.qHead);
    this.qPort = this.qPort.slice(this.qHead);
    this.qHost = this.qHost.slice(this.qHead);
    this.qHead = 0;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.isClosed) return;
    if (msg.length > this.maxDatagramBytes) return countDrop(this.stats, 'tooLarge');
    this.stats.received++;
    this.stats.bytesReceived += msg.length;
    const handler = this.handler;
    if (!handler) return countDrop(this.stats, 'noHandler');
    let from: Address;
    try {
      from = this.senders.get(rinfo.address, rinfo.port);
    } catch {
      return countDrop(this.stats, 'badAddress');
    }
    try {
      handler(msg, from);
    } catch {
      // A throwing handler must not become an uncaught exception on the socket's event emitter.
      countDrop(this.stats, 'handlerError');
    }
  }
}

/**
 * Opens a UDP transport. Rejects with TransportError when the socket cannot be bound (port in use,
 * address not local, not an IP literal) and with InvalidArgumentError for bad options.
 */
export async function openUdpTransport(opts: UdpTransportOptions = {}): Promise<UdpTransport> {
  const hostFamily = opts.host !== undefined ? isIP(opts.host.split('%')[0]) : 0;
  const family = opts.family ?? (hostFamily === 6 ? 6 : 4);
  if (family !== 4 && family !== 6) throw new InvalidArgumentError(`family must be 4 or 6, got ${String(family)}`);
  const host = opts.host ?? (family === 6 ? '::1' : '127.0.0.1');
  const port = checkInteger('port', opts.port ?? 0, 0, 65535);
  const mtu = checkInteger('mtu', opts.mtu ?? DEFAULTS.mtu, DEFAULTS.minMtu, DEFAULTS.maxDatagramBytes);
  const sendQueue = checkInteger('sendQueue', opts.sendQueue ?? DEFAULTS.udpSendQueue, 1);
  const sendBatch = checkInteger('sendBatch', opts.sendBatch ?? DEFAULTS.udpSendBatch, 1);
  const socketBuffer = checkInteger('socketBuffer', opts.socketBuffer ?? DEFAULTS.udpSocketBuffer, 1);
  const maxDatagramBytes = checkInteger('maxDatagramBytes', opts.maxDatagramBytes ?? DEFAULTS.maxDatagramBytes, 1);
  const literalFamily = isIP(host.split('%')[0]);
  if (literalFamily === 0) throw new TransportError(`cannot bind udp${family}: ${JSON.stringify(host)} is not an IP literal`);
  if (literalFamily !== family) throw new TransportError(`cannot bind udp${family} to IPv${literalFamily} address ${host}`);

  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.removeListener('listening', onListening);
      const e = new TransportError(`cannot bind udp${family} [${host}]:${port}: ${err.message}`);
      e.cause = err;
      // Reject once the failed socket's handle is released, as close() does, so nothing outlives the call.
      const fail = () => setImmediate(() => setImmediate(() => reject(e)));
      try {
        socket.close(fail);
      } catch {
        fail();
      }
    };
    const onListening = () => {
      socket.removeListener('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    try {
      socket.bind({ port, address: host, exclusive: true });
    } catch (err) {
      onError(err as Error);
    }
  });
  setBuffersBestEffort(socket, socketBuffer);
  return new UdpTransport(socket, family, { mtu, sendQueue, sendBatch, maxDatagramBytes, addressCache: DEFAULTS.udpAddressCache });
}
