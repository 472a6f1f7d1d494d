/**
 * The baseline for UDP benchmarks: datagrams between two plain node:dgram sockets on 127.0.0.1 with
 * the same pacing as UdpTransport (udpSendBatch per event-loop turn), nothing else.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError } from '../errors';
import { setBuffersBestEffort } from '../transport/udp';

export interface RawDgramRate {
  /** Datagrams handed to dgram during the run. */
  sent: number;
  /** Datagrams that arrived (counted until traffic settles after the run). */
  received: number;
  /** received per second of the run: the baseline a forwarding rate is quoted against. */
  perSecond: number;
}

/** A plain node:dgram socket on 127.0.0.1 with the transport's buffer sizes; its errors count as not received. */
export function bindPlain(): Promise<dgram.Socket> {
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
  checkInteger('payloadBytes', payloadBytes, 1, DEFAULTS.maxDatagramBytes);
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
