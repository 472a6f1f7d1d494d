import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError, TransportError } from '../errors';
import {
  countDrop,
  formatIp,
  newTransportStats,
  type Address,
  type ReceiveHandler,
  type Transport,
  type TransportStats,
} from './types';

export interface UdpTransportOptions {
  /** 4 (udp4, the default unless host is an IPv6 literal) or 6 (udp6). */
  family?: 4 | 6;
  /** IP literal to bind; default 127.0.0.1 or ::1. Host names are refused: no DNS on the data path. */
  host?: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** Largest datagram sent; larger ones are dropped as 'oversize'. Default DEFAULTS.mtu. */
  mtu?: number;
  /** Most datagrams waiting to be sent; more are dropped as 'queueFull'. Default DEFAULTS.udpSendQueue. */
  sendQueue?: number;
  /** Datagrams sent between two yields of the event loop. Default DEFAULTS.udpSendBatch. */
  sendBatch?: number;
  /** Kernel receive and send buffer size asked for (best effort). Default DEFAULTS.udpSocketBuffer. */
  socketBuffer?: number;
  /** Largest datagram accepted; larger ones are dropped as 'tooLarge'. Default DEFAULTS.maxDatagramBytes. */
  maxDatagramBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// IP text <-> bytes. node:net validates literals but has no parser to bytes.

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const ip = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    ip[i] = v;
  }
  return ip;
}

