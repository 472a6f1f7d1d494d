/**
 * UDP forwarding rate through one node, against a raw node:dgram relay measured in the same run
 * under the same load: load generator and sink in a worker thread, the relay (raw socket, then our
 * node) on the main thread. The ratio is the share of raw speed the node's per-hop work leaves.
 */
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createNode } from '../api/node';
import { Guid } from '../routing/guid';
import { encodeFrame } from '../wire/codec';
import { WIRE_VERSION } from '../routing/messages';

function ask<T>(worker: Worker, msg: unknown): Promise<T> {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(msg);
  });
}

export async function benchUdpForward(durationMs = 3_000, payloadBytes = 100): Promise<Record<string, number>> {
  const worker = new Worker(join(__dirname, 'udpLoadWorker.cjs'));
  const { sinkPort } = await new Promise<{ sinkPort: number }>((r) => worker.once('message', r));
  const loopback = Uint8Array.of(127, 0, 0, 1);
  const sinkHandle = { guid: Guid.fromName('sink'), address: { family: 4 as const, ip: loopback, port: sinkPort } };
  const source = { guid: Guid.fromName('source'), address: { family: 4 as const, ip: loopback, port: 9 } };
  const frame = encodeFrame({
    version: WIRE_VERSION, sender: source, messageId: 1,
    body: { kind: 'route', route: { source, dest: sinkHandle.guid, fuzzy: false, ttl: 16, hops: 0, level: 0, moduleId: 0, payload: new Uint8Array(payloadBytes) } },
  });

  // Baseline: a raw socket that re-sends every datagram it gets to the sink.
  const relay = createSocket('udp4');
  relay.on('message', (msg) => relay.send(msg, sinkPort, '127.0.0.1'));
  await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
  const raw = await ask<{ sent: number; received: number }>(worker, { target: relay.address().port, frame, durationMs });
  await new Promise<void>((r) => relay.close(() => r()));

  // Our node: decodes, routes (nextHop), re-encodes and sends each frame on.
  // The sink is a raw socket that never acknowledges: hop acknowledgements are off for this measure,
  // and so is the per-peer rate limit, which the single load generator would hit at once.
  const node = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, hopAcks: false, peerRateLimit: false, heartbeatMs: 0, repairMs: 0 });
  node.addPeer(sinkHandle, 1);
  const ours = await ask<{ sent: number; received: number }>(worker, { target: node.address.port, frame, durationMs });
  const forwarded = node.stats.router.forwarded;
  await node.close();
  worker.postMessage({ stop: true });
  await worker.terminate();

  const seconds = durationMs / 1000;
  const rawPerSecond = raw.received / seconds;
  const nodePerSecond = ours.received / seconds;
  return {
    payloadBytes,
    offeredPerSecond: Math.round(ours.sent / seconds),
    rawRelayPerSecond: Math.round(rawPerSecond),
    nodeForwardedPerSecond: Math.round(nodePerSecond),
    nodeForwardedCounted: forwarded,
    ratio: Number((nodePerSecond / rawPerSecond).toFixed(3)),
  };
}
