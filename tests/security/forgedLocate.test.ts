/**
 * Forged locate answers: while a node locates an object that a real server published, the attacker
 * sends it LocateFound messages naming the attacker's own server — timed (a burst of likely locate
 * ids right as the locate starts) and blind (sprays of ids at every node while they locate). No
 * locate result may name the attacker.
 */
import type { TapestryNode } from '../../index';
import { Guid } from '../../index';
import { baseline, leftOver } from '../helpers/activeResources';
import { Attacker } from './hostile/protoAttacker';
import { honestMesh, locateServers, peerOf, type HonestMesh } from './hostile/honestMesh';

let mesh: HonestMesh;
let attacker: Attacker;
let nodes: TapestryNode[];
let before: Record<string, number>;
const object = Guid.fromName('forged-locate object');
const SERVER = 2;

beforeAll(async () => {
  before = await baseline();
  mesh = await honestMesh(16);
  nodes = mesh.nodes;
  attacker = await Attacker.open();
  nodes[SERVER].publish(object);
  // Published: a locate from the far side of the mesh finds the real server.
  let found = false;
  for (let t = 0; t < 20 && !found; t++) {
    found = (await locateAll(nodes[11])).some((s) => s === nodes[SERVER].guid.hex);
    if (!found) await new Promise((r) => setTimeout(r, 250));
  }
  expect(found).toBe(true);
}, 90_000);

afterAll(async () => {
  await attacker?.close();
  await mesh?.close();
  expect(await leftOver(before)).toEqual({});
});

const locateAll = (node: TapestryNode): Promise<string[]> => locateServers(node, object, 2);

/** A LocateFound for `id` naming the attacker as the object's server, straight to `origin`. */
function forge(origin: TapestryNode, id: number): void {
  attacker.location(peerOf(origin), {
    found: { locateId: id, object: object.bytes, server: attacker.self, tag: new Uint8Array(0), hops: 1, pathLatency: 0 },
  });
}

const attackerHex = () => Buffer.from(attacker.self.guid).toString('hex');

test('timed forgeries: a burst of LocateFound for the likely ids as each locate starts is never a result', async () => {
  const results: string[][] = [];
  for (let round = 0; round < 10; round++) {
    const origin = nodes[(round % 15) + (round % 15 >= SERVER ? 1 : 0)];
    const locating = locateAll(origin);
    for (let id = 0; id <= 64; id++) forge(origin, id);
    results.push(await locating);
  }
  const forged = results.filter((r) => r.includes(attackerHex())).length;
  const real = results.filter((r) => r.includes(nodes[SERVER].guid.hex)).length;
  expect({ forged, realFoundAtLeastOnce: real > 0 }).toEqual({ forged: 0, realFoundAtLeastOnce: true });
}, 60_000);

test('blind sprays: LocateFound for thousands of ids at every node while they all locate is never a result', async () => {
  let spraying = true;
  let sent = 0;
  let wave = 0;
  const spray = async () => {
    while (spraying) {
      // 32 ids per node per wave, walking 1..1024 and one random id: about 5,000 datagrams a second.
      const base = (wave++ * 32) % 1024;
      for (const n of nodes) {
        forge(n, (Math.random() * 0x1_0000_0000) >>> 0);
        for (let id = base + 1; id <= base + 32; id++) forge(n, id);
        sent += 33;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const spraying$ = spray();
  const results = await Promise.all(nodes.filter((_, i) => i !== SERVER).map((n) => locateAll(n)));
  const again = await Promise.all(nodes.filter((_, i) => i !== SERVER).map((n) => locateAll(n)));
  spraying = false;
  await spraying$;
  const all = [...results, ...again];
  const forged = all.filter((r) => r.includes(attackerHex())).length;
  expect(sent).toBeGreaterThan(0);
  expect(forged).toBe(0);
}, 60_000);
