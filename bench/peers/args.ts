/** The command line of `npm run bench:peers` (after `--`): flags with their defaults. */

export interface PeersArgs {
  /** Nodes in each mesh (tapestry and every peer DHT). */
  readonly nodes: number;
  /** Minutes of maintenance between the build and the operations. */
  readonly settleMinutes: number;
  /** Operations of each kind, run one at a time. */
  readonly ops: number;
  readonly security: 'signed' | 'none';
  readonly build: 'joins' | 'static';
  readonly seed: number;
  /** Also build dht-rpc and bittorrent-dht meshes and print the ratios. */
  readonly peers: boolean;
  /** How long one operation may take before it counts as failed (ms). */
  readonly opTimeoutMs: number;
  /** Joins in flight at once while a mesh is built by joins. */
  readonly joinConcurrency: number;
  /** An operation kind stops after this many failures in a row (a collapsed mesh would take hours of timeouts). */
  readonly maxConsecutiveFailures: number;
  /** The tapestry operation kinds run (locate needs publish); `dht` is the DHT module's put and get. */
  readonly kinds: readonly TapestryKind[];
}

/** The kinds of tapestry operation the bench can time. */
export type TapestryKind = 'route' | 'publish' | 'locate' | 'dht';
const KINDS: readonly TapestryKind[] = ['route', 'publish', 'locate', 'dht'];

const DEFAULT_ARGS: PeersArgs = {
  nodes: 1_000, settleMinutes: 5, ops: 500, security: 'signed', build: 'joins', seed: 1, peers: true,
  opTimeoutMs: 10_000, joinConcurrency: 4, maxConsecutiveFailures: 50, kinds: KINDS,
};

const USAGE = 'usage: bench/run.ts peers [--nodes N] [--settle-minutes M] [--ops K] [--security signed|none] [--build joins|static] [--seed S] [--peers|--no-peers] [--op-timeout-ms T] [--join-concurrency C] [--max-consecutive-failures F] [--kinds route,publish,locate,dht]';

export function parsePeersArgs(argv: readonly string[]): PeersArgs {
  const out: Record<string, unknown> = { ...DEFAULT_ARGS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--peers' || flag === '--no-peers') {
      out.peers = flag === '--peers';
      continue;
    }
    const eq = flag.indexOf('=');
    const name = flag.slice(2, eq < 0 ? undefined : eq);
    const value = eq < 0 ? argv[++i] : flag.slice(eq + 1);
    if (!flag.startsWith('--') || value === undefined) throw new Error(`${flag}: ${USAGE}`);
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    switch (key) {
      case 'security':
        if (value !== 'signed' && value !== 'none') throw new Error(`--security ${value}: ${USAGE}`);
        out.security = value;
        break;
      case 'build':
        if (value !== 'joins' && value !== 'static') throw new Error(`--build ${value}: ${USAGE}`);
        out.build = value;
        break;
      case 'kinds': {
        const kinds = value.split(',').filter(Boolean);
        const bad = kinds.find((k) => !(KINDS as readonly string[]).includes(k));
        if (bad !== undefined || (kinds.includes('locate') && !kinds.includes('publish'))) throw new Error(`--kinds ${value} (locate needs publish): ${USAGE}`);
        out.kinds = kinds;
        break;
      }
      case 'peers':
        out.peers = value !== 'false' && value !== '0';
        break;
      case 'nodes': case 'settleMinutes': case 'ops': case 'seed': case 'opTimeoutMs': case 'joinConcurrency': case 'maxConsecutiveFailures': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${value}: ${USAGE}`);
        out[key] = n;
        break;
      }
      default:
        throw new Error(`unknown flag ${flag}: ${USAGE}`);
    }
  }
  const args = out as unknown as PeersArgs;
  if (args.nodes < 2 || !Number.isInteger(args.nodes)) throw new Error(`--nodes must be an integer ≥ 2: ${USAGE}`);
  if (args.joinConcurrency < 1) throw new Error(`--join-concurrency must be ≥ 1: ${USAGE}`);
  return args;
}
