/**
 * Peers remembered across restarts in a small JSON file, so a node can rejoin through the peers it
 * last saw when its configured list is stale. The file is a cache: a missing or damaged one means
 * "no peers known" (counted and logged), never a failed start.
 *
 * File format: {"version":1,"peers":["127.0.0.1:4000","[::1]:4001"]}, most recently seen first.
 */
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { checkInteger, InvalidArgumentError } from '../errors';
import { rootLogger } from '../log';
import type { Address } from '../routing/handle';
import { addressKey } from '../transport/address';
import type { BootstrapProvider } from './provider';
import { checkedAddress, formatEndpoint, parseEndpoint } from './staticList';

const VERSION = 1;

/** Options of {@link PersistedPeers}; each limit is an integer ≥ 1. */
export interface PersistedPeersOptions {
  /** Most peers the file keeps (the most recently seen). Default: DEFAULTS.maxPersistedPeers (64). */
  maxPeers?: number;
  /**
   * Largest file read, in bytes; a bigger one counts as corrupt. Default:
   * DEFAULTS.maxPersistedPeersFileBytes (65,536).
   */
  maxFileBytes?: number;
  /** Where problems are logged; a child of the root logger by default. */
  log?: bunyan;
}

/** What a {@link PersistedPeers} counts since it was made. */
export interface PersistedPeersStats {
  /** Reads that found a file that was not a peers file (bad JSON, wrong shape, too large). */
  corrupt: number;
  /** Entries skipped: unparsable ones in the file, invalid addresses given to record(). */
  badEntries: number;
  /** Reads that failed for another reason than a missing file. */
  readErrors: number;
  /** Writes that failed; the previous file is left as it was. */
  writeErrors: number;
}

/**
 * A bootstrap provider that remembers peers in a small JSON file across restarts, so a node can rejoin
 * through the peers it last saw when its configured list is stale. Usually chained after (or before)
 * a {@link StaticBootstrap} with {@link ChainedBootstrap}.
 *
 * The file is a cache: a missing or damaged one means "no peers known" (counted in `stats` and
 * logged), never a failed start. Writes go to a temporary file renamed into place, one at a time.
 * File format: `{"version":1,"peers":["127.0.0.1:4000","[::1]:4001"]}`, most recently seen first.
 *
 * The constructor throws InvalidArgumentError for an empty path or an option out of range.
 */
export class PersistedPeers implements BootstrapProvider {
  /** Always `persisted`. */
  readonly name = 'persisted';
  /** The file's path, as given. */
  readonly path: string;
  /** Most peers the file keeps. */
  readonly maxPeers: number;
  /** Largest file read, in bytes. */
  readonly maxFileBytes: number;
  /** Counters, updated in place. */
  readonly stats: PersistedPeersStats = { corrupt: 0, badEntries: 0, readErrors: 0, writeErrors: 0 };
  private readonly log: bunyan;
  /** record() calls run one after another, so two writes never interleave their read-merge-rename. */
  private queue: Promise<void> = Promise.resolve();
  private tempSeq = 0;

  constructor(path: string, opts: PersistedPeersOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('a persisted-peers path is required');
    const maxPeers = opts.maxPeers ?? DEFAULTS.maxPersistedPeers;
    const maxFileBytes = opts.maxFileBytes ?? DEFAULTS.maxPersistedPeersFileBytes;
    checkInteger('maxPeers', maxPeers, 1);
    checkInteger('maxFileBytes', maxFileBytes, 1);
    this.path = path;
    this.maxPeers = maxPeers;
    this.maxFileBytes = maxFileBytes;
    this.log = opts.log ?? rootLogger().child({ component: 'persistedPeers' }, true);
  }

  /** The remembered peers, most recent first; [] when there is no usable file. Never rejects. */
  async resolve(): Promise<Address[]> {
    await this.queue;
    return this.load();
  }

  /**
   * Puts `peers` (first = most wanted) ahead of those already remembered, drops repeats, keeps the
   * first maxPeers, and replaces the file atomically: a crash mid-write leaves the old file whole.
   * Never rejects: failures are counted and logged.
   */
  record(peers: readonly Address[]): Promise<void> {
    const fresh = [...peers];
    const run = this.queue.then(() => this.write(fresh));
    // The chain must outlive a failed link, or every later call would fail with it.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(fresh: readonly Address[]): Promise<void> {
    const merged: string[] = [];
    const seen = new Set<string>();
    const take = (a: Address): void => {
      const key = addressKey(a);
      if (seen.has(key) || merged.length >= this.maxPeers) return;
      seen.add(key);
      merged.push(formatEndpoint(a));
    };
    for (const a of fresh) {
      let ok: Address;
      try {
        ok = checkedAddress(a);
      } catch {
        this.stats.badEntries++;
        continue;
      }
      take(ok);
    }
    if (merged.length < this.maxPeers) for (const a of await this.load()) take(a);

    const temp = `${this.path}.${process.pid}.${this.tempSeq++}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temp, JSON.stringify({ version: VERSION, peers: merged }) + '\n');
      await rename(temp, this.path);
    } catch (err) {
      this.stats.writeErrors++;
      this.log.warn({ err, path: this.path }, 'could not write the persisted peers');
      await unlink(temp).catch(() => undefined);
    }
  }

  private async load(): Promise<Address[]> {
    let text: string;
    try {
      // A stat first, so a huge file at the path is never read into memory.
      const info = await stat(this.path);
      if (info.size > this.maxFileBytes) return this.corrupt(`file is ${info.size} bytes, over ${this.maxFileBytes}`);
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.stats.readErrors++;
      this.log.warn({ err, path: this.path }, 'could not read the persisted peers');
      return [];
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return this.corrupt('not JSON');
    }
    const peers = (data as { peers?: unknown } | null)?.peers;
    if ((data as { version?: unknown } | null)?.version !== VERSION || !Array.isArray(peers)) {
      return this.corrupt('not a version 1 peers file');
    }
    const out: Address[] = [];
    const seen = new Set<string>();
    for (const entry of peers) {
      if (out.length >= this.maxPeers) break;
      let a: Address;
      try {
        if (typeof entry !== 'string') throw new InvalidArgumentError('not a string');
        a = parseEndpoint(entry);
      } catch {
        this.stats.badEntries++;
        continue;
      }
      const key = addressKey(a);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
    return out;
  }

  private corrupt(why: string): Address[] {
    this.stats.corrupt++;
    this.log.warn({ path: this.path, why }, 'ignoring a corrupt persisted peers file');
    return [];
  }
}
