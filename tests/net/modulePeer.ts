/**
 * One node in its own process with the Bayeux, anycast, mobile and DHT modules, driven over stdin/stdout with
 * JSON lines, for the multi-process module test: prints its handle, learns its peers, runs the
 * module calls it is told and reports what its modules delivered and how each call ended.
 */
import { createNode } from '../../api/node';
import { introducePeers } from '../../api/introduce';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { anycast } from '../../upcalls/anycast';
import { mobile } from '../../upcalls/mobile';
import { bayeux } from '../../upcalls/bayeux';
import { dht } from '../../upcalls/dht';
import { commandLines, out, run, runPeer, serve } from './peerServe';

const handleOf = (p: { guid: string; port: number }): NodeHandle => ({
  guid: Guid.fromHex(p.guid),
  address: { family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port: p.port },
});
const text = (b: Uint8Array) => Buffer.from(b).toString();

async function main(): Promise<void> {
  const node = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 } });
  const ac = node.register(anycast());
  const mob = node.register(mobile());
  const mc = node.register(bayeux());
  const kv = node.register(dht());
  mob.onMessage((payload) => out({ mobileGot: text(payload) }));
  out({ handle: { guid: node.guid.hex, port: node.address.port } });
  await serve(commandLines(), node, async (cmd) => {
    if (cmd.peers) out({ ready: await introducePeers(node, cmd.peers.map(handleOf)) });
    else if (cmd.announce) run(cmd.id, () => ac.announce(cmd.announce));
    else if (cmd.join) run(cmd.id, () => ac.join(cmd.join, { onMessage: (p) => out({ anycastGot: text(p) }) }));
    else if (cmd.leave) run(cmd.id, () => ac.leave(cmd.leave));
    else if (cmd.anycast) run(cmd.id, () => ac.send(cmd.anycast, cmd.payload).then((m) => m.guid.hex));
    else if (cmd.attach) run(cmd.id, () => mob.attach(handleOf(cmd.attach), { name: cmd.name }));
    else if (cmd.move) run(cmd.id, () => mob.move(handleOf(cmd.move)));
    else if (cmd.mobileSend) run(cmd.id, () => mob.send(cmd.mobileSend, cmd.payload).then(() => true));
    else if (cmd.create) run(cmd.id, () => mc.createSession(cmd.create, { replicas: cmd.replicas }).then((s) => s.roots.length));
    else if (cmd.subscribe) run(cmd.id, () => mc.join(cmd.subscribe, { onMessage: (p) => out({ bayeuxGot: text(p) }) }));
    else if (cmd.multicast) run(cmd.id, async () => mc.multicast(cmd.multicast, cmd.payload));
    else if (cmd.unsubscribe) run(cmd.id, () => mc.leave(cmd.unsubscribe));
    else if (cmd.teardown) run(cmd.id, () => mc.teardown(cmd.teardown));
    else if (cmd.bayeuxStats) run(cmd.id, async () => mc.sessionStats(cmd.bayeuxStats));
    else if (cmd.put) run(cmd.id, () => kv.putValue(cmd.put, cmd.value).then((r) => r.stored));
    else if (cmd.get) run(cmd.id, () => kv.getValue(cmd.get).then((r) => ({ value: text(r.value), publisher: r.publisher.hex })));
    else if (cmd.provide) run(cmd.id, () => kv.provide(cmd.provide));
    else if (cmd.findProviders) {
      run(cmd.id, async () => {
        const found: string[] = [];
        for await (const p of kv.findProviders(cmd.findProviders)) found.push(p.peer.guid.hex);
        return found;
      });
    }
  });
}

runPeer(main);