function parseIpv6(text: string): Uint8Array | undefined {
  // A zone ("fe80::1%eth0") names a local interface; it is not part of the address bytes.
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  let tailIpv4: Uint8Array | undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (half: string, isLast: boolean): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const items = half.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (isLast && i === items.length - 1 && item.includes('.')) {
        tailIpv4 = parseIpv4(item);
        if (!tailIpv4) return undefined;
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      out.push(parseInt(item, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const fixed = head.length + tail.length + (tailIpv4 ? 2 : 0);
  if (halves.length === 1 ? fixed !== 8 : fixed > 7) return undefined;
  groups.push(...head, ...new Array<number>(8 - fixed).fill(0), ...tail);
  const ip = new Uint8Array(16);
  groups.forEach((g, i) => {
    ip[2 * i] = g >> 8;
    ip[2 * i + 1] = g & 0xff;
  });
  if (tailIpv4) ip.set(tailIpv4, 12);
  return ip;
}

/** True for ::ffff:a.b.c.d, the form IPv4 peers take on a dual-stack IPv6 socket. */
function isIpv4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/**
 * The Address for an IP literal and port. IPv4-mapped IPv6 literals become IPv4 addresses, so a peer
 * has one identity whichever socket family it reached us through.
 */
export function parseAddress(host: string, port: number): Address {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`bad port ${port}`);
  const kind = isIP(host.split('%')[0]);
  const ip = kind === 4 ? parseIpv4(host) : kind === 6 ? parseIpv6(host) : undefined;
  if (!ip) throw new InvalidArgumentError(`not an IP literal: ${JSON.stringify(host)}`);
  if (isIpv4Mapped(ip)) return Object.freeze({ family: 4 as const, ip: ip.slice(12), port });
  return Object.freeze({ family: kind as 4 | 6, ip, port });
}

/**
 * dgram resolves every destination through dns.lookup, which answers even IP literals a tick later.
 * We only ever pass literals, so answer at once: sends then really leave inside their batch.
 */
function literalLookup(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, isIP(address) || (family === 6 ? 6 : 4));
}

function setBuffersBestEffort(socket: dgram.Socket, bytes: number): void {
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

function positiveInt(name: string, v: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

// ---------------------------------------------------------------------------------------------

/**
 * A Transport over one node:dgram socket.
 *
 * Sending: a datagram goes out at once while this turn of the event loop still has budget (sendBatch
 * datagrams); past it, datagrams wait in a bounded queue that a setImmediate drains one batch per
 * turn. The yield lets the poll phase run, so a sender in a tight loop never starves receivers in the
 * same process (STACK.md: 98% loss without it).
 */
export class UdpTransport implements Transport {
  readonly stats: TransportStats = newTransportStats();
  readonly local: Address;
  readonly mtu: number;
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
  private qBuf: Buffer[] = [];
  private qPort: number[] = [];
  private qHost: string[] = [];
  private qHead = 0;
  /** Datagrams this turn may still send directly; reset when the setImmediate runs. */
  private budget: number;
  private immediate: NodeJS.Immediate | undefined;

  // The last peer seen and the last destination formatted: bursts to and from one peer are common.
  private lastFromText = '';
  private lastFromPort = -1;
  private lastFrom: Address | undefined;
  private lastTo: Address | undefined;
  private lastToHost = '';

  /** @internal Use openUdpTransport(). */
  constructor(
    private readonly socket: dgram.Socket,
    family: 4 | 6,
    opts: { mtu: number; sendQueue: number; sendBatch: number; maxDatagramBytes: number },
  ) {
    this.family = family;
    this.mtu = opts.mtu;
    this.sendQueue = opts.sendQueue;
    this.sendBatch = opts.sendBatch;
    this.maxDatagramBytes = opts.maxDatagramBytes;
    this.budget = opts.sendBatch;
    const bound = socket.address();
    this.local = parseAddress(bound.address, bound.port);
    this.dualStack = family === 6 && this.local.family === 6 && this.local.ip.every((b) => b === 0);
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', (err) => {
      this.lastError = err;
      countDrop(this.stats, 'socketError');
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Datagrams waiting in the send queue. */
  get queued(): number {
    return this.qBuf.length - this.qHead;
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  send(to: Address, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('send() takes a Uint8Array');
    if (this.isClosed) return countDrop(this.stats, 'closed');
    if (bytes.length > this.mtu) return countDrop(this.stats, 'oversize');
    const host = this.hostFor(to);
    if (host === undefined) return;
    // Copy now: the caller may reuse its buffer once send() returns, and queued bytes go out later.
    const buf = Buffer.from(bytes);
    if (this.qHead === this.qBuf.length && this.budget > 0) {
      this.budget--;
      this.transmit(buf, to.port, host);
      this.scheduleTurn();
      return;
    }
    if (this.queued >= this.sendQueue) return countDrop(this.stats, 'queueFull');
    this.qBuf.push(buf);
    this.qPort.push(to.port);
    this.qHost.push(host);
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
    if (to === this.lastTo) return this.lastToHost;
    if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535 || to.ip.length !== (to.family === 4 ? 4 : 16)) {
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
    this.lastTo = to;
    this.lastToHost = host;
    return host;
  }

  private transmit(buf: Buffer, port: number, host: string): void {
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
    let from = this.lastFrom;
    if (!from || rinfo.port !== this.lastFromPort || rinfo.address !== this.lastFromText) {
      try {
        from = parseAddress(rinfo.address, rinfo.port);
      } catch {
        return countDrop(this.stats, 'badAddress');
      }
      this.lastFrom = from;
      this.lastFromText = rinfo.address;
      this.lastFromPort = rinfo.port;
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
  const port = positiveInt('port', opts.port ?? 0, 0, 65535);
  const mtu = positiveInt('mtu', opts.mtu ?? DEFAULTS.mtu, DEFAULTS.minMtu, DEFAULTS.maxDatagramBytes);
  const sendQueue = positiveInt('sendQueue', opts.sendQueue ?? DEFAULTS.udpSendQueue);
  const sendBatch = positiveInt('sendBatch', opts.sendBatch ?? DEFAULTS.udpSendBatch);
  const socketBuffer = positiveInt('socketBuffer', opts.socketBuffer ?? DEFAULTS.udpSocketBuffer);
  const maxDatagramBytes = positiveInt('maxDatagramBytes', opts.maxDatagramBytes ?? DEFAULTS.maxDatagramBytes);
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
  return new UdpTransport(socket, family, { mtu, sendQueue, sendBatch, maxDatagramBytes });
}

// ---------------------------------------------------------------------------------------------

export interface RawDgramRate {
  /** Datagrams handed to dgram during the run. */
  sent: number;
  /** Datagrams that arrived (counted until traffic settles after the run). */
  received: number;
  /** received per second of the run: the baseline a forwarding rate is quoted against. */
  perSecond: number;
}

function bindPlain(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.removeListener('error', reject);
      s.on('error', () => {
        /* counted as not received */
      });
      setBuffersBestEffort(s, DEFAULTS.udpSocketBuffer);
      resolve(s);
    });
  });
}

/**
 * The baseline for UDP benchmarks: datagrams between two plain node:dgram sockets on 127.0.0.1 with
 * the same pacing as UdpTransport (udpSendBatch per event-loop turn), nothing else. Benchmarks quote
 * the overlay's forwarding rate as a ratio of this, measured in the same process (DESIGN §4).
 */
export async function measureRawDgramRate(durationMs: number, payloadBytes: number): Promise<RawDgramRate> {
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) throw new InvalidArgumentError(`durationMs must be > 0, got ${durationMs}`);
  positiveInt('payloadBytes', payloadBytes, 1, DEFAULTS.maxDatagramBytes);
  const rx = await bindPlain();
  const tx = await bindPlain().catch((err) => {
    rx.close();
    throw err;
  });
  let received = 0;
  rx.on('message', () => {
    received++;
  });
  const port = rx.address().port;
  const payload = Buffer.alloc(payloadBytes, 0xa5);
  const batch = DEFAULTS.udpSendBatch;
  let sent = 0;
  const end = performance.now() + durationMs;
  await new Promise<void>((resolve) => {
    const turn = () => {
      if (performance.now() >= end) return resolve();
      for (let i = 0; i < batch; i++) tx.send(payload, port, '127.0.0.1');
      sent += batch;
      setImmediate(turn);
    };
    turn();
  });
  // Let datagrams still in the kernel arrive: stop once a short quiet spell passes.
  for (let quiet = 0, last = -1; quiet < 3 && received < sent; ) {
    await new Promise((r) => setTimeout(r, 10));
    if (received === last) quiet++;
    else quiet = 0;
    last = received;
  }
  await Promise.all([new Promise<void>((r) => tx.close(() => r())), new Promise<void>((r) => rx.close(() => r()))]);
  return { sent, received, perSecond: (received * 1000) / durationMs };
}
