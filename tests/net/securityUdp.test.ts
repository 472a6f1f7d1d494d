/**
 * The default on UDP is the `signed` provider: 5 nodes with fresh key pairs join from a static
 * bootstrap list, prove their GUIDs to each other, route exactly to every node and locate an object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type TapestryNode } from '../../api/node';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import { guidFromPublicKey } from '../../security/identity';
import { readIdentityFile } from '../../security/identityFile';
import { formatIp } from '../../transport/address';
import { recordDeliveries } from '../helpers/recorder';
import { until } from '../helpers/until';

const fast = { joinRetryMs: 500, heartbeatMs: 1_000, repairMs: 1_000 };

test('5 UDP nodes with the default (signed) security join from a static list and route', async () => {
  const nodes: TapestryNode[] = [await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 } })];
  try {
    const first = `${formatIp(nodes[0].address)}:${nodes[0].address.port}`;
    for (let i = 1; i < 5; i++) {
      const node = await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: [first] });
      await until(() => node.status === 'ACTIVE', 5_000);
      nodes.push(node);
    }
    expect(nodes.map((n) => n.status)).toEqual(Array(5).fill('ACTIVE'));
    await until(() => nodes.every((n) => n.table.size === 4), 5_000);
    expect(nodes.every((n) => n.stats.security.provider === 'signed')).toBe(true);
    expect(nodes.every((n) => n.stats.security.peersProven >= 1)).toBe(true);

    const got = recordDeliveries(nodes, 4);
    for (let s = 0; s < 5; s++) for (let d = 0; d < 5; d++) nodes[s].route(nodes[d].guid, `${s}>${d}`, { module: 4 });
    await until(() => got.length >= 25, 5_000);
    expect(got.filter((g) => g.text.endsWith(`>${g.at}`)).length).toBe(25);

    const object = Guid.fromName('udp signed object');
    nodes[2].publish(object);
    await new Promise((r) => setTimeout(r, 300));
    const found = [];
    for await (const r of nodes[4].locate(object)) found.push(r);
    expect(found.map((r) => r.server.guid.hex)).toEqual([nodes[2].guid.hex]);
    const refused = nodes.reduce((s, n) => s + n.stats.security.forgedCredentials + n.stats.security.forgedRecords + n.stats.security.replayedRecords, 0);
    expect(refused).toBe(0);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}, 60_000);

test('an identity file gives the node its GUID; a chosen GUID with signed is a named error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapestry-identity-'));
  const path = join(dir, 'node.json');
  const node = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, identity: path, heartbeatMs: 0, repairMs: 0 });
  try {
    const identity = await readIdentityFile(path);
    expect(node.guid.equals(guidFromPublicKey(identity!.publicKey))).toBe(true);
  } finally {
    await node.close();
  }
  await expect(createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, guid: Guid.fromName('chosen') })).rejects.toBeInstanceOf(InvalidArgumentError);
  // With `none` a chosen GUID is allowed, as before.
  const open = await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, guid: Guid.fromName('chosen'), security: 'none', heartbeatMs: 0, repairMs: 0 });
  expect(open.stats.security.provider).toBe('none');
  await open.close();
});
