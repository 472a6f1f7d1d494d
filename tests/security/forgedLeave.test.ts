/**
 * Forged leave: an outsider tells every node that a victim left. Sent from the attacker's own socket,
 * built from messages.proto. The victim must stay routed to from every node, both for a bare leave
 * (repeated) and for a leave whose replacement claims the victim's GUID at the attacker's address,
 * with every challenge the nodes send relayed to the real victim.
 */
import type { TapestryNode } from '../../index';
import { baseline, leftOver } from '../helpers/activeResources';
import { Attacker, framesMeantFor, wireHandle } from './hostile/protoAttacker';
import { countDeliveries, honestMesh, peerOf, sendersNotReaching, type HonestMesh } from './hostile/honestMesh';

const MODULE = 9;
let mesh: HonestMesh;
let attacker: Attacker;
let nodes: TapestryNode[];
let got: { at: number; text: string }[];
let before: Record<string, number>;

beforeAll(async () => {
  before = await baseline();
  mesh = await honestMesh(16);
  nodes = mesh.nodes;
  got = countDeliveries(nodes, MODULE);
  attacker = await Attacker.open();
}, 90_000);

afterAll(async () => {
  await attacker?.close();
  await mesh?.close();
  expect(await leftOver(before)).toEqual({});
});

/** Sends `leave` to every node but the victim, every `everyMs` until the returned stop is called. */
function repeatEveryone(victim: number, leave: () => Record<string, unknown>, everyMs: number): () => void {
  const round = () => nodes.forEach((n, i) => i !== victim && attacker.membership(peerOf(n), { leave: leave() }, wireHandle(nodes[victim].guid.bytes, nodes[victim].address.port)));
  round();
  const timer = setInterval(round, everyMs);
  return () => clearInterval(timer);
}

test('an unsigned leave naming the victim, sent to every node every second, does not take the victim out', async () => {
  const victim = 3;
  expect(await sendersNotReaching(nodes, victim, got, 'before', MODULE)).toEqual([]);
  const v = nodes[victim];
  const stop = repeatEveryone(victim, () => ({ leaving: wireHandle(v.guid.bytes, v.address.port) }), 1_000);
  try {
    await new Promise((r) => setTimeout(r, 1_500));
    // Every other node still has the victim in its table, at its own address.
    const dropped = nodes.filter((n, i) => i !== victim && n.table.get(v.guid)?.handle.address.port !== v.address.port).length;
    const notReaching = await sendersNotReaching(nodes, victim, got, 'during', MODULE);
    expect({ dropped, notReaching }).toEqual({ dropped: 0, notReaching: [] });
  } finally {
    stop();
  }
}, 60_000);

test('a leave whose replacement claims the victim at the attacker, with challenges relayed, diverts no route', async () => {
  const victim = 7;
  const v = nodes[victim];
  expect(await sendersNotReaching(nodes, victim, got, 'before2', MODULE)).toEqual([]);
  attacker.ackRoutes();
  attacker.relayChallenges(v.guid.bytes, v.address.port);
  const stop = repeatEveryone(victim, () => ({ leaving: wireHandle(v.guid.bytes, v.address.port), replacement: attacker.claiming(v.guid.bytes) }), 2_000);
  try {
    await new Promise((r) => setTimeout(r, 2_500));
    const hijacked = nodes.filter((n) => n.table.get(v.guid)?.handle.address.port === attacker.port).length;
    const notReaching = await sendersNotReaching(nodes, victim, got, 'during2', MODULE);
    const swallowed = framesMeantFor(attacker.endpoint, v.guid.bytes, MODULE);
    expect({ hijacked, notReaching, swallowed }).toEqual({ hijacked: 0, notReaching: [], swallowed: 0 });
  } finally {
    stop();
  }
}, 60_000);
