/**
 * N tapestry nodes on 127.0.0.1 UDP sockets in this process, with createNode's default options
 * (hop acknowledgements, heartbeats, repair, republish), built by the join protocol or with tables
 * prefilled as a converged mesh would fill them (sim/staticMesh.ts, as createTestnet does).
 *
 * The sockets are opened here (openUdpTransport with the options createNode would use) and handed
 * to createNode, so the bench reads each socket's counters without building a node.stats snapshot;
 * an injected transport would make `none` the default security, so `security` is always passed.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { idSpace } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { buildStaticMesh } from '../../sim/staticMesh';
import { randomGuids, seededIdentities } from '../../testing/testnet';
import { PlaneLatency } from '../../transport/latency';
import { openUdpTransport, type UdpTransport } from '../../transport/udp';
import type { PeersArgs } from './args';
import { sleep } from './measure';

export interface UdpMesh {
  readonly nodes: TapestryNode[];
  readonly transports: UdpTransport[];
  readonly buildMs: number;
  /** Joins that did not reach ACTIVE in time, or whose createNode threw (joins build only). */
  readonly joinsFailed: number;
}

/** createNode's default socket: IPv4 loopback, a port the OS picks. */
const UDP = { family: 4, host: '127.0.0.1', port: 0 } as const;
/** How long one join may take before the bench counts it failed and goes on. */
const JOIN_WAIT_MS = 20_000;

const progress = (fields: Record<string, unknown>): void => console.error(JSON.stringify({ progress: 'peers', ...fields }));

/** Closes every node (which closes its socket), then any socket that never got a node (close is idempotent). */
export async function closeMesh(mesh: { nodes: TapestryNode[]; transports: UdpTransport[] }): Promise<void> {
  await Promise.all(mesh.nodes.map((n) => n.close()));
  await Promise.all(mesh.transports.map((t) => t.close()));
}

export function buildTapestry(args: PeersArgs): Promise<UdpMesh> {
  return args.build === 'static' ? buildStatic(args) : buildByJoins(args);
}

/** Each new node joins through a random node already in the mesh, `joinConcurrency` joins at a time. */
async function buildByJoins(args: PeersArgs): Promise<UdpMesh> {
  const rng = new SeededRng(args.seed).fork('peers-joins');
  const nodes: TapestryNode[] = [];
  const transports: UdpTransport[] = [];
  let joinsFailed = 0;
  const t0 = performance.now();
  const join = async (via: TapestryNode | undefined): Promise<void> => {
    const transport = await openUdpTransport(UDP);
    let node: TapestryNode;
    try {
      node = await createNode({ transport, security: args.security, bootstrap: via ? [via.address] : undefined });
    } catch (err) {
      await transport.close();
      joinsFailed++;
      progress({ joinFailed: err instanceof Error ? err.message : String(err) });
      return;
    }
    nodes.push(node);
    transports.push(transport);
    if (!via) return;
    await Promise.race([node.whenStatus('ACTIVE'), sleep(JOIN_WAIT_MS)]);
    if (node.status !== 'ACTIVE') joinsFailed++;
  };
  try {
    await join(undefined);
    let lastReport = 0;
    // Attempts are bounded: a mesh where joins keep failing still ends.
    for (let attempts = 1; nodes.length < args.nodes && attempts < 2 * args.nodes; ) {
      const batch = Math.min(args.joinConcurrency, args.nodes - nodes.length);
      const vias = Array.from({ length: batch }, () => nodes[rng.int(nodes.length)]);
      attempts += batch;
      await Promise.all(vias.map((via) => join(via)));
      if (nodes.length - lastReport >= 100) {
        lastReport = nodes.length;
        progress({ built: nodes.length, joinsFailed, s: Math.round((performance.now() - t0) / 1000) });
      }
    }
  } catch (err) {
    await closeMesh({ nodes, transports });
    throw err;
  }
  return { nodes, transports, buildMs: performance.now() - t0, joinsFailed };
}

/**
 * Tables filled from global knowledge. Loopback has no geography, so the proximity metric the tables
 * are built with is a seeded plane of side 1 ms (distinct latencies, nearest-first choices spread
 * over the nodes instead of every slot naming the same lowest GUIDs).
 */
async function buildStatic(args: PeersArgs): Promise<UdpMesh> {
  const t0 = performance.now();
  const space = idSpace();
  const rng = new SeededRng(args.seed).fork('peers-static');
  const transports: UdpTransport[] = [];
  const nodes: TapestryNode[] = [];
  try {
    for (let i = 0; i < args.nodes; i++) transports.push(await openUdpTransport(UDP));
    const identities = args.security === 'signed' ? seededIdentities(args.nodes, space, rng.fork('identities')) : undefined;
    const guids = identities?.map((id) => id.guid(160)) ?? randomGuids(args.nodes, space, rng.fork('guids'));
    const handles = guids.map((guid, i) => ({ guid, address: transports[i].local }));
    const plane = new PlaneLatency({ seed: args.seed, planeSize: 1, maxJitterMs: 0 });
    const tables = buildStaticMesh(handles, (i, j) => plane.latency(i, j), space);
    for (let i = 0; i < args.nodes; i++) {
      const who = identities ? { identity: identities[i] } : { guid: guids[i] };
      nodes.push(await createNode({ transport: transports[i], table: tables[i], security: args.security, ...who }));
    }
  } catch (err) {
    await closeMesh({ nodes, transports });
    throw err;
  }
  return { nodes, transports, buildMs: performance.now() - t0, joinsFailed: 0 };
}
