/**
 * Resolve-only nodes (issue 18) on a 300-node simulated mesh with its maintenance on (repair,
 * heartbeats, leaf-set exchange, hop acknowledgements — every place a node learns peers from
 * traffic), plus six resolve-only nodes, three of them with GUIDs adjacent to full nodes' (where
 * an admitted one would take over roots). They make many requests, routes, locates and DHT puts and
 * gets through their gateways. Oracles:
 * - the surrogate root computed by brute force over the full nodes only (sim/oracle.ts): every fuzzy
 *   request and route, to random GUIDs and to GUIDs equal or adjacent to a resolve-only node's, ends
 *   there — never at a resolve-only node;
 * - the publisher of each object, the map of DHT values put;
 * - a scan of every full node's routing table, backpointers and leaf set, which never name a
 *   resolve-only GUID.
 * Also: forged resolve-only flags naming a full node leave it listed and routed to; a resolve-only
 * node's gateway failing hands its traffic to the next bootstrap address; misuse gets named errors.
 */
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, NoGatewayError, ResolveOnlyError } from '../../errors';
import { Guid } from '../../routing/guid';
import { WIRE_VERSION, type Body, type NodeHandle } from '../../routing/messages';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { encodeFrame, guidCheck } from '../../wire/codec';
import { encodeMembership } from '../../wire/membershipCodec';
import { MEMBERSHIP_MODULE_ID } from '../../membership/messages';
import { routingTableOf } from '../../api/internals';
import { createNode, type TapestryNode } from '../../api/node';
import { dht, type Dht } from '../../upcalls/dht';
import { bayeux } from '../../upcalls/bayeux';
import { formatAddress } from '../../transport/addressText';
import { commonApi } from '../../api/commonApi';
import { virtualTime } from '../helpers/virtualTime';

const N = 300;
const ECHO = 0;
let net: Testnet;
let ro: TapestryNode[];
let full: TapestryNode[];
const rng = new SeededRng(77);
/** Route deliveries at full nodes: payload text → GUID hexes of the nodes it arrived at. */
const delivered = new Map<string, string[]>();
/** Anything a resolve-only node was handed as a destination (module ECHO): must stay empty. */
const deliveredAtResolveOnly: string[] = [];
let fullDht: Dht[];
let roDht: Dht[];

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

const { advance, settle } = virtualTime(() => net);

/** `g` + delta around the ID space (the GUIDs adjacent to g). */
function offset(g: Guid, delta: number): Guid {
  const mod = 1n << BigInt(g.bits);
  const v = (((BigInt(`0x${g.hex}`) + BigInt(delta)) % mod) + mod) % mod;
  return Guid.fromHex(v.toString(16).padStart(g.bits / 4, '0'));
}

/** A GUID sharing the first `digits` hex digits of `g`, the rest random. */
function sharing(g: Guid, digits: number): Guid {
  let hex = g.hex.slice(0, digits);
  while (hex.length < g.bits / 4) hex += rng.int(16).toString(16);
  return Guid.fromHex(hex);
}

const randomGuid = (): Guid => Guid.random(() => rng.int(256));
/** Full nodes taken down (the gateway-failure test): no longer roots. */
const down = new Set<TapestryNode>();
/** The full node that roots `dest`, by brute force over the live full nodes only. */
const rootOf = (dest: Guid): TapestryNode => {
  const live = full.filter((n) => !down.has(n));
  return live[bruteForceRoot(live.map((n) => n.guid), dest, net.space)];
};
const takeDown = (n: TapestryNode, isDown: boolean): void => {
  net.network.setDown(net.indexOf(n.guid)!, isDown);
  if (isDown) down.add(n);
  else down.delete(n);
};

