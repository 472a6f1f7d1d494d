/**
 * dht-rpc (Kademlia, the DHT under hyperswarm) at the same N, on 127.0.0.1, in this process, as its
 * README sets up a local network: one DHT.bootstrapper on a known port, every other node
 * `new DHT({ bootstrap: ['127.0.0.1:port'], ephemeral: false })` (ephemeral: false is the README's
 * advice for test networks), awaited with fullyBootstrapped(). put/get is the README's key-value
 * store: a custom command VALUES, put as a query with `commit: true` (the closest nodes, holding a
 * round-trip token, store the value), get as a query streamed until a reply carries the value.
 *
 * Datagrams are counted by wrapping send/trySend of every socket the nodes open: they all share one
 * UDX instance whose createSocket is wrapped (udx-native's own packetsTransmitted counters read 0).
 */
import { createHash } from 'node:crypto';
import type { PeersArgs } from './args';
import { runOps, withTimeout, type OpFigures } from './measure';
import { freePort, settleAndRun } from './peerCommon';
import { SeededRng } from '../../sim/random';

type Emit = (fields: Record<string, unknown>) => void;

// dht-rpc ships no type declarations: the part of its API used here, as its README documents it.
interface Reply {
  readonly value: Uint8Array | null;
}
interface Query extends AsyncIterable<Reply> {
  finished(): Promise<void>;
  destroy(): void;
  readonly closestNodes: ReadonlyArray<{ readonly id: Uint8Array | null }>;
}
interface Request {
  readonly command: number;
  readonly token: Uint8Array | null;
  readonly target: Uint8Array | null;
  readonly value: Uint8Array | null;
  reply(value: Uint8Array | null): void;
}
interface DhtNode {
  readonly id: Uint8Array | null;
  fullyBootstrapped(): Promise<void>;
  findNode(target: Uint8Array): Query;
  query(q: { target: Uint8Array; command: number; value?: Uint8Array }, opts?: { commit?: boolean }): Query;
  on(event: 'request', listener: (req: Request) => void): void;
  destroy(): Promise<void>;
}
interface DhtCtor {
  new (opts: Record<string, unknown>): DhtNode;
  bootstrapper(port: number, host: string, opts?: Record<string, unknown>): DhtNode;
}
interface UdxSocket {
  trySend(buffer: Uint8Array, ...rest: unknown[]): unknown;
  send(buffer: Uint8Array, ...rest: unknown[]): unknown;
}
interface Udx {
  createSocket(opts?: unknown): UdxSocket;
}

/** The README's command enum for its key-value store. */
const VALUES = 0;
const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const same = (a: Uint8Array | null | undefined, b: Uint8Array): boolean => !!a && Buffer.from(a).equals(b);

/** One UDX for every node, its sockets' sends counted. */
function countingUdx(): { udx: Udx; counts: { datagrams: number; bytes: number } } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const UDX = require('udx-native') as new () => Udx;
  const udx = new UDX();
  const counts = { datagrams: 0, bytes: 0 };
  const create = udx.createSocket.bind(udx);
  udx.createSocket = (opts?: unknown) => {
    const socket = create(opts);
    for (const m of ['trySend', 'send'] as const) {
      const original = socket[m].bind(socket);
      socket[m] = (buffer: Uint8Array, ...rest: unknown[]) => {
        counts.datagrams++;
        counts.bytes += buffer.byteLength;
        return original(buffer, ...rest);
      };
    }
    return socket;
  };
  return { udx, counts };
}

