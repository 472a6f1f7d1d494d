/**
 * The tapestry DHT module's putValue / getValue in the peers bench, measured as the peers' put / get
 * are: one at a time, a put from a random node, a get of a random value already put from another
 * random node, datagrams counted on every node's socket. Values are the same strings the peers store.
 *
 * A put succeeds when at least one salted root stored the record (as a peer's put succeeds when at
 * least one node stored it); how many puts reached every salted root is reported beside it.
 */
import type { TapestryNode } from '../../api/node';
import type { SeededRng } from '../../sim/random';
import { dht, type Dht, type DhtStats } from '../../upcalls/dht';
import type { PeersArgs } from './args';
import { runOps, type OpFigures, type RunOpsOptions } from './measure';

/** Registers the DHT module, with its default options, on every node. */
export function registerDht(nodes: readonly TapestryNode[]): Dht[] {
  return nodes.map((node) => node.register(dht()));
}

/** The DHT counters summed over every node (`stored` bytes and records as held at the end). */
export function dhtTotals(kv: readonly Dht[]): Record<string, number> {
  const keys: Array<keyof DhtStats> = ['records', 'valueBytes', 'cached', 'storedAsRoot', 'storedAsReplica', 'replicationsSent', 'getsAnswered', 'getsMissed', 'answeredOnPath', 'invalid', 'malformed'];
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = 0;
  for (const m of kv) {
    const s = m.stats();
    for (const k of keys) out[k] += s[k];
  }
  return out;
}

export interface DhtOpsResult {
  readonly figures: Map<string, OpFigures>;
  /** Puts whose every salted root stored the record (the rest: some root did not answer in time). */
  readonly putsAtEverySalt: number;
  /** Salted roots a key is stored at (the module's default). */
  readonly salts: number;
}

/** Runs `args.ops` puts, then `args.ops` gets, one at a time. */
export async function tapestryDhtOps(args: PeersArgs, kv: readonly Dht[], rng: SeededRng, runOpts: RunOpsOptions): Promise<DhtOpsResult> {
  const n = kv.length;
  const figures = new Map<string, OpFigures>();
  const puts: Array<{ key: string; value: Buffer; by: number }> = [];
  let putsAtEverySalt = 0;
  let salts = 0;
  figures.set('put', await runOps('put', async (i) => {
    const by = rng.int(n);
    const key = `peers bench ${args.seed} key ${i}`;
    const value = Buffer.from(`peers bench ${args.seed} value ${i}`);
    let everySalt = 0;
    const r = await kv[by].putValue(key, value, {
      signal: AbortSignal.timeout(args.opTimeoutMs),
      onProgress: (e) => {
        if (e.type === 'sent') salts = e.salts;
        if (e.type === 'done' && !e.timedOut) everySalt = 1;
      },
    });
    putsAtEverySalt += everySalt && r.stored === salts ? 1 : 0;
    puts.push({ key, value, by });
    return r.stored > 0;
  }, runOpts));

  figures.set('get', await runOps('get', async () => {
    if (!puts.length) return false;
    const { key, value, by } = puts[rng.int(puts.length)];
    let from = rng.int(n);
    if (from === by) from = (from + 1) % n;
    const got = await kv[from].getValue(key, { signal: AbortSignal.timeout(args.opTimeoutMs) });
    return Buffer.from(got.value).equals(value);
  }, runOpts));
  return { figures, putsAtEverySalt, salts };
}
