/**
 * Budget exhaustion: adopts from fresh GUIDs at about 2,000 a second (from four sockets, each well
 * under the per-sender rate limit) for about fifteen seconds at one node. Each would cost the node a challenge
 * ping; none is ever answered. The node's own maintenance must not starve: its table never empties,
 * it stays ACTIVE, and routes from it and to it are delivered during and after the flood.
 */
import { randomBytes } from 'node:crypto';
import type { TapestryNode } from '../../index';
import { baseline, leftOver } from '../helpers/activeResources';
import { until } from '../helpers/until';
import { Attacker } from './hostile/protoAttacker';
import { countDeliveries, honestMesh, peerOf, sendersNotReaching, type HonestMesh } from './hostile/honestMesh';

const MODULE = 9;
const TARGET = 6;
/** Adopts a second, in all. */
const RATE = 2_000;
let mesh: HonestMesh;
let attackers: Attacker[] = [];
let nodes: TapestryNode[];
let before: Record<string, number>;

beforeAll(async () => {
  before = await baseline();
  // The target checks its neighbours every second; the others are quiet (the default 30 s heartbeat and
  // slow repair), so the target's own liveness pings are what keep its table, as on any idle mesh.
  mesh = await honestMesh(16, {}, (i) => (i === TARGET ? { repairMs: 30_000 } : { heartbeatMs: 30_000, repairMs: 30_000 }));
  nodes = mesh.nodes;
  attackers = await Promise.all([0, 1, 2, 3].map(() => Attacker.open()));
}, 90_000);

afterAll(async () => {
  await Promise.all(attackers.map((a) => a.close()));
  await mesh?.close();
  expect(await leftOver(before)).toEqual({});
});

/** Routes from `target` to every other node; the nodes that never got theirs (3 tries). */
async function unreachedFrom(target: number, got: { at: number; text: string }[], tag: string): Promise<number[]> {
  const reached = (d: number) => got.some((g) => g.at === d && g.text === `${tag}>${d}`);
  const others = () => nodes.map((_, d) => d).filter((d) => d !== target && !reached(d));
  for (let t = 0; t < 3 && others().length > 0; t++) {
    const missing = others();
    for (const d of missing) nodes[target].route(nodes[d].guid, `${tag}>${d}`, { module: MODULE });
    await until(() => missing.every(reached), 3_000);
  }
  return others();
}

test('2,000 adopts a second from fresh GUIDs neither empty the target table nor cost it its routes', async () => {
  const got = countDeliveries(nodes, MODULE);
  const target = TARGET;
  const t = nodes[target];
  expect(await sendersNotReaching(nodes, target, got, 'before', MODULE)).toEqual([]);

  let sent = 0;
  let minTable = t.table.size;
  const statuses = new Set<string>([t.status]);
  // Spread evenly: a 1 ms timer sends whatever keeps the total at RATE a second since the start, in turn
  // from each socket, so no gap of more than a tick or two opens between adopts.
  const start = Date.now();
  const flood = setInterval(() => {
    const due = Math.floor(((Date.now() - start) * RATE) / 1000);
    while (sent < due) {
      const a = attackers[sent % attackers.length];
      a.membership(peerOf(t), { adopt: { rttMs: 0.5, listsYou: true } }, { ...a.self, guid: new Uint8Array(randomBytes(20)) });
      sent++;
    }
  }, 1);
  const watch = setInterval(() => {
    minTable = Math.min(minTable, t.table.size);
    statuses.add(t.status);
  }, 50);
  let during: { to: number[]; from: number[] };
  let after: { to: number[]; from: number[] };
  try {
    // Long enough for the target's checks of its quiet neighbours to run their course (three probes and
    // DEFAULTS.failureSilenceMs of silence) while the flood holds its ping budget.
    await new Promise((r) => setTimeout(r, 12_000));
    during = { to: await sendersNotReaching(nodes, target, got, 'during', MODULE), from: await unreachedFrom(target, got, 'during') };
  } finally {
    clearInterval(flood);
  }
  try {
    after = { to: await sendersNotReaching(nodes, target, got, 'after', MODULE), from: await unreachedFrom(target, got, 'after') };
  } finally {
    clearInterval(watch);
  }
  expect(sent).toBeGreaterThan(10_000);
  expect({ emptied: minTable === 0, statuses: [...statuses], during, after }).toEqual({
    emptied: false, statuses: ['ACTIVE'], during: { to: [], from: [] }, after: { to: [], from: [] },
  });
}, 100_000);
