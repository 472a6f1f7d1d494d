/**
 * Hostile datagrams into a live node of a simulated mesh (the real node, router actor and modules,
 * no mocks): it counts every malformed frame by its decode reason, every malformed location or
 * membership payload as malformed, drops them, holds nothing afterwards, and keeps routing honest
 * traffic, including routes that pass through it.
 *
 * The flood is malformed input only, plus valid frames for application modules: a well-formed but
 * forged membership message (a fake node adopting itself into tables) is a different attack, met by
 * the security provider, not by the decoders.
 */
import type { TapestryNode } from '../../api/node';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { nextHop } from '../../routing/nextHop';
import { SeededRng } from '../../sim/random';
import type { SimTransport } from '../../transport/simNetwork';
import { decodeFrame, encodedFrameSize, encodeFrame } from '../../wire/codec';
import { LOCATION_MODULE_ID } from '../../location/messages';
import { MEMBERSHIP_MODULE_ID } from '../../membership/messages';
import { WIRE_VERSION, type Frame, type NodeHandle, type RouteMsg } from '../../routing/messages';
import { classify, hostileInput, validCorpus, type Target } from '../helpers/fuzzCorpus';
import { recordDeliveries, type Recorded } from '../helpers/recorder';
import { routingTableOf } from '../../api/internals';

const FRAMES = 6_000;
const PAYLOADS = 1_500;

let net: Testnet;
let got: Recorded[];
let victim: TapestryNode;
let victimLink: SimTransport;
let attacker: NodeHandle;
/** Addresses the flood comes from: a few, so a per-peer rate limit does not drop it unread. */
let botnet: NodeHandle['address'][];
const VICTIM = 3;
const rng = new SeededRng(4242);
// The mesh's width (160-bit ids), so mutations reach the checks behind the GUID width.
const corpus = validCorpus(4242, 60, [20]);

beforeAll(async () => {
  net = await createTestnet({ nodes: 64, frozen: true, seed: 21 });
  got = recordDeliveries(net.nodes);
  victim = net.nodes[VICTIM];
  victimLink = net.network.transport(VICTIM)!;
  botnet = Array.from({ length: 8 }, () => net.network.createTransport().local);
  attacker = { guid: Guid.random(() => rng.int(256)), address: botnet[0] };
});
afterAll(() => net.close());

let injected = 0;
/**
 * A datagram from one of the attacker's addresses, handed to the victim's transport as a socket
 * would hand it over: the simulated links carry only MTU-sized datagrams, UDP up to maxDatagramBytes.
 */
function inject(bytes: Uint8Array): void {
  expect(victimLink.deliver(bytes, botnet[injected++ % botnet.length])).toBeUndefined(); // the handler took it, without throwing
}

/**
 * Malformed for a node of this mesh, or valid but for no module the mesh treats as its own protocol.
 * The two kinds of valid frame the node drops after decoding (see the tests at the end) are left out:
 * this flood checks that the decoder's verdict and the node's counters agree frame by frame.
 */
function harmless(bytes: Uint8Array): boolean {
  if (classify('frame', bytes, 20) !== 'ok') return true;
  const body = decodeFrame(bytes, { idBytes: 20 }).body;
  if (body.kind === 'route' && body.route.level > net.space.digits) return false; // dropped by the router as 'level', not by the decoder
  if (body.kind === 'route' && bytes.length > DEFAULTS.maxDatagramBytes - 64) return false; // may outgrow a datagram when forwarded: counted as a frame error
  return moduleOf(body) < LOCATION_MODULE_ID;
}

