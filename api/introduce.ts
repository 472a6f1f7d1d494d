/**
 * Fills routing tables from a known set of peers by measuring each one's round-trip time: the
 * static-mesh rule (closest qualifying nodes per slot) applied over real sockets. The join
 * protocol replaces this for open meshes; it stays useful for small fixed deployments and tests.
 */
import type { NodeHandle } from '../routing/messages';
import type { TapestryNode } from './node';

/** Pings every peer from `node` and adds those that answer, with half the RTT as latency. */
export async function introducePeers(node: TapestryNode, peers: readonly NodeHandle[], timeoutMs = 2_000): Promise<number> {
  let added = 0;
  for (const peer of peers) {
    if (peer.guid.equals(node.guid)) continue;
    try {
      const rtt = await node.ping(peer.address, { timeoutMs });
      node.addPeer(peer, rtt / 2);
      added++;
    } catch {
      // An unreachable peer is simply left out of the table.
    }
  }
  return added;
}

/** Introduces every node to every other one (a full static mesh of a small group). */
export async function introduceAll(nodes: readonly TapestryNode[], timeoutMs?: number): Promise<void> {
  const handles = nodes.map((n) => n.handle);
  await Promise.all(nodes.map((n) => introducePeers(n, handles, timeoutMs)));
}