/** Targets a route to which would end at resolve-only node `r` if it had been admitted. */
function targetsNear(r: TapestryNode): Guid[] {
  return [r.guid, offset(r.guid, 1), offset(r.guid, -1), offset(r.guid, 7), sharing(r.guid, 30), sharing(r.guid, 12)];
}

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 31 });
  full = [...net.nodes];
  for (const n of full) {
    n.register({
      id: ECHO, name: 'echo',
      deliver: (d) => {
        if (d.request) return n.guid.hex;
        const key = text(d.payload);
        delivered.set(key, [...(delivered.get(key) ?? []), n.guid.hex]);
        return undefined;
      },
    });
  }
  fullDht = full.map((n) => n.register(dht()));
  // Three with random GUIDs, three one step from a full node's GUID (they would root its neighbourhood).
  ro = [];
  for (let i = 0; i < 6; i++) {
    const guid = i < 3 ? undefined : offset(full[rng.int(N)].guid, i % 2 === 0 ? 1 : -1);
    ro.push(await net.addResolveOnly({ node: guid ? { guid } : {} }));
  }
  for (const r of ro) r.register({ id: ECHO, name: 'recorder', deliver: (d) => void deliveredAtResolveOnly.push(text(d.payload)) });
  roDht = ro.map((r) => r.register(dht()));
  await advance(5_000);
}, 300_000);

afterAll(() => net.close());

test('resolve-only nodes say so; they reached gateways without a table of their own', () => {
  for (const r of ro) {
    expect(r.resolveOnly).toBe(true);
    expect(r.status).toBe('ACTIVE');
    expect(r.handle.resolveOnly).toBe(true);
    expect(r.table.size).toBe(0);
    const s = r.stats.resolveOnly;
    expect(s.enabled).toBe(true);
    expect(s.gateways!.length).toBe(DEFAULTS.resolveOnlyGateways);
    expect(r.gateways.map((g) => formatAddress(g.address))).toEqual(s.gateways);
    // Its Common API: every key's next hop is its gateway; it is no replica and knows none.
    const api = commonApi(r);
    expect(api.localLookup(randomGuid(), 5)).toEqual(r.gateways);
    expect(api.replicaSet(r.guid, 3)).toEqual([]);
  }
  for (const n of full) expect([n.resolveOnly, n.stats.resolveOnly.enabled]).toEqual([false, false]);
});

test('every request from a resolve-only node is answered, fuzzy ones by the root among full nodes only', async () => {
  const asked: Array<{ dest: Guid; fuzzy: boolean; from: TapestryNode }> = [];
  for (const r of ro) {
    for (let i = 0; i < 40; i++) asked.push({ dest: randomGuid(), fuzzy: true, from: r });
    for (const other of ro) for (const dest of targetsNear(other)) asked.push({ dest, fuzzy: true, from: r });
    for (let i = 0; i < 10; i++) asked.push({ dest: full[rng.int(N)].guid, fuzzy: false, from: r });
  }
  const replies = await settle(Promise.allSettled(asked.map((a) => a.from.request(a.dest, 'who', { fuzzy: a.fuzzy }))), 200_000);
  const wrong = asked.flatMap((a, i) => {
    const got = replies[i];
    const want = a.fuzzy ? rootOf(a.dest).guid.hex : a.dest.hex;
    if (got.status === 'rejected') return [`${a.dest.hex}: ${String(got.reason)}`];
    return text(got.value.payload) === want ? [] : [`${a.dest.hex}: answered by ${text(got.value.payload)}, root ${want}`];
  });
  expect(wrong).toEqual([]);
  expect(asked.length).toBeGreaterThan(6 * 80);
}, 300_000);

test('routes from resolve-only nodes arrive once, at the root among full nodes; none at a resolve-only node', async () => {
  const sent = new Map<string, Guid>();
  for (const [k, r] of ro.entries()) {
    const dests = [...Array.from({ length: 30 }, randomGuid), ...ro.flatMap(targetsNear)];
    dests.forEach((dest, i) => {
      const key = `route-${k}-${i}`;
      sent.set(key, dest);
      r.route(dest, key, { fuzzy: true });
    });
  }
  await advance(10_000);
  const wrong = [...sent].filter(([key, dest]) => JSON.stringify(delivered.get(key)) !== JSON.stringify([rootOf(dest).guid.hex]));
  expect(wrong.map(([key, dest]) => `${key} ${dest.hex}: ${JSON.stringify(delivered.get(key))}`)).toEqual([]);
  expect(deliveredAtResolveOnly).toEqual([]);
}, 300_000);

