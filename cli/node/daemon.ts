/**
 * `tapestry node`: one node as a long-running process — an application of the library, built on its
 * public API and module context alone. It starts the node (keeping its GUID in the data directory),
 * joins through --bootstrap or the peers it knew last time, serves the control API and /metrics, and
 * on stop leaves the mesh gracefully (hand-over done) within a bound and saves its peers.
 */
import bunyan from 'bunyan';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNode } from '../../api/node';
import type { TapestryNode } from '../../api/tapestryNode';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, NoReplyError, NoSuchNodeError, NotFoundError, RecordRejectedError, TapestryError, TimeoutError, UndeliverableError } from '../../errors';
import { anycast } from '../../upcalls/anycast';
import { bayeux } from '../../upcalls/bayeux';
import { dht } from '../../upcalls/dht';
import { controlEndpoints } from '../control/api';
import { EventHub } from '../control/events';
import { startJsonServer, type ErrorStatus } from '../control/http';
import { DaemonApp, peerJson } from './app';
import type { DaemonConfig, HostPort } from './config';
import { DataDir } from './dataDir';
import { NodeMetrics } from './metrics';
import { startMetricsServer } from './metricsServer';

/** How often the peers snapshot is saved while running (ms). */
const SNAPSHOT_MS = 60_000;
/** How long after a leaf-set change the snapshot is saved (ms): one write for a burst of changes. */
const SNAPSHOT_SETTLE_MS = 1_000;
/** How long a graceful leave may take before the node is closed anyway (ms). */
export const LEAVE_BOUND_MS = 10_000;

export interface RunningDaemon {
  readonly node: TapestryNode;
  readonly control: HostPort;
  readonly metrics?: HostPort;
  /** Leaves the mesh (bounded), saves the peers snapshot, closes the servers. */
  stop(): Promise<void>;
}

/**
 * A library error as the control API answers it: the caller's mistake or the mesh's answer, not a
 * crash. A named error's `code` is its name without "Error" in lower camel case (NotFoundError →
 * `notFound`), with its reason for a refused DHT record (`recordRejected:notOwner`).
 */
export const errorStatus: ErrorStatus = (err) => {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const status = err instanceof InvalidArgumentError ? 400
    : err instanceof NotFoundError || err instanceof NoSuchNodeError || err instanceof UndeliverableError ? 404
    : err instanceof RecordRejectedError ? 409
    : err instanceof MessageTooLargeError ? 413
    : err instanceof LimitExceededError ? 429
    : err instanceof NoReplyError ? 502
    : err instanceof ClosedError ? 503
    : err instanceof TimeoutError || err instanceof AbortedError ? 504
    : 500;
  if (!(err instanceof TapestryError)) return { status, message };
  const name = err.name.replace(/Error$/, '');
  const code = `${name[0].toLowerCase()}${name.slice(1)}${err instanceof RecordRejectedError ? `:${err.reason}` : ''}`;
  return { status, message, code };
};

const bound = (server: Server): HostPort => {
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
};

/** Starts the daemon; rejects with an Error whose message is the one line to print. */
export async function startDaemon(cfg: DaemonConfig, opts: { joinTimeoutMs: number }): Promise<RunningDaemon> {
  const dataDir = cfg.dataDir ? new DataDir(cfg.dataDir) : undefined;
  const bootstrap = cfg.bootstrap.length ? cfg.bootstrap : (dataDir?.readSnapshot()?.peers ?? []);
  const log = bunyan.createLogger({ name: 'tapestry', level: cfg.logLevel, stream: process.stderr });
  const family = cfg.listen.host.includes(':') ? 6 : 4;
  const node = await createNode({
    transport: { family, host: cfg.listen.host, port: cfg.listen.port },
    security: cfg.security,
    log,
    ...(dataDir ? { identity: dataDir.identityFile } : {}),
    ...(bootstrap.length ? { bootstrap: [...bootstrap] } : {}),
  });
  const startedAt = Date.now();
  const events = new EventHub();
  const metrics = new NodeMetrics(node);
  const app = new DaemonApp(events, (hops) => metrics.observeHops(hops));
  node.register(app.module());
  const multicast = node.register(bayeux());
  const ac = node.register(anycast());
  const kv = node.register(dht());
  node.onStatus((status) => events.publish('status', { status }));
  node.onLeafSet(() => events.publish('leafset', { smaller: node.leafSet.smaller.map(peerJson), larger: node.leafSet.larger.map(peerJson) }));

  if (bootstrap.length) {
    const joined = await Promise.race([
      node.whenStatus('ACTIVE').then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), opts.joinTimeoutMs).unref()),
    ]);
    if (!joined) {
      await node.close();
      throw new Error(`could not join the mesh through ${bootstrap.join(', ')}: no answer in ${opts.joinTimeoutMs / 1000} s`);
    }
  }

  let control: Server | undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  const save = () => dataDir?.writeSnapshot(node.guid.hex, node.peerAddresses(), new Date());
  // Saved at once, when the leaf set changes (a moment later, once a burst of changes settled) and
  // periodically: a node killed outright still rejoins through peers it knew moments before.
  const timer = dataDir ? setInterval(save, SNAPSHOT_MS).unref() : undefined;
  let pending: NodeJS.Timeout | undefined;
  if (dataDir) {
    save();
    node.onLeafSet(() => {
      pending ??= setTimeout(() => {
        pending = undefined;
        if (node.status !== 'CLOSED') save();
      }, SNAPSHOT_SETTLE_MS).unref();
    });
  }
  try {
    control = await startJsonServer(cfg.control.host, cfg.control.port, controlEndpoints({
      node, app, events, multicast, anycast: ac, dht: kv, startedAt, onLocate: (s, outcome) => metrics.observeLocate(s, outcome),
    }), errorStatus);
    if (cfg.metrics) metricsServer = await startMetricsServer(metrics, cfg.metrics.host, cfg.metrics.port);
  } catch (err) {
    control?.close();
    await node.close();
    throw new Error(`cannot serve: ${(err as Error).message}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    if (timer) clearInterval(timer);
    if (pending) clearTimeout(pending);
    // The peers are saved before leaving: after it the node knows none.
    save();
    events.close();
    await Promise.race([node.leave().catch(() => node.close()), new Promise((r) => setTimeout(r, LEAVE_BOUND_MS).unref())]);
    if (node.status !== 'CLOSED') await node.close();
    // A closed node's timers never fire: DHT calls still waiting end now (ClosedError, a 503) rather than hang.
    kv.close();
    control?.closeAllConnections();
    await new Promise((r) => control!.close(r));
    await metricsServer?.close();
  })());
  return { node, control: bound(control), ...(metricsServer ? { metrics: metricsServer.address } : {}), stop };
}
