/**
 * Bootstrap addresses the node's socket can actually reach. An IPv6 socket given only IPv4 addresses
 * (or an IPv4 one given IPv6) would otherwise stay ALONE forever with nothing but a transport drop
 * counter to show for it. A configured list is checked once the socket is open: a bad entry is an
 * UnreachableAddressError from createNode. A provider's answers are filtered at each join: what
 * cannot be reached is counted (membership.bootstrapUnreachable) and named in a warning.
 *
 * Dual stack: an IPv6 socket bound to `::` (not IPV6_V6ONLY) reaches IPv4 peers as ::ffff:a.b.c.d,
 * so IPv4 addresses are reachable from it; from one bound to a specific IPv6 address they are not.
 */
import type bunyan from 'bunyan';
import { UnreachableAddressError } from '../errors';
import type { BootstrapProvider } from '../bootstrap/provider';
import { StaticBootstrap } from '../bootstrap/staticList';
import type { Address, Transport } from '../transport/types';
import { formatAddress } from '../transport/addressText';

const reaches = (t: Transport, a: Address): boolean => !t.reaches || t.reaches(a);

function socketText(t: Transport): string {
  return `${t.local.family === 6 ? 'IPv6' : 'IPv4'} socket ${formatAddress(t.local)}`;
}

/** Throws UnreachableAddressError when a configured bootstrap address is of a family `t` cannot reach. */
export function checkStaticBootstrap(t: Transport, provider: BootstrapProvider | undefined): void {
  if (!(provider instanceof StaticBootstrap)) return;
  const bad = provider.list().filter((a) => !reaches(t, a));
  if (bad.length === 0) return;
  throw new UnreachableAddressError(
    `bootstrap ${bad.map(formatAddress).join(', ')} cannot be reached from this node's ${socketText(t)}: ` +
      `give addresses of the socket's family, or open the socket with the other family (transport: { family })`,
  );
}

/** The provider's answers less those `transport()` cannot reach, each skip counted and logged. */
export function reachableBootstrap(
  provider: BootstrapProvider,
  transport: () => Transport | undefined,
  skipped: (n: number) => void,
  log: bunyan,
): () => Promise<Address[]> {
  return async () => {
    const all = await provider.resolve();
    const t = transport();
    if (!t || !Array.isArray(all)) return all;
    const ok = all.filter((a) => reaches(t, a));
    if (ok.length < all.length) {
      const bad = all.filter((a) => !reaches(t, a));
      skipped(bad.length);
      log.warn(
        { provider: provider.name, unreachable: bad.map(formatAddress) },
        `bootstrap provider ${provider.name ?? ''} gave ${bad.length} of ${all.length} addresses this node's ${socketText(t)} cannot reach` +
          (ok.length === 0 ? ': nothing to join through, the node stays ALONE and retries' : ''),
      );
    }
    return ok;
  };
}