test('locates from resolve-only nodes find every replica full nodes published; a resolve-only node cannot publish', async () => {
  const objects = Array.from({ length: 20 }, (_, i) => ({ object: Guid.fromName(`object-${i}`), server: full[rng.int(N)] }));
  for (const o of objects) o.server.publish(o.object);
  await advance(5_000);
  const found = await settle(Promise.allSettled(ro.flatMap((r) => objects.map(async (o) => {
    const out: string[] = [];
    for await (const res of r.locate(o.object)) out.push(res.server.guid.hex);
    return out;
  }))), 200_000);
  const want = ro.flatMap(() => objects.map((o) => JSON.stringify([o.server.guid.hex])));
  expect(found.map((f) => (f.status === 'fulfilled' ? JSON.stringify(f.value) : String(f.reason)))).toEqual(want);
  expect(() => ro[0].publish(Guid.fromName('mine'))).toThrow(ResolveOnlyError);
}, 300_000);

test('DHT put and get through the gateway: what resolve-only nodes put full nodes read, and the reverse', async () => {
  const values = new Map<string, string>();
  const puts: Array<Promise<unknown>> = [];
  for (let k = 0; k < 30; k++) {
    const key = `ro-key-${k}`;
    values.set(key, `from-ro-${k}-${rng.int(1e9)}`);
    puts.push(roDht[k % ro.length].putValue(key, values.get(key)!));
  }
  for (let k = 0; k < 30; k++) {
    const key = `full-key-${k}`;
    values.set(key, `from-full-${k}-${rng.int(1e9)}`);
    puts.push(fullDht[rng.int(N)].putValue(key, values.get(key)!));
  }
  const stored = await settle(Promise.allSettled(puts), 200_000);
  expect(stored.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
  const keys = [...values.keys()];
  // Each key read by a resolve-only node and by a full node.
  const gets = keys.flatMap((key, k) => [roDht[(k + 1) % ro.length].getValue(key), fullDht[rng.int(N)].getValue(key)]);
  const got = await settle(Promise.allSettled(gets), 200_000);
  const wrong = keys.flatMap((key, k) => [0, 1].flatMap((j) => {
    const g = got[2 * k + j];
    return g.status === 'fulfilled' && text(g.value.value) === values.get(key) ? [] : [`${key} (${j === 0 ? 'resolve-only' : 'full'} reader)`];
  }));
  expect(wrong).toEqual([]);
  // Providing is publishing: refused by name.
  await expect(roDht[0].provide('ro-key-0')).rejects.toThrow(ResolveOnlyError);
}, 300_000);

test('a resolve-only handle offered through membership — its own adopts, a leave notice naming it as replacement, flagged or stripped — is never admitted', async () => {
  const frame = (sender: NodeHandle, body: Body): Uint8Array => encodeFrame({ version: WIRE_VERSION, sender, messageId: 0, body });
  const direct = (to: TapestryNode, payload: Uint8Array): Body => ({ kind: 'direct', direct: { destCheck: guidCheck(to.guid), moduleId: MEMBERSHIP_MODULE_ID, payload, hops: 0 } });
  const endpoint = (n: TapestryNode) => net.network.transport(net.network.indexOf(n.handle.address)!)!;
  const before = full.map((n) => n.stats.resolveOnly.refused!);
  // (a) Resolve-only nodes announce themselves with adopts, from their own addresses, as a joining node would.
  for (const r of ro) {
    for (let i = 0; i < 20; i++) {
      const to = full[rng.int(N)];
      endpoint(r).send(to.handle.address, frame(r.handle, direct(to, encodeMembership({ kind: 'adopt', adopt: { rttMs: 1, listsYou: true } }))));
    }
  }
  // (b) Full nodes "leave" naming a resolve-only node as their replacement, to every node that lists them:
  // with its flagged handle, and with the flag stripped (the nodes measure it: its answer says what it is).
  for (const [k, r] of ro.entries()) {
    const leaving = full[rng.int(N)];
    const replacement: NodeHandle = k % 2 === 0 ? r.handle : { guid: r.guid, address: r.handle.address };
    const notice = encodeMembership({ kind: 'leave', leave: { leaving: leaving.handle, replacement } });
    for (const to of full.filter((n) => routingTableOf(n).has(leaving.guid) || routingTableOf(n).hasBackpointer(leaving.guid))) {
      endpoint(leaving).send(to.handle.address, frame(leaving.handle, direct(to, notice)));
    }
  }
  await advance(20_000);
  const roHex = new Set(ro.map((r) => r.guid.hex));
  const listed = full.filter((n) => [...routingTableOf(n).neighbours(), ...routingTableOf(n).backpointers(), ...n.leafSet.smaller, ...n.leafSet.larger].some((h) => roHex.has(h.guid.hex)));
  expect(listed.map((n) => n.guid.hex)).toEqual([]);
  // Refused, and counted: the adopts by the router, the stripped replacements by the membership ping they answered.
  const after = full.map((n) => n.stats.resolveOnly.refused!);
  expect(after.reduce((s, a, i) => s + a.membership - before[i].membership, 0)).toBeGreaterThanOrEqual(ro.length * 20 + 1);
}, 300_000);

test('after all that and a minute of maintenance, no full node lists a resolve-only node anywhere (every node scanned)', async () => {
  await advance(60_000);
  const roHex = new Set(ro.map((r) => r.guid.hex));
  const found: string[] = [];
  for (const n of full) {
    const t = routingTableOf(n);
    for (const h of t.neighbours()) if (roHex.has(h.guid.hex)) found.push(`${n.guid.hex} table ${h.guid.hex}`);
    for (const h of t.backpointers()) if (roHex.has(h.guid.hex)) found.push(`${n.guid.hex} backpointer ${h.guid.hex}`);
    for (const h of [...n.leafSet.smaller, ...n.leafSet.larger]) if (roHex.has(h.guid.hex)) found.push(`${n.guid.hex} leaf set ${h.guid.hex}`);
    for (const h of [...t.neighbours(), ...t.backpointers(), ...n.leafSet.smaller, ...n.leafSet.larger]) if (h.resolveOnly) found.push(`${n.guid.hex} flagged ${h.guid.hex}`);
  }
  expect(found).toEqual([]);
  // The mesh did learn from traffic meanwhile: the scan is of live, maintained tables.
  expect(full.reduce((s, n) => s + n.stats.membership.repairs, 0)).toBeGreaterThan(0);
  for (const r of ro) {
    const s = r.stats;
    // Never used as a hop or a member by the honest mesh; all it sent went through its gateways.
    expect([s.resolveOnly.refusedAsHop, s.resolveOnly.relayNoGateway, r.table.size, r.leafSet.smaller.length + r.leafSet.larger.length]).toEqual([0, 0, 0, 0]);
    expect(s.resolveOnly.relayed).toBeGreaterThan(100);
    expect(s.router.forwarded).toBe(s.resolveOnly.relayed);
  }
}, 300_000);

describe('a forged resolve-only flag cannot hide a full node', () => {
  test('pings, routes and membership messages flagged with a listed node\'s GUID leave it listed and routed to', async () => {
    const victim = full[rng.int(N)];
    const listers = full.filter((n) => routingTableOf(n).has(victim.guid));
    const leafHolders = full.filter((n) => [...n.leafSet.smaller, ...n.leafSet.larger].some((h) => h.guid.equals(victim.guid)));
    const backHolders = full.filter((n) => routingTableOf(n).hasBackpointer(victim.guid));
    expect(listers.length).toBeGreaterThan(5);
    const attacker = net.network.createTransport();
    const forged: NodeHandle = { guid: victim.guid, address: victim.handle.address, resolveOnly: true };
    const forgedHere: NodeHandle = { guid: victim.guid, address: attacker.local, resolveOnly: true };
    const frame = (sender: NodeHandle, body: Body): Uint8Array => encodeFrame({ version: WIRE_VERSION, sender, messageId: 0, body });
    const adopt = encodeMembership({ kind: 'adopt', adopt: { rttMs: 1, listsYou: true } });
    const refusedBefore = full.reduce((s, n) => s + n.stats.resolveOnly.refused!.membership, 0);
    for (const n of new Set([...listers, ...leafHolders, ...backHolders])) {
      const to = n.handle.address;
      for (const sender of [forged, forgedHere]) {
        attacker.send(to, frame(sender, { kind: 'ping', ping: { nonce: rng.int(1e9) } }));
        attacker.send(to, frame(sender, { kind: 'direct', direct: { destCheck: guidCheck(n.guid), moduleId: MEMBERSHIP_MODULE_ID, payload: adopt, hops: 0 } }));
        for (const moduleId of [ECHO, MEMBERSHIP_MODULE_ID]) {
          attacker.send(to, frame(sender, { kind: 'route', route: { source: sender, dest: randomGuid(), fuzzy: true, ttl: 64, hops: 0, level: 0, moduleId, payload: adopt } }));
        }
      }
    }
    await advance(30_000);
    expect(full.filter((n) => routingTableOf(n).has(victim.guid)).map((n) => n.guid.hex)).toEqual(expect.arrayContaining(listers.map((n) => n.guid.hex)));
    const stillLeaf = leafHolders.filter((n) => [...n.leafSet.smaller, ...n.leafSet.larger].some((h) => h.guid.equals(victim.guid) && !h.resolveOnly));
    expect(stillLeaf.length).toBe(leafHolders.length);
    expect(backHolders.filter((n) => routingTableOf(n).hasBackpointer(victim.guid)).length).toBe(backHolders.length);
    for (const n of listers) expect(routingTableOf(n).get(victim.guid)!.handle.resolveOnly).toBeUndefined();
    // Flagged membership messages were refused, and counted.
    expect(full.reduce((s, n) => s + n.stats.resolveOnly.refused!.membership, 0)).toBeGreaterThan(refusedBefore);
    // Its GUID still routes to it, from full and resolve-only nodes alike.
    const asks = [...ro, full[rng.int(N)], full[rng.int(N)]].flatMap((from) => [from.request(victim.guid, 'who'), from.request(victim.guid, 'who', { fuzzy: true })]);
    const got = await settle(Promise.all(asks));
    expect(got.map((g) => text(g.payload))).toEqual(asks.map(() => victim.guid.hex));
  }, 300_000);
});

describe('misuse and bad input', () => {
  test('named errors: no bootstrap, a bad value, a table, publish, addPeer', async () => {
    const transport = () => net.network.createTransport();
    await expect(createNode({ transport: transport(), clock: net.network.clock, resolveOnly: true })).rejects.toThrow(InvalidArgumentError);
    await expect(createNode({ transport: transport(), clock: net.network.clock, resolveOnly: 'yes' as unknown as boolean, bootstrap: [full[0].handle.address] })).rejects.toThrow(InvalidArgumentError);
    await expect(createNode({ transport: transport(), clock: net.network.clock, resolveOnly: true, bootstrap: [full[0].handle.address], table: routingTableOf(full[0]) })).rejects.toThrow(InvalidArgumentError);
    expect(() => ro[1].publish(randomGuid(), { tag: 'x' })).toThrow(ResolveOnlyError);
    expect(() => ro[1].addPeer(full[0].handle, 1)).toThrow(ResolveOnlyError);
    // A multicast tree is routed to its members' GUIDs: a resolve-only node is told it cannot be one.
    const mc = ro[1].register(bayeux({ id: 0x4242 }));
    await expect(mc.join('a-session', { onMessage: () => undefined })).rejects.toThrow(ResolveOnlyError);
    expect(mc.isMember('a-session')).toBe(false);
    mc.close();
  });

  test('a resolve-only node is no gateway: a node whose bootstrap names only one stays ALONE and sends nothing', async () => {
    const lone = await createNode({ transport: net.network.createTransport(), clock: net.network.clock, resolveOnly: true, bootstrap: [ro[0].handle.address] });
    await advance(10_000);
    expect(lone.status).toBe('ALONE');
    expect(lone.stats.resolveOnly.gatewaysRefused).toBeGreaterThan(0);
    expect(() => lone.route(randomGuid(), 'x')).toThrow(NoGatewayError);
    await expect(lone.request(randomGuid(), 'x')).rejects.toThrow(NoGatewayError);
    await lone.close();
  }, 60_000);
});

describe('gateway failure', () => {
  test('the gateway failing: traffic moves to the next bootstrap address; with none left the node is ALONE, and back when one returns', async () => {
    const picks = [rng.int(N), rng.int(N), rng.int(N)].filter((v, i, a) => a.indexOf(v) === i);
    expect(picks.length).toBe(3);
    const r = await net.addResolveOnly({ gateways: picks });
    // The first two bootstrap addresses, in order.
    expect(r.stats.resolveOnly.gateways).toEqual([formatted(full[picks[0]]), formatted(full[picks[1]])]);
    // Answered by the root among live full nodes; or, while the mesh is still mending after failures
    // (`via`), by the node the gateway's own request reaches: the gateway routes as if it were the source.
    const ask = async (count: number, via?: TapestryNode): Promise<string[]> => {
      const dests = Array.from({ length: count }, randomGuid);
      const got = await settle(Promise.allSettled(dests.map((d) => r.request(d, 'who', { fuzzy: true }))));
      const want = via
        ? (await settle(Promise.all(dests.map((d) => via.request(d, 'who', { fuzzy: true }))))).map((g) => text(g.payload))
        : dests.map((d) => rootOf(d).guid.hex);
      return got.flatMap((g, i) => (g.status === 'fulfilled' && text(g.value.payload) === want[i] ? [] : [`${dests[i].hex}: ${g.status === 'rejected' ? String(g.reason) : text(g.value.payload)}`]));
    };
    expect(await ask(20)).toEqual([]);
    // The gateway in use goes down: the next takes over, and the third bootstrap address tops the list up.
    takeDown(full[picks[0]], true);
    expect(await ask(20)).toEqual([]);
    const s = r.stats.resolveOnly;
    expect(s.gatewaysLost).toBeGreaterThanOrEqual(1);
    expect(s.gatewaySwitches).toBeGreaterThanOrEqual(1);
    await advance(5_000);
    expect(r.stats.resolveOnly.gateways).toEqual([formatted(full[picks[1]]), formatted(full[picks[2]])]);
    // All of them down: the node finds out (unacknowledged hops, liveness pings) and is ALONE.
    for (const i of picks.slice(1)) takeDown(full[i], true);
    void ask(3);
    await advance(DEFAULTS.heartbeatMs + 10_000);
    expect(r.status).toBe('ALONE');
    expect(() => r.route(randomGuid(), 'x')).toThrow(NoGatewayError);
    // One returns: the node retries its bootstrap list and routes through it.
    takeDown(full[picks[2]], false);
    await advance(DEFAULTS.joinRetryMs * 3);
    expect(r.status).toBe('ACTIVE');
    expect(r.stats.resolveOnly.gateways).toEqual([formatted(full[picks[2]])]);
    expect(await ask(10, full[picks[2]])).toEqual([]);
    // A new resolve-only node whose first bootstrap address is down starts on the next one.
    const late = await net.addResolveOnly({ gateways: [picks[0], picks[2]] });
    expect(late.gateways.map((g) => g.guid.hex)).toEqual([full[picks[2]].guid.hex]);
    expect(late.stats.resolveOnly.gatewaysRefused).toBe(1);
  }, 300_000);
});

/** A node's address as the stats print it. */
function formatted(n: TapestryNode): string {
  return formatAddress(n.handle.address);
}