/** The module a frame's body is for (routed or sent direct); -1 for bodies that carry none. */
function moduleOf(body: Frame['body']): number {
  const inner: unknown = (body as Record<string, unknown>)[body.kind];
  return typeof inner === 'object' && inner !== null && 'moduleId' in inner ? Number(inner.moduleId) : -1;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Exact routes with unique payloads between node pairs; fails the test unless each arrived once, at its destination. */
function honestRoutesArrive(pairs: [number, number][]): void {
  got.length = 0;
  pairs.forEach(([src, dst], i) => net.nodes[src].route(net.nodes[dst].guid, `honest ${i}`));
  net.run(5_000);
  const arrivals = got.filter((d) => d.text.startsWith('honest '));
  const wrong = pairs.filter(([, dst], i) => {
    const at = arrivals.filter((d) => d.text === `honest ${i}`).map((d) => d.at);
    return at.length !== 1 || at[0] !== dst;
  });
  expect(wrong).toEqual([]);
}

/** Node pairs whose route passes through the victim (neither end is the victim). */
function pairsThroughVictim(count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let tries = 0; out.length < count && tries < 100_000; tries++) {
    const src = rng.int(net.nodes.length);
    const dst = rng.int(net.nodes.length);
    if (src === dst || src === VICTIM || dst === VICTIM) continue;
    let at = src;
    let level = 0;
    for (;;) {
      const hop = nextHop(routingTableOf(net.nodes[at]), net.nodes[dst].guid, level);
      if (hop.kind === 'root') break;
      at = net.indexOf(hop.to.guid)!;
      level = hop.level + 1;
      if (at === VICTIM) {
        out.push([src, dst]);
        break;
      }
    }
  }
  return out;
}

test(`${FRAMES.toLocaleString('en')} hostile frames: each malformed one counted under its own reason, none thrown`, () => {
  const before = { ...victim.stats.router.decodeErrors };
  const forwardedBefore = victim.stats.router.forwarded;
  const expected: Record<string, number> = {};
  let sent = 0;
  while (sent < FRAMES) {
    const { bytes } = hostileInput(rng, corpus, 'frame');
    if (!harmless(bytes)) continue;
    const outcome = classify('frame', bytes, 20);
    if (outcome !== 'ok') expected[outcome] = (expected[outcome] ?? 0) + 1;
    inject(bytes);
    sent++;
    if (sent % 500 === 0) net.run(200); // let what the valid ones set off play out as it comes
  }
  net.run(1_000);
  const after = victim.stats.router.decodeErrors;
  const delta = Object.fromEntries(Object.keys(after).map((r) => [r, after[r] - (before[r] ?? 0)]).filter(([, n]) => n !== 0));
  // The node's counters say exactly what the decoder says about each input: nothing lost, nothing
  // counted as 'internal' (a non-decode exception the router caught).
  expect(delta).toEqual(expected);
  expect(sum(expected)).toBeGreaterThan(FRAMES / 2);
  expect(Object.keys(expected).length).toBeGreaterThan(6);
  // The valid ones among them were routed on, in the middle of the flood.
  expect(victim.stats.router.forwarded).toBeGreaterThan(forwardedBefore);
  for (const node of net.nodes) expect(node.stats.transport.dropped.handlerError ?? 0).toBe(0);
});

test.each([
  ['membership', MEMBERSHIP_MODULE_ID],
  ['location', LOCATION_MODULE_ID],
] as const)(`${PAYLOADS.toLocaleString('en')} malformed %s payloads delivered to the victim are counted as malformed and dropped`, (target: Target, moduleId) => {
  const stats = () => (target === 'membership' ? victim.stats.membership : victim.stats.location);
  const before = stats().malformed;
  let sent = 0;
  while (sent < PAYLOADS) {
    const { bytes: payload } = hostileInput(rng, corpus, target);
    if (classify(target, payload, 20) === 'ok') continue; // a valid message is protocol, not malformed input
    if (payload.length > DEFAULTS.maxDatagramBytes - 200) continue; // one datagram, no fragments
    // Level past the last digit: the victim is the root of its own GUID, so the route ends there.
    const route = { source: attacker, dest: victim.guid, fuzzy: false, ttl: 8, hops: 1, level: net.space.digits, moduleId, payload };
    inject(encodeFrame({ version: WIRE_VERSION, sender: attacker, messageId: sent, body: { kind: 'route', route } }));
    sent++;
  }
  net.run(1_000);
  expect(stats().malformed - before).toBe(PAYLOADS);
});

