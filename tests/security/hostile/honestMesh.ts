/**
 * An honest `signed` mesh over real UDP on loopback, in this process: nodes made with createNode and
 * the default UDP transport on 127.0.0.1, each joining through the first, waited on until ACTIVE and
 * until every table lists every other node. Only the public package surface is used.
 */
import { createNode, type Guid, type NodeOptions, type TapestryNode } from '../../../index';
import { until } from '../../helpers/until';

/** Short maintenance periods so a test sees repairs and republishes within seconds. */
export const FAST: Partial<NodeOptions> = { joinRetryMs: 500, heartbeatMs: 1_000, repairMs: 1_000 };

export interface HonestMesh {
  readonly nodes: TapestryNode[];
  /** Closes every node (idempotent). */
  close(): Promise<void>;
}

const portOf = (n: TapestryNode): number => n.address.port;

/** The node as the attacker sees it: its GUID and loopback port. */
export function peerOf(n: TapestryNode): { guid: Uint8Array; port: number } {
  return { guid: n.guid.bytes, port: portOf(n) };
}

/** Builds a mesh of `n` nodes (16–24 in the tests), node i with `perNode(i)` over `options`. Closes what it opened if building fails. */
export async function honestMesh(n = 16, options: Partial<NodeOptions> = {}, perNode: (i: number) => Partial<NodeOptions> = () => ({})): Promise<HonestMesh> {
  const nodes: TapestryNode[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(nodes.map((x) => x.close().catch(() => undefined)));
  };
  try {
    const opts = { ...FAST, ...options, security: 'signed' as const };
    nodes.push(await createNode({ ...opts, ...perNode(0), transport: { family: 4, host: '127.0.0.1', port: 0 } }));
    const first = `127.0.0.1:${portOf(nodes[0])}`;
    for (let i = 1; i < n; i++) {
      const node = await createNode({ ...opts, ...perNode(i), transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: [first] });
      nodes.push(node);
      await until(() => node.status === 'ACTIVE', 20_000);
      if (node.status !== 'ACTIVE') throw new Error(`node ${i} did not become ACTIVE`);
    }
    // Settled: every node lists every other one (16–24 nodes fit a 4-bit-digit table's slots).
    await until(() => nodes.every((x) => x.table.size === n - 1 && x.status === 'ACTIVE'), 20_000);
    return { nodes, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Registers module `id` on every node; returns every delivery with the index of the node it reached. */
export function countDeliveries(nodes: readonly TapestryNode[], id: number): { at: number; text: string }[] {
  const got: { at: number; text: string }[] = [];
  nodes.forEach((node, at) =>
    node.register({ id, name: 'delivery-counter', deliver: (d) => void got.push({ at, text: Buffer.from(d.payload).toString('utf8') }) }),
  );
  return got;
}

/**
 * Routes from every node but `victim` to the victim's GUID (exact) until each sender has had one
 * delivered there, trying each up to `tries` times; returns the senders whose routes never arrived.
 */
export async function sendersNotReaching(nodes: readonly TapestryNode[], victim: number, got: { at: number; text: string }[], tag: string, module: number, tries = 3): Promise<number[]> {
  const reached = (s: number) => got.some((g) => g.at === victim && g.text === `${tag}:${s}`);
  for (let t = 0; t < tries; t++) {
    const missing = nodes.map((_, s) => s).filter((s) => s !== victim && !reached(s));
    if (missing.length === 0) break;
    for (const s of missing) nodes[s].route(nodes[victim].guid, `${tag}:${s}`, { module });
    await until(() => missing.every(reached), 3_000);
  }
  return nodes.map((_, s) => s).filter((s) => s !== victim && !reached(s));
}

/** The servers (GUID hex) a locate of `object` from `node` yields; [] when it fails (not found, timed out). */
export async function locateServers(node: TapestryNode, object: Guid, replicas = 1): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const r of node.locate(object, { replicas })) out.push(r.server.guid.hex);
  } catch {
    // No result names anyone.
  }
  return out;
}