export async function runDhtRpc(args: PeersArgs, emit: Emit): Promise<Map<string, OpFigures>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const DHT = require('dht-rpc') as DhtCtor;
  const { udx, counts } = countingUdx();
  const base = { system: 'dht-rpc', n: args.nodes };
  const nodes: DhtNode[] = [];
  /** Per node, the README's value store; `stored` counts the nodes holding each value. */
  const stored = new Map<string, number>();
  const serve = (node: DhtNode): void => {
    const values = new Map<string, Uint8Array>();
    node.on('request', (req) => {
      if (req.command !== VALUES) return;
      if (req.token && req.value) {
        const key = hex(sha256(req.value));
        if (!values.has(key)) stored.set(key, (stored.get(key) ?? 0) + 1);
        values.set(key, req.value);
        return req.reply(null);
      }
      req.reply((req.target && values.get(hex(req.target))) ?? null);
    });
  };
  try {
    const t0 = performance.now();
    const port = await freePort();
    const boot = DHT.bootstrapper(port, '127.0.0.1', { udx, host: '127.0.0.1' });
    nodes.push(boot);
    serve(boot);
    await boot.fullyBootstrapped();
    let failed = 0;
    while (nodes.length < args.nodes) {
      const batch = Math.min(args.joinConcurrency, args.nodes - nodes.length);
      await Promise.all(Array.from({ length: batch }, async () => {
        const node = new DHT({ bootstrap: [`127.0.0.1:${port}`], ephemeral: false, host: '127.0.0.1', udx });
        nodes.push(node);
        serve(node);
        await withTimeout(node.fullyBootstrapped(), 20_000, 'bootstrap').catch(() => failed++);
      }));
    }
    const buildMs = performance.now() - t0;
    return await settleAndRun(base, { nodes: nodes.length, buildMs, failed }, counts, emit, () => ops(args, nodes, counts, stored));
  } finally {
    await Promise.all(nodes.map((n) => n.destroy().catch(() => undefined)));
  }
}

async function ops(args: PeersArgs, nodes: readonly DhtNode[], counts: { datagrams: number }, stored: ReadonlyMap<string, number>): Promise<Map<string, OpFigures>> {
  const rng = new SeededRng(args.seed).fork('peers-dht-rpc');
  const n = nodes.length;
  const runOpts = { count: args.ops, datagrams: () => counts.datagrams, maxConsecutiveFailures: args.maxConsecutiveFailures };
  const figures = new Map<string, OpFigures>();
  /** Runs a query to its end, destroying it when it outlives the operation timeout. */
  const finish = async (q: Query): Promise<void> => {
    try {
      await withTimeout(q.finished(), args.opTimeoutMs, 'query');
    } catch (err) {
      q.destroy();
      throw err;
    }
  };

  // Lookup: findNode for another node's id; it succeeds when that node is the closest found.
  figures.set('lookup', await runOps('lookup', async () => {
    const a = rng.int(n);
    const target = nodes[(a + 1 + rng.int(n - 1)) % n].id;
    if (!target) return false;
    const q = nodes[a].findNode(target);
    await finish(q);
    return same(q.closestNodes[0]?.id, target);
  }, runOpts));

  // The putter is kept so that a get comes from another node, as in the other two systems.
  const values: Array<{ value: Uint8Array; by: number }> = [];
  figures.set('put', await runOps('put', async (i) => {
    const value = Buffer.from(`peers bench ${args.seed} value ${i}`);
    const target = sha256(value);
    const by = rng.int(n);
    values.push({ value, by });
    await finish(nodes[by].query({ target, command: VALUES, value }, { commit: true }));
    return (stored.get(hex(target)) ?? 0) > 0;
  }, runOpts));

  figures.set('get', await runOps('get', async () => {
    if (!values.length) return false;
    const { value, by } = values[rng.int(values.length)];
    const target = sha256(value);
    let from = rng.int(n);
    if (from === by) from = (from + 1) % n;
    const q = nodes[from].query({ target, command: VALUES });
    const found = (async () => {
      for await (const reply of q) if (same(reply.value, value)) return true; // leaving the loop destroys the query
      return false;
    })();
    try {
      return await withTimeout(found, args.opTimeoutMs, 'get');
    } catch (err) {
      q.destroy();
      throw err;
    }
  }, runOpts));
  return figures;
}
