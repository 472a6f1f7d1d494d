/**
 * One node in its own process, driven over stdin/stdout with JSON lines, for the multi-process
 * UDP test: prints its handle, learns its peers, routes what it is told, reports deliveries.
 */
import { createInterface } from 'node:readline';
import { createNode } from '../../api/node';
import { introducePeers } from '../../api/introduce';
import { Guid } from '../../routing/guid';

const out = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);

async function main(): Promise<void> {
  const node = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 } });
  node.register({
    id: 0,
    name: 'report',
    deliver: (d) => out({ delivered: { id: Buffer.from(d.payload).toString(), hops: d.hops } }),
  });
  out({ handle: { guid: node.guid.hex, port: node.address.port } });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line);
    if (cmd.peers) {
      const peers = cmd.peers.map((p: { guid: string; port: number }) => ({
        guid: Guid.fromHex(p.guid),
        address: { family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port: p.port },
      }));
      out({ ready: await introducePeers(node, peers) });
    } else if (cmd.route) {
      for (const r of cmd.route) node.route(r.dest, r.id, { fuzzy: r.fuzzy });
    } else if (cmd.exit) {
      break;
    }
  }
  await node.close();
  // stdin stays referenced after the loop ends; exit explicitly once the node has closed.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
