/**
 * Address hijack without a leave: the attacker sends every node an Adopt claiming the victim's GUID
 * at the attacker's own address, and relays every challenge those nodes send it to the real victim,
 * passing the victim's answer back. No node may move the victim's entry to the attacker: the victim
 * keeps receiving routes and the attacker receives none meant for it.
 */
import type { TapestryNode } from '../../index';
import { baseline, leftOver } from '../helpers/activeResources';
import { Attacker, framesMeantFor } from './hostile/protoAttacker';
import { countDeliveries, honestMesh, peerOf, sendersNotReaching, type HonestMesh } from './hostile/honestMesh';

const MODULE = 9;
let mesh: HonestMesh;
let attacker: Attacker;
let nodes: TapestryNode[];
let before: Record<string, number>;

beforeAll(async () => {
  before = await baseline();
  mesh = await honestMesh(16);
  nodes = mesh.nodes;
  attacker = await Attacker.open();
}, 90_000);

afterAll(async () => {
  await attacker?.close();
  await mesh?.close();
  expect(await leftOver(before)).toEqual({});
});

test('adopts claiming the victim at the attacker, with challenges relayed to the victim, move no table entry', async () => {
  const got = countDeliveries(nodes, MODULE);
  const victim = 5;
  const v = nodes[victim];
  expect(await sendersNotReaching(nodes, victim, got, 'before', MODULE)).toEqual([]);
  attacker.ackRoutes();
  attacker.relayChallenges(v.guid.bytes, v.address.port);
  const round = () =>
    nodes.forEach((n, i) => i !== victim && attacker.membership(peerOf(n), { adopt: { rttMs: 0.01, listsYou: true } }, attacker.claiming(v.guid.bytes)));
  round();
  const timer = setInterval(round, 2_000);
  try {
    await new Promise((r) => setTimeout(r, 2_500));
    const hijacked = nodes.filter((n) => n.table.get(v.guid)?.handle.address.port === attacker.port).length;
    const notReaching = await sendersNotReaching(nodes, victim, got, 'during', MODULE);
    const swallowed = framesMeantFor(attacker.endpoint, v.guid.bytes, MODULE);
    expect({ hijacked, notReaching, swallowed }).toEqual({ hijacked: 0, notReaching: [], swallowed: 0 });
  } finally {
    clearInterval(timer);
  }
}, 60_000);
