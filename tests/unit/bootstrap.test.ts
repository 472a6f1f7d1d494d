import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bunyan from 'bunyan';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import type { Address } from '../../routing/handle';
import { addressKey } from '../../transport/address';
import { ChainedBootstrap, type BootstrapProvider } from '../../bootstrap/provider';
import { formatEndpoint, parseEndpoint, StaticBootstrap } from '../../bootstrap/staticList';
import { PersistedPeers } from '../../bootstrap/persistedPeers';

/** Warnings about corrupt files are expected here; keep them off the test output. */
const quiet = bunyan.createLogger({ name: 'bootstrap-test', streams: [] });

const v4 = (a: number, b: number, c: number, d: number, port: number): Address => ({ family: 4, ip: Uint8Array.of(a, b, c, d), port });
const keys = (as: readonly Address[]): string[] => as.map(addressKey);

describe('static list', () => {
  it('parses IPv4 and bracketed IPv6 endpoints', () => {
    expect(parseEndpoint('127.0.0.1:4000')).toEqual(v4(127, 0, 0, 1, 4000));
    const loop6 = parseEndpoint('[::1]:4000');
    expect(loop6.family).toBe(6);
    expect(Array.from(loop6.ip)).toEqual([...new Array(15).fill(0), 1]);
    expect(loop6.port).toBe(4000);
    expect(addressKey(parseEndpoint(' [2001:db8::7]:65535 '))).toBe('6:2001:db8::7:65535');
    // An IPv4-mapped IPv6 literal is the IPv4 peer it names.
    expect(parseEndpoint('[::ffff:10.0.0.1]:5')).toEqual(v4(10, 0, 0, 1, 5));
  });

  it('refuses malformed endpoints with InvalidArgumentError', () => {
    const bad = [
      '',
      '127.0.0.1',
      '127.0.0.1:',
      '127.0.0.1:0',
      '127.0.0.1:65536',
      '127.0.0.1:12a',
      '127.0.0.1:+80',
      '256.0.0.1:1',
      'localhost:4000',
      '::1:4000',
      '[::1]4000',
      '[::1]:',
      '[::1',
      '[127.0.0.1]:4000',
      '[::g]:4000',
    ];
    for (const text of bad) expect(() => parseEndpoint(text)).toThrow(InvalidArgumentError);
  });

  it('formats endpoints that parse back to the same address', () => {
    for (const text of ['10.1.2.3:9', '[::1]:4000', '[fe80::1:2]:1', '[2001:db8:0:1:1:1:1:1]:80']) {
      const a = parseEndpoint(text);
      expect(formatEndpoint(a)).toBe(text);
      expect(parseEndpoint(formatEndpoint(a))).toEqual(a);
    }
  });

  it('resolves strings and Address objects in order, without duplicates, as a fresh copy each time', async () => {
    const provider = new StaticBootstrap(['127.0.0.1:4000', v4(10, 0, 0, 2, 5000), '[::1]:4000', '127.0.0.1:4000', v4(127, 0, 0, 1, 4000)]);
    expect(provider.name).toBe('static');
    const first = await provider.resolve();
    expect(keys(first)).toEqual(['4:127.0.0.1:4000', '4:10.0.0.2:5000', '6:::1:4000']);
    first.pop();
    expect(await provider.resolve()).toHaveLength(3);
    expect(await new StaticBootstrap([]).resolve()).toEqual([]);
  });

  it('refuses bad entries when built', () => {
    expect(() => new StaticBootstrap(['127.0.0.1:4000', 'nonsense'])).toThrow(InvalidArgumentError);
    expect(() => new StaticBootstrap([{ family: 4, ip: Uint8Array.of(1, 2, 3), port: 1 }])).toThrow(InvalidArgumentError);
    expect(() => new StaticBootstrap([{ family: 6, ip: new Uint8Array(4), port: 1 }])).toThrow(InvalidArgumentError);
    expect(() => new StaticBootstrap([v4(1, 2, 3, 4, 0)])).toThrow(InvalidArgumentError);
    expect(() => new StaticBootstrap([v4(1, 2, 3, 4, 70000)])).toThrow(InvalidArgumentError);
  });
});

