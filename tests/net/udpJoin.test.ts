/**
 * The join protocol over real UDP sockets: 10 nodes join one by one from a static bootstrap list;
 * one is killed and the rest route around it; a restarted node rejoins from its persisted peers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type TapestryNode } from '../../api/node';
import { PersistedPeers } from '../../bootstrap/persistedPeers';
import { ChainedBootstrap } from '../../bootstrap/provider';
import { StaticBootstrap } from '../../bootstrap/staticList';
import { formatIp } from '../../transport/address';
import { recordDeliveries } from '../helpers/recorder';
import { countHoles } from '../helpers/meshChecks';
import { until } from '../helpers/until';

const fast = { joinRetryMs: 500, heartbeatMs: 300, repairMs: 500 };

test('10 UDP nodes join one by one; one is killed and the others route around it', async () => {
  const nodes: TapestryNode[] = [await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 } })];
  try {
    const first = `${formatIp(nodes[0].address)}:${nodes[0].address.port}`;
    for (let i = 1; i < 10; i++) {
      const node = await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: [first] });
      await until(() => node.status === 'ACTIVE', 5_000);
      nodes.push(node);
    }
    await until(() => countHoles(nodes) === 0, 5_000);
    expect(nodes.map((n) => n.status)).toEqual(Array(10).fill('ACTIVE'));
    expect(countHoles(nodes)).toBe(0);

    const victim = nodes.splice(4, 1)[0];
    await victim.close(); // killed: no leave notice
    // Detection takes a check within the maintenance budget (9 neighbours at 0.75 a second: ≤ 12 s),
    // then DEFAULTS.failureSilenceMs (8 s) of probes; the first node to find it boosts its budget.
    await until(() => nodes.every((n) => !n.table.has(victim.guid)), 40_000);
    expect(nodes.filter((n) => n.table.has(victim.guid))).toHaveLength(0);
    await until(() => countHoles(nodes) === 0, 5_000);
    const got = recordDeliveries(nodes);
    for (let i = 0; i < 90; i++) nodes[i % 9].route(nodes[(i * 7 + 3) % 9].guid, `${i}`);
    await until(() => got.length === 90, 5_000);
    expect(got.every((d) => d.at === (Number(d.text) * 7 + 3) % 9)).toBe(true);
    expect(got).toHaveLength(90);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}, 90_000);

test('a restarted node rejoins from its persisted peers, without its original bootstrap address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapestry-peers-'));
  const file = join(dir, 'peers.json');
  const seed = await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 } });
  const others: TapestryNode[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const n = await createNode({ ...fast, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: [seed.address] });
      await until(() => n.status === 'ACTIVE', 5_000);
      others.push(n);
    }
    // The usual set-up: persisted peers first, the configured list when there are none yet.
    const bootstrap = new ChainedBootstrap([new PersistedPeers(file), new StaticBootstrap([seed.address])]);
    // The identity file keeps the node's key, and so its GUID, across the restart.
    const identity = join(dir, 'identity.json');
    const first = await createNode({ ...fast, identity, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap });
    await until(() => first.status === 'ACTIVE', 5_000);
    const guid = first.guid;
    await first.close(); // records its peers
    expect((await new PersistedPeers(file).resolve()).length).toBeGreaterThan(0);
    await seed.close(); // the original bootstrap address is gone
    const restarted = await createNode({ ...fast, identity, transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: new PersistedPeers(file) });
    expect(restarted.guid.equals(guid)).toBe(true);
    others.push(restarted);
    // Its old self may still sit in tables until liveness drops it (probes of the old address fail; a
    // frame from the new address no longer counts as hearing the old entry): the first tries can time out.
    await until(() => restarted.status === 'ACTIVE', 50_000);
    expect(restarted.status).toBe('ACTIVE');
  } finally {
    await Promise.all(others.map((n) => n.close()));
  }
}, 90_000);
