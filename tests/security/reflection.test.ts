/**
 * Reflection: every request an outsider can send unauthenticated (join request, join multicast,
 * neighbour and leaf-set requests, adopt, leave with a replacement, challenged ping, locate, request
 * to a missing GUID), once naming a third party's address and once naming the attacker's own unproven
 * socket. The bytes arriving at the third party, and back at the attacker's source, must not exceed
 * the bytes the attacker sent.
 */
import type { TapestryNode } from '../../index';
import { Guid } from '../../index';
import { baseline, leftOver } from '../helpers/activeResources';
import { measureAmplification } from './hostile/amplification';
import { honestMesh, type HonestMesh } from './hostile/honestMesh';

let mesh: HonestMesh;
let nodes: TapestryNode[];
let before: Record<string, number>;
const object = Guid.fromName('reflection object');

beforeAll(async () => {
  before = await baseline();
  mesh = await honestMesh(16);
  nodes = mesh.nodes;
  nodes[3].publish(object);
  // Published: a locate from another node finds it (so the locate request has an answer to reflect).
  let found = false;
  for (let t = 0; t < 20 && !found; t++) {
    try {
      for await (const r of nodes[12].locate(object)) found ||= r.server.guid.equals(nodes[3].guid);
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  expect(found).toBe(true);
}, 90_000);

afterAll(async () => {
  await mesh?.close();
  expect(await leftOver(before)).toEqual({});
});

test('no unauthenticated request draws more bytes to a named third party, or to its own unproven source, than it brought', async () => {
  const rows = await measureAmplification(nodes, { object: object.bytes }, 3);
  const amplified = rows
    .filter((r) => r.thirdPartyBytes > r.bytesSent || r.sourceBytes > r.bytesSent || r.selfBytes > r.selfBytesSent)
    .map((r) => `${r.type}: sent ${r.bytesSent} B; third party got ${r.thirdPartyBytes} B in ${r.thirdPartyDatagrams}; source got ${r.sourceBytes} B; self-named sent ${r.selfBytesSent} B got ${r.selfBytes} B`);
  expect(rows.length).toBe(9);
  expect(amplified).toEqual([]);
}, 60_000);
