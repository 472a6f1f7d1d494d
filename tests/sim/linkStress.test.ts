/**
 * Link stress on a transit-stub testnet: the counter's per-link copies against two other ways of
 * getting them, (1) the overlay route each message takes (from the routing tables) laid over the
 * topology's paths, and (2) every datagram recorded through a second hook on the network, decoded
 * again and laid over the paths; a class never sent counts 0; fragments count as their module.
 */
import { routingTableOf } from '../../api/internals';
import { InvalidArgumentError } from '../../errors';
import { nextHop } from '../../routing/nextHop';
import { SeededRng } from '../../sim/random';
import { PlaneLatency } from '../../transport/latency';
import { TRANSIT_STUB_PRESETS } from '../../sim/transitStubOptions';
import type { LinkStressReport } from '../../sim/linkStress';
import { moduleClassifier } from '../../testing/moduleClassifier';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { MODULE_IDS } from '../../upcalls/moduleIds';
import { decodeFrame } from '../../wire/codec';

const MODULE = 0x123;
const OTHER = 0x124;
let net: Testnet;
let delivered = 0;
const rng = new SeededRng(17);

beforeAll(async () => {
  net = await createTestnet({ nodes: 200, seed: 3, frozen: true, topology: { ...TRANSIT_STUB_PRESETS.medium } });
  for (const node of net.nodes) {
    for (const id of [MODULE, OTHER]) node.register({ id, name: `sink-${id}`, deliver: () => void delivered++ });
  }
});
afterAll(() => net.close());

/** The overlay nodes an exact route from src to dst visits, src first (from the routing tables). */
function overlayPath(src: number, dst: number): number[] {
  const path = [src];
  let level = 0;
  for (;;) {
    const hop = nextHop(routingTableOf(net.nodes[path[path.length - 1]]), net.nodes[dst].guid, level);
    if (hop.kind === 'root') return path;
    path.push(net.indexOf(hop.to.guid)!);
    level = hop.level + 1;
  }
}

/** The report a list of per-link copies amounts to. */
function reportOf(messageClass: string, copies: Map<number, number>, datagrams: number, bytes: number): LinkStressReport {
  const used = [...copies.values()].filter((c) => c > 0);
  const crossings = used.reduce((a, c) => a + c, 0);
  return { messageClass, datagrams, bytes, linksUsed: used.length, maxCopies: Math.max(0, ...used), meanCopies: used.length ? crossings / used.length : 0, crossings };
}

function addPath(copies: Map<number, number>, from: number, to: number): void {
  for (const link of net.topology!.path(from, to)) copies.set(link, (copies.get(link) ?? 0) + 1);
}

test('the testnet runs on the topology: its latency is the topology\'s', () => {
  const t = net.topology!;
  expect(net.network.latencyModel).toBe(t);
  expect(t.routerCount).toBe(500);
  for (let i = 0; i < 20; i++) expect(net.latency(i, 199 - i)).toBe(t.latency(i, 199 - i));
});

test('per-link copies equal the overlay routes laid over the topology, and every recorded datagram laid over it', () => {
  const counter = net.countLinkStress();
  const seen: Array<{ from: number; to: number; bytes: Uint8Array }> = [];
  const stopSeen = net.network.countLinks({ sent: (from, to, bytes) => seen.push({ from, to, bytes: bytes.slice() }) });
  const byRoute = new Map<number, number>();
  let hops = 0;
  delivered = 0;
  for (let m = 0; m < 40; m++) {
    const src = rng.int(net.nodes.length);
    const dst = rng.int(net.nodes.length);
    const path = overlayPath(src, dst);
    for (let h = 1; h < path.length; h++) addPath(byRoute, path[h - 1], path[h]);
    hops += path.length - 1;
    net.nodes[src].route(net.nodes[dst].guid, `message ${m}`, { module: MODULE });
  }
  for (let m = 0; m < 10; m++) net.nodes[rng.int(200)].route(net.nodes[rng.int(200)].guid, 'other', { module: OTHER });
  net.run(10_000);
  stopSeen();
  net.stopLinkStress(counter);
  expect(delivered).toBe(50);
  expect(hops).toBeGreaterThan(40);

  // (1) From the routes: one datagram per overlay hop (a frozen mesh sends no acknowledgements).
  const name = `module-${MODULE}`;
  const report = counter.report(name);
  expect(report.datagrams).toBe(hops);
  expect({ ...report, bytes: 0 }).toEqual(reportOf(name, byRoute, hops, 0));
  for (const [link, copies] of byRoute) expect(counter.copies(name, link)).toBe(copies);

  // (2) From the datagrams recorded by a second hook, decoded here.
  const recomputed = new Map<string, { copies: Map<number, number>; datagrams: number; bytes: number }>();
  for (const d of seen) {
    const body = decodeFrame(d.bytes).body;
    const id = body.kind === 'route' ? body.route.moduleId : body.kind === 'direct' ? body.direct.moduleId : undefined;
    if (id === undefined) continue;
    const r = recomputed.get(`module-${id}`) ?? { copies: new Map(), datagrams: 0, bytes: 0 };
    recomputed.set(`module-${id}`, r);
    addPath(r.copies, d.from, d.to);
    r.datagrams++;
    r.bytes += d.bytes.length;
  }
  expect(counter.classes).toEqual([...recomputed.keys()].sort());
  expect(counter.classes).toEqual([`module-${MODULE}`, `module-${OTHER}`]);
  for (const [cls, r] of recomputed) expect(counter.report(cls)).toEqual(reportOf(cls, r.copies, r.datagrams, r.bytes));
  expect(report.crossings).toBe(seen.filter((d) => decodeFrame(d.bytes).body.kind === 'route' && (decodeFrame(d.bytes).body as { route: { moduleId: number } }).route.moduleId === MODULE).reduce((a, d) => a + net.topology!.path(d.from, d.to).length, 0));

  // A class never sent counts nothing.
  expect(counter.report('bayeux')).toEqual(reportOf('bayeux', new Map(), 0, 0));
  expect(counter.copies('bayeux', 0)).toBe(0);
});

