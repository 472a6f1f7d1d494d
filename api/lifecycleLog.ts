/**
 * A node's lifecycle at info level: started, joined (neighbours by level, leaf set), alone (and why,
 * and when it retries), offline, left, closed; a fault at error. One record per status change: none
 * on any per-message path.
 */
import type bunyan from 'bunyan';
import type { BootstrapProvider } from '../bootstrap/provider';
import type { TapestryNode, NodeStatus } from './tapestryNode';

export interface LifecycleFacts {
  readonly provider?: BootstrapProvider;
  readonly retryMs: number;
  /** Why the last join failed, when something better than "no answer" is known. */
  readonly joinProblem: () => string | undefined;
  /** The error that faulted the node. */
  readonly fault: () => unknown;
}

export function logLifecycle(node: TapestryNode, log: bunyan, facts: LifecycleFacts): void {
  let was: NodeStatus = node.status;
  const aloneWhy = (): string => {
    if (!facts.provider) return 'no bootstrap given: this node starts a mesh, and is ACTIVE once a peer joins through it';
    const problem = facts.joinProblem();
    if (node.resolveOnly) return `${was === 'ACTIVE' ? 'every gateway stopped answering' : 'no bootstrap address answered as a full node'} (resolve-only); retrying in ${facts.retryMs} ms`;
    const lost = was === 'ACTIVE' ? 'every neighbour left or failed' : problem ?? `no address from bootstrap provider ${facts.provider.name} led to a surrogate`;
    return `${lost}; retrying in ${facts.retryMs} ms`;
  };
  const report = (status: NodeStatus): void => {
    // Nothing is built when info is off (thousands of simulated nodes change status).
    if (log.info() || (status === 'FAULTED' && log.error())) describe(status);
    was = status;
  };
  const describe = (status: NodeStatus): void => {
    switch (status) {
      case 'ACTIVE': {
        if (node.resolveOnly) {
          const gateways = node.stats.resolveOnly.gateways ?? [];
          log.info({ gateways, resolveOnly: true }, `resolve-only: routing through ${gateways[0] ?? 'no gateway'}`);
          break;
        }
        const t = node.table;
        const levels = Array.from({ length: t.levels }, (_, l) => t.levelSize(l));
        while (levels.length > 0 && levels[levels.length - 1] === 0) levels.pop();
        const leaf = node.leafSet;
        // The leaf set wraps around the ring: a small mesh lists a node on both sides.
        const leafSet = new Set([...leaf.smaller, ...leaf.larger].map((h) => h.guid.hex)).size;
        log.info({ neighbours: t.size, levels, leafSet }, `joined the mesh: ${t.size} neighbours`);
        break;
      }
      case 'ALONE': {
        const why = aloneWhy();
        log.info({ why }, `alone: ${why}`);
        break;
      }
      case 'JOINING':
        log.info({ provider: facts.provider?.name }, 'joining');
        break;
      case 'NO_NETWORK':
        log.info('no network: waiting for it to come back');
        break;
      case 'FAULTED':
        log.error({ err: facts.fault() }, 'faulted: the node stopped working');
        break;
      case 'CLOSED':
        log.info(node.leftMesh ? 'left the mesh and closed' : 'closed');
        break;
    }
  };
  if (log.info()) log.info({ address: String(node.address), guid: node.guid.hex }, 'started');
  report(was);
  node.onStatus(report);
}