describe('persisted peers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tapestry-peers-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const peersIn = (n: number, offset = 0): Address[] => Array.from({ length: n }, (_, i) => v4(10, 0, (i + offset) >> 8, (i + offset) & 255, 4000));

  it('resolves [] from a missing file without counting an error', async () => {
    const p = new PersistedPeers(join(dir, 'none.json'), { log: quiet });
    expect(p.name).toBe('persisted');
    expect(await p.resolve()).toEqual([]);
    expect(p.stats).toEqual({ corrupt: 0, badEntries: 0, readErrors: 0, writeErrors: 0 });
  });

  it('round-trips IPv4 and IPv6 peers through the file, most recent first, merged with earlier ones', async () => {
    const path = join(dir, 'sub', 'peers.json');
    const writer = new PersistedPeers(path, { log: quiet });
    const six = parseEndpoint('[2001:db8::1]:4001');
    await writer.record([v4(10, 0, 0, 1, 4000), six]);
    expect(keys(await new PersistedPeers(path, { log: quiet }).resolve())).toEqual(['4:10.0.0.1:4000', '6:2001:db8::1:4001']);
    await writer.record([v4(10, 0, 0, 9, 4000), six]);
    expect(keys(await new PersistedPeers(path, { log: quiet }).resolve())).toEqual([
      '4:10.0.0.9:4000',
      '6:2001:db8::1:4001',
      '4:10.0.0.1:4000',
    ]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 1, peers: ['10.0.0.9:4000', '[2001:db8::1]:4001', '10.0.0.1:4000'] });
    // The rename left no temporary file behind.
    expect(readdirSync(join(dir, 'sub'))).toEqual(['peers.json']);
    expect(writer.stats).toEqual({ corrupt: 0, badEntries: 0, readErrors: 0, writeErrors: 0 });
  });

  it('keeps at most maxPeers distinct addresses, the most recent ones', async () => {
    const path = join(dir, 'peers.json');
    const p = new PersistedPeers(path, { log: quiet });
    expect(p.maxPeers).toBe(DEFAULTS.maxPersistedPeers);
    const many = peersIn(DEFAULTS.maxPersistedPeers + 20);
    await p.record([...many, ...many]);
    expect(keys(await p.resolve())).toEqual(keys(many.slice(0, DEFAULTS.maxPersistedPeers)));

    const small = new PersistedPeers(path, { maxPeers: 5, log: quiet });
    await small.record(peersIn(3, 500));
    expect(keys(await small.resolve())).toEqual(keys([...peersIn(3, 500), ...peersIn(2)]));
  });

  it('serialises overlapping records: each one merges over the one before', async () => {
    const path = join(dir, 'peers.json');
    const p = new PersistedPeers(path, { maxPeers: 10, log: quiet });
    await Promise.all([p.record(peersIn(1, 1)), p.record(peersIn(1, 2)), p.record(peersIn(1, 3))]);
    expect(keys(await p.resolve())).toEqual(keys([...peersIn(1, 3), ...peersIn(1, 2), ...peersIn(1, 1)]));
  });

  it('treats a corrupt file as no peers, counts it, and replaces it on the next record', async () => {
    const path = join(dir, 'peers.json');
    const p = new PersistedPeers(path, { log: quiet });
    for (const junk of ['{not json', '[]', 'null', '{"version":2,"peers":[]}', '{"version":1,"peers":"x"}']) {
      writeFileSync(path, junk);
      expect(await p.resolve()).toEqual([]);
    }
    expect(p.stats.corrupt).toBe(5);
    await p.record([v4(10, 0, 0, 1, 4000)]);
    expect(keys(await p.resolve())).toEqual(['4:10.0.0.1:4000']);
  });

  it('skips bad entries of a file and counts them', async () => {
    const path = join(dir, 'peers.json');
    writeFileSync(path, JSON.stringify({ version: 1, peers: ['10.0.0.1:4000', 42, 'nope', '[::1]:7', '10.0.0.1:4000'] }));
    const p = new PersistedPeers(path, { log: quiet });
    expect(keys(await p.resolve())).toEqual(['4:10.0.0.1:4000', '6:::1:7']);
    expect(p.stats.badEntries).toBe(2);
  });

  it('never reads a file larger than its bound', async () => {
    const path = join(dir, 'peers.json');
    writeFileSync(path, JSON.stringify({ version: 1, peers: ['10.0.0.1:4000'], pad: 'x'.repeat(200) }));
    const p = new PersistedPeers(path, { maxFileBytes: 100, log: quiet });
    expect(await p.resolve()).toEqual([]);
    expect(p.stats.corrupt).toBe(1);
  });

  it('counts a failed write and invalid addresses, and never rejects', async () => {
    // A directory where the file should be: reading and renaming onto it both fail.
    const path = join(dir, 'taken');
    mkdirSync(path);
    const p = new PersistedPeers(path, { log: quiet });
    await expect(p.record([v4(10, 0, 0, 1, 4000), v4(10, 0, 0, 2, 0)])).resolves.toBeUndefined();
    expect(p.stats.writeErrors).toBe(1);
    expect(p.stats.badEntries).toBe(1);
    expect(await p.resolve()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('refuses bad options', () => {
    expect(() => new PersistedPeers('', { log: quiet })).toThrow(InvalidArgumentError);
    expect(() => new PersistedPeers(join(dir, 'p'), { maxPeers: 0, log: quiet })).toThrow(InvalidArgumentError);
    expect(() => new PersistedPeers(join(dir, 'p'), { maxFileBytes: 0.5, log: quiet })).toThrow(InvalidArgumentError);
  });
});

describe('chained bootstrap', () => {
  const fixed = (name: string, list: Address[], recorded?: Address[][]): BootstrapProvider => ({
    name,
    resolve: async () => [...list],
    ...(recorded && { record: async (peers: readonly Address[]) => void recorded.push([...peers]) }),
  });
  const failing: BootstrapProvider = {
    name: 'broken',
    resolve: async () => {
      throw new Error('unreachable');
    },
    record: async () => {
      throw new Error('read-only');
    },
  };

  it('answers with the first non-empty list, passing over empty and failing providers', async () => {
    const a = v4(10, 0, 0, 1, 1);
    const b = v4(10, 0, 0, 2, 2);
    const chain = new ChainedBootstrap([fixed('empty', []), failing, fixed('one', [a]), fixed('two', [b])]);
    expect(chain.name).toBe('chain(empty,broken,one,two)');
    expect(await chain.resolve()).toEqual([a]);
    expect(chain.stats.errors).toBe(1);
    expect(await new ChainedBootstrap([fixed('empty', []), failing]).resolve()).toEqual([]);
    expect(await new ChainedBootstrap([]).resolve()).toEqual([]);
  });

  it('hands recorded peers to every provider that records, and survives one that fails', async () => {
    const seen: Address[][] = [];
    const chain = new ChainedBootstrap([fixed('static', []), failing, fixed('memory', [], seen)]);
    const peers = [v4(10, 0, 0, 1, 1)];
    await expect(chain.record(peers)).resolves.toBeUndefined();
    expect(seen).toEqual([peers]);
    expect(chain.stats.errors).toBe(1);
  });

  it('chains a static list behind persisted peers (the usual set-up)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapestry-chain-'));
    try {
      const persisted = new PersistedPeers(join(dir, 'peers.json'), { log: quiet });
      const chain = new ChainedBootstrap([persisted, new StaticBootstrap(['127.0.0.1:4000'])]);
      expect(keys(await chain.resolve())).toEqual(['4:127.0.0.1:4000']);
      await chain.record([v4(10, 0, 0, 7, 4000)]);
      expect(keys(await chain.resolve())).toEqual(['4:10.0.0.7:4000']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