test('the fragments of a large message count as its module', () => {
  const counter = net.countLinkStress(moduleClassifier({ only: [MODULE_IDS.bayeux] }));
  let src = 0;
  let dst = 1;
  while (overlayPath(src, dst).length < 3) dst++;
  const hops = overlayPath(src, dst).length - 1;
  delivered = 0;
  net.nodes[src].register({ id: MODULE_IDS.bayeux, name: 'big', deliver: () => void delivered++ });
  net.nodes[dst].register({ id: MODULE_IDS.bayeux, name: 'big', deliver: () => void delivered++ });
  net.nodes[src].route(net.nodes[dst].guid, new Uint8Array(5_000), { module: MODULE_IDS.bayeux });
  net.nodes[src].route(net.nodes[dst].guid, 'not counted', { module: MODULE });
  net.run(10_000);
  net.stopLinkStress(counter);
  expect(delivered).toBe(2); // the large message and the uncounted one
  const pieces = Math.ceil(5_000 / 1_200);
  expect(counter.classes).toEqual(['bayeux']);
  expect(counter.report('bayeux').datagrams).toBeGreaterThanOrEqual(pieces * hops);
  expect(counter.report('bayeux').datagrams % hops).toBe(0);
});

test('a stopped counter counts no more, and reset forgets every class', () => {
  const counter = net.countLinkStress();
  net.nodes[5].route(net.nodes[150].guid, 'one', { module: MODULE });
  net.run(10_000);
  const before = counter.report(`module-${MODULE}`);
  expect(before.crossings).toBeGreaterThan(0);
  net.stopLinkStress(counter);
  net.nodes[5].route(net.nodes[150].guid, 'two', { module: MODULE });
  net.run(10_000);
  expect(counter.report(`module-${MODULE}`)).toEqual(before);
  counter.reset();
  expect(counter.classes).toEqual([]);
  expect(counter.report(`module-${MODULE}`).crossings).toBe(0);
});

test('control datagrams (pings, pongs, hop acks) are counted only when asked', async () => {
  const live = await createTestnet({ nodes: 30, seed: 4, topology: { ...TRANSIT_STUB_PRESETS.small } });
  const modulesOnly = live.countLinkStress();
  const withControl = live.countLinkStress(moduleClassifier({ control: true }));
  live.nodes[0].route(live.nodes[20].guid, 'acked');
  live.run(70_000);
  expect(modulesOnly.classes).not.toContain('ping');
  expect(withControl.classes).toEqual(expect.arrayContaining(['ping', 'pong']));
  expect(withControl.report('ping').crossings).toBeGreaterThan(0);
  await live.close();
});

test('topology choices: the transit-stub preset, the plane, and the errors', async () => {
  const big = await createTestnet({ nodes: 10, topology: 'transit-stub' });
  expect(big.topology!.routerCount).toBe(4_900);
  expect(big.topology!.options.seed).toBe(1);
  await big.close();
  const plane = await createTestnet({ nodes: 10, topology: 'plane' });
  expect(plane.topology).toBeUndefined();
  expect(() => plane.countLinkStress()).toThrow(InvalidArgumentError);
  await plane.close();
  await expect(createTestnet({ nodes: 10, latency: new PlaneLatency({ seed: 1 }), topology: 'transit-stub' })).rejects.toThrow(InvalidArgumentError);
  await expect(createTestnet({ nodes: 10, topology: { routersPerStub: 0 } })).rejects.toThrow(InvalidArgumentError);
  await expect(createTestnet({ nodes: 10, topology: 'mesh' as 'plane' })).rejects.toThrow(InvalidArgumentError);
});