test('afterwards the victim holds nothing from the flood and routes honest traffic: from it, to it and through it', () => {
  net.run(DEFAULTS.reassemblyTimeoutMs + 2 * DEFAULTS.reassemblySweepMs);
  expect(victim.stats.reassemblyHeld).toEqual({ bytes: 0, pending: 0 });
  expect(victim.status).toBe('ACTIVE');
  expect(victim.stats.router.decodeErrors.internal).toBeUndefined();
  const others = Array.from({ length: net.nodes.length }, (_, i) => i).filter((i) => i !== VICTIM);
  const through = pairsThroughVictim(50);
  expect(through.length).toBe(50);
  honestRoutesArrive([...others.map((i): [number, number] => [VICTIM, i]), ...others.map((i): [number, number] => [i, VICTIM]), ...through]);
});

/**
 * Two frames the flood found that decodeFrame accepts (they are within messages.proto's limits) but
 * that the node cannot act on; each once stopped a node (FAULTED). Now each is dropped and counted,
 * and the node stays ACTIVE and routes on.
 */
describe('valid frames a node cannot act on are dropped, not fatal', () => {
  interface Outcome {
    status: string;
    routed: boolean;
    levelDrops: number;
    frameErrors: number;
  }

  /** Node 0 of a fresh small mesh gets one frame from an outsider, then routes. */
  async function afterOneFrame(frame: (outsider: NodeHandle, dest: Guid) => Frame): Promise<Outcome> {
    const small = await createTestnet({ nodes: 16, frozen: true, seed: 5 });
    try {
      const seen = recordDeliveries(small.nodes);
      const outsider: NodeHandle = { guid: Guid.random(() => 9), address: small.network.createTransport().local };
      const bytes = encodeFrame(frame(outsider, small.nodes[7].guid)); // node 0 forwards toward node 7
      expect(decodeFrame(bytes, { idBytes: 20 })).toBeDefined(); // the codec accepts it
      small.network.transport(0)!.deliver(bytes, outsider.address);
      small.run(1_000);
      small.nodes[0].route(small.nodes[9].guid, 'honest');
      small.run(1_000);
      const r = small.nodes[0].stats.router;
      return {
        status: small.nodes[0].status, routed: seen.some((d) => d.text === 'honest' && d.at === 9),
        levelDrops: r.decodeErrors.level ?? 0, frameErrors: r.frameErrors,
      };
    } finally {
      await small.close();
    }
  }

  const routeFrame = (outsider: NodeHandle, dest: Guid, o: Partial<RouteMsg>): Frame => ({
    version: WIRE_VERSION, sender: outsider, messageId: 0,
    body: { kind: 'route', route: { source: outsider, dest, fuzzy: false, ttl: 8, hops: 0, level: 0, moduleId: 0, payload: new Uint8Array(0), ...o } },
  });

  // The codec bounds a route's level by the GUID's bit count (160: right for 1-bit digits); a
  // hex-digit node has 40 levels, and nextHop refuses a start beyond them. The router drops it as 'level'.
  test('a route whose level is past the node\'s last digit (41 of 40)', async () => {
    const o = await afterOneFrame((outsider, dest) => routeFrame(outsider, dest, { level: 41 }));
    expect(o).toEqual({ status: 'ACTIVE', routed: true, levelDrops: 1, frameErrors: 0 });
  });

  // A valid frame near maxDatagramBytes (65,507) grows when forwarded (hops 127 -> 128 takes
  // one more varint byte; with hop acknowledgements also ackWanted and a datagram id), so
  // RouterRuntime.sendFrame's encodeFrame throws MessageTooLargeError inside the router actor.
  test('a valid 65,507-byte frame that outgrows one datagram when forwarded', async () => {
    const outcome = await afterOneFrame((outsider, dest) => {
      // The largest payload whose frame still fits one datagram, with hops just below a varint boundary.
      const withPayload = (n: number) => routeFrame(outsider, dest, { ttl: 255, hops: 127, payload: new Uint8Array(n) });
      let n = DEFAULTS.maxDatagramBytes - 200;
      while (encodedFrameSize(withPayload(n + 1)) <= DEFAULTS.maxDatagramBytes) n++;
      expect(encodedFrameSize(withPayload(n))).toBe(DEFAULTS.maxDatagramBytes);
      return withPayload(n);
    });
    expect(outcome).toEqual({ status: 'ACTIVE', routed: true, levelDrops: 0, frameErrors: 1 });
  });
});
