/**
 * bittorrent-dht (BEP 5 Kademlia, WebTorrent's DHT) at the same N, on 127.0.0.1, in this process,
 * as its README sets up a network without the public routers: a first node `bootstrap: false`
 * listening on 127.0.0.1, every other node `bootstrap: ['127.0.0.1:port']`, awaited on 'ready'.
 * Operations: lookup (its recursive get_peers walk, here toward another node's id) and BEP 44
 * immutable put / get (get with `cache: false`, from another node than the putter).
 *
 * Datagrams are counted by wrapping send() of each node's dgram socket (k-rpc-socket's, reached at
 * `dht._rpc.socket.socket`: bittorrent-dht exposes no counters) before the node sends anything.
 */
import type { PeersArgs } from './args';
import { runOps, withTimeout, type OpFigures } from './measure';
import { settleAndRun } from './peerCommon';
import { SeededRng } from '../../sim/random';

type Emit = (fields: Record<string, unknown>) => void;

// bittorrent-dht ships no type declarations: the part of its API used here, as its README documents it.
interface KBucketLike {
  closest(target: Uint8Array, n: number): Array<{ id: Uint8Array }>;
}
interface BtDht {
  readonly nodeId: Buffer;
  listen(port: number, host: string, cb: () => void): void;
  address(): { port: number };
  once(event: 'ready', cb: () => void): void;
  on(event: string, cb: (...a: unknown[]) => void): void;
  lookup(infoHash: Uint8Array, cb: (err: Error | null, n?: number) => void): void;
  put(opts: { v: Buffer }, cb: (err: Error | null, hash: Buffer, n: number) => void): void;
  get(hash: Buffer, opts: { cache: boolean }, cb: (err: Error | null, res: { v: Buffer } | null) => void): void;
  destroy(cb: () => void): void;
  /** Internal: the socket counted, and the closest-nodes table a lookup leaves behind. */
  readonly _rpc: { socket: { socket: { send(buf: Uint8Array | Uint8Array[], ...rest: unknown[]): unknown } } };
  readonly _tables: { get(hex: string): KBucketLike | undefined };
}
type BtDhtCtor = new (opts: Record<string, unknown>) => BtDht;

/** ESM-only package: loaded with import(); the specifier is a variable so the compiled CommonJS keeps a real import(). */
async function loadBtDht(): Promise<BtDhtCtor> {
  const specifier: string = 'bittorrent-dht';
  return ((await import(specifier)) as { default: BtDhtCtor }).default;
}

export async function runBittorrentDht(args: PeersArgs, emit: Emit): Promise<Map<string, OpFigures>> {
  const DHT = await loadBtDht();
  const counts = { datagrams: 0, bytes: 0 };
  const base = { system: 'bittorrent-dht', n: args.nodes };
  const nodes: BtDht[] = [];
  const make = (bootstrap: string[] | false): Promise<BtDht> => {
    const dht = new DHT({ bootstrap });
    nodes.push(dht);
    const socket = dht._rpc.socket.socket;
    const send = socket.send.bind(socket);
    socket.send = (buf: Uint8Array | Uint8Array[], ...rest: unknown[]) => {
      // A send made before the socket is bound is queued by node:dgram and replayed through
      // socket.send with the buffer list it made: that replay was counted when first called.
      if (!Array.isArray(buf)) {
        counts.datagrams++;
        counts.bytes += buf.byteLength;
      }
      return send(buf, ...rest);
    };
    dht.on('error', (err) => console.error(JSON.stringify({ warning: 'bittorrent-dht', error: String(err) })));
    dht.on('warning', () => undefined);
    const ready = new Promise<void>((r) => dht.once('ready', r));
    // Bound in the same turn: its bootstrap queries (next tick) go out from 127.0.0.1.
    return new Promise<void>((r) => dht.listen(0, '127.0.0.1', r)).then(() => ready).then(() => dht);
  };
  try {
    const t0 = performance.now();
    const first = await make(false);
    const boot = [`127.0.0.1:${first.address().port}`];
    let failed = 0;
    while (nodes.length < args.nodes) {
      const batch = Math.min(args.joinConcurrency, args.nodes - nodes.length);
      await Promise.all(Array.from({ length: batch }, () => withTimeout(make(boot), 20_000, 'bootstrap').catch(() => failed++)));
    }
    const buildMs = performance.now() - t0;
    return await settleAndRun(base, { nodes: nodes.length, buildMs, failed }, counts, emit, () => ops(args, nodes, counts));
  } finally {
    await Promise.all(nodes.map((d) => new Promise<void>((r) => d.destroy(() => r()))));
  }
}

async function ops(args: PeersArgs, nodes: readonly BtDht[], counts: { datagrams: number }): Promise<Map<string, OpFigures>> {
  const rng = new SeededRng(args.seed).fork('peers-bittorrent-dht');
  const n = nodes.length;
  const runOpts = { count: args.ops, datagrams: () => counts.datagrams, maxConsecutiveFailures: args.maxConsecutiveFailures };
  const two = (): [BtDht, BtDht] => {
    const a = rng.int(n);
    return [nodes[a], nodes[(a + 1 + rng.int(n - 1)) % n]];
  };
  const figures = new Map<string, OpFigures>();

  // Lookup toward another node's id; it succeeds when that node is the closest the walk found.
  figures.set('lookup', await runOps('lookup', async () => {
    const [from, to] = two();
    await withTimeout(new Promise<void>((resolve, reject) => from.lookup(to.nodeId, (err) => (err ? reject(err) : resolve()))), args.opTimeoutMs, 'lookup');
    const closest = from._tables.get(to.nodeId.toString('hex'))?.closest(to.nodeId, 1)[0];
    return !!closest && Buffer.from(closest.id).equals(to.nodeId);
  }, runOpts));

  const puts: Array<{ hash: Buffer; value: Buffer; by: BtDht }> = [];
  figures.set('put', await runOps('put', async (i) => {
    const by = nodes[rng.int(n)];
    const value = Buffer.from(`peers bench ${args.seed} value ${i}`);
    const [hash, stored] = await withTimeout(
      new Promise<[Buffer, number]>((resolve, reject) => by.put({ v: value }, (err, h, k) => (err ? reject(err) : resolve([h, k])))),
      args.opTimeoutMs, 'put',
    );
    puts.push({ hash, value, by });
    return stored > 0;
  }, runOpts));

  figures.set('get', await runOps('get', async () => {
    if (!puts.length) return false;
    const { hash, value, by } = puts[rng.int(puts.length)];
    let from = nodes[rng.int(n)];
    if (from === by) from = nodes[(nodes.indexOf(from) + 1) % n];
    const res = await withTimeout(
      new Promise<{ v: Buffer } | null>((resolve, reject) => from.get(hash, { cache: false }, (err, r) => (err ? reject(err) : resolve(r)))),
      args.opTimeoutMs, 'get',
    );
    return !!res && Buffer.from(res.v).equals(value);
  }, runOpts));
  return figures;
}
