/**
 * One 256-bit node in its own process with the DRT module, driven over stdin/stdout with JSON lines
 * for the multi-process DRT test: starts (alone, or joining through a bootstrap port: the join
 * protocol fills its leaf set, which the DRT's placement reads), prints its handle once ACTIVE,
 * registers keys and runs searches it is told, and reports how each call ended (keys and GUIDs as hex).
 */
import { createNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { drt, type DrtSearchOptions } from '../../upcalls/drt';
import { commandLines, out, run, runPeer, serve } from './peerServe';

async function main(): Promise<void> {
  const lines = commandLines();
  const start = JSON.parse((await lines.next()).value as string) as { bootstrap?: number };
  const bootstrap = start.bootstrap ? [{ family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port: start.bootstrap }] : undefined;
  const node = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, idBits: 256, ...(bootstrap ? { bootstrap } : {}) });
  const registry = node.register(drt());
  if (bootstrap) await node.whenStatus('ACTIVE');
  out({ handle: { guid: node.guid.hex, port: node.address.port } });
  await serve(lines, node, (cmd) => {
    if (cmd.leaves) run(cmd.id, async () => new Set([...node.leafSet.smaller, ...node.leafSet.larger].map((n) => n.guid.hex)).size);
    else if (cmd.register) run(cmd.id, () => registry.register(Guid.fromHex(cmd.register), new TextEncoder().encode(cmd.data)));
    else if (cmd.search) {
      run(cmd.id, async () => {
        const match: DrtSearchOptions['match'] = cmd.min ? { min: Guid.fromHex(cmd.min), max: Guid.fromHex(cmd.max) } : cmd.match;
        const found = [];
        for await (const r of registry.search(Guid.fromHex(cmd.search), { match, maxEndpoints: cmd.maxEndpoints, iterative: cmd.iterative })) {
          found.push({ key: r.key.hex, data: Buffer.from(r.appData).toString(), publisher: r.publisher.guid.hex, match: r.match, hops: r.hops?.length });
        }
        return found;
      });
    }
  });
}

runPeer(main);
