/**
 * Bootstrap providers (Windows DRT): where a starting node learns the endpoints of nodes already in the
 * mesh. A node with none to reach stays ALONE and asks again later.
 */
import type { Address } from '../routing/handle';

/**
 * Where a starting node learns endpoints of nodes already in the mesh. Pass one as `bootstrap` to
 * createNode: {@link StaticBootstrap}, {@link PersistedPeers}, {@link ChainedBootstrap}, or the
 * application's own (DNS, a tracker, a config service).
 */
export interface BootstrapProvider {
  /** For logs and status: which provider answered. */
  readonly name: string;
  /** Endpoints worth trying, best first; an empty list means "none known", not an error. */
  resolve(): Promise<Address[]>;
  /**
   * Optional: remembers peers seen while the node is active, so a later `resolve` (in this run or the
   * next) can offer them. A rejection is counted by the caller, never fatal.
   */
  record?(peers: readonly Address[]): Promise<void>;
}

/** What a {@link ChainedBootstrap} counts since it was made. */
export interface ChainedBootstrapStats {
  /** Providers whose resolve() or record() failed; the chain carried on without them. */
  errors: number;
}

/**
 * Tries providers in order and answers with the first non-empty list: a configured static list can
 * stand before the peers remembered from the last run, or the other way round. A provider that fails
 * counts as empty, so one broken source never keeps a node from joining through another.
 */
export class ChainedBootstrap implements BootstrapProvider {
  /** `chain(a,b,...)`: the names of the providers, in order. */
  readonly name: string;
  /** Counters, updated in place. */
  readonly stats: ChainedBootstrapStats = { errors: 0 };
  private readonly providers: readonly BootstrapProvider[];

  constructor(providers: readonly BootstrapProvider[]) {
    this.providers = [...providers];
    this.name = `chain(${this.providers.map((p) => p.name).join(',')})`;
  }

  /** The first non-empty list the providers give, in order; [] when none gives one. Never rejects. */
  async resolve(): Promise<Address[]> {
    for (const p of this.providers) {
      try {
        const found = await p.resolve();
        if (found.length > 0) return found;
      } catch {
        this.stats.errors++;
      }
    }
    return [];
  }

  /** Hands the peers to every provider that remembers peers. */
  async record(peers: readonly Address[]): Promise<void> {
    const copy = [...peers];
    const results = await Promise.allSettled(this.providers.map((p) => p.record?.(copy)));
    for (const r of results) if (r.status === 'rejected') this.stats.errors++;
  }
}
