/**
 * node.request over a 64-node simulated mesh in virtual time: replies checked against what the
 * destination module computes from the request (SHA-256, computed again here), fuzzy requests
 * against the brute-force root, every error answer, timeout, abort, close, a large (fragmented)
 * reply, and forged replies refused.
 */
import { createHash } from 'node:crypto';
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, LimitExceededError, NoReplyError, NoSuchNodeError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import { WIRE_VERSION, type NodeHandle } from '../../routing/messages';
import { bruteForceRoot } from '../../sim/oracle';
import { SeededRng } from '../../sim/random';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { encodeFrame, guidCheck } from '../../wire/codec';
import type { RequestReply } from '../../api/request';
import type { TapestryNode } from '../../api/node';

const N = 64;
/** Module that replies SHA-256(payload); 'big:<n>' asks for n bytes of a SHA-256 chain. */
const SHA = 0;
/** Modules that answer badly: nothing, a throw, a wrong type, a Promise left pending. */
const SILENT = 1;
const THROWS = 2;
const NUMBER = 3;
const PENDING = 4;
const ASYNC = 5;
const UNREGISTERED = 6;

const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
/** n bytes: SHA-256 of the seed, then of that, and so on (the large reply). */
function chain(seed: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let block = sha(seed);
  for (let at = 0; at < n; at += 32) {
    out.set(block.subarray(0, Math.min(32, n - at)), at);
    block = sha(block);
  }
  return out;
}

let net: Testnet;
const rng = new SeededRng(5);
/** Resolvers of the PENDING module's answers, in order. */
const pendingAnswers: Array<(v: Uint8Array) => void> = [];

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 11 });
  for (const node of net.nodes) {
    node.register({
      id: SHA, name: 'sha',
      deliver: (d) => {
        if (!d.request) return undefined;
        const text = Buffer.from(d.payload).toString('utf8');
        return text.startsWith('big:') ? chain(d.payload, Number(text.slice(4))) : sha(d.payload);
      },
    });
    node.register({ id: SILENT, name: 'silent', deliver: () => undefined });
    node.register({ id: THROWS, name: 'throws', deliver: () => { throw new Error('boom'); } });
    node.register({ id: NUMBER, name: 'number', deliver: () => 42 });
    node.register({ id: PENDING, name: 'pending', deliver: () => new Promise<Uint8Array>((resolve) => pendingAnswers.push(resolve)) });
    node.register({ id: ASYNC, name: 'async', deliver: async (d) => `echo:${Buffer.from(d.payload).toString('utf8')}` });
  }
});
afterAll(() => net.close());

type Outcome = { ok: RequestReply; at: number } | { err: Error; at: number };

/** Runs the network in 5 ms steps (flushing promise callbacks between them) until `p` settles. */
async function settle(p: Promise<RequestReply>, maxMs = 60_000): Promise<Outcome> {
  let outcome: Outcome | undefined;
  p.then((ok) => (outcome = { ok, at: net.now }), (err: Error) => (outcome = { err, at: net.now }));
  for (let waited = 0; waited <= maxMs && !outcome; waited += 5) {
    await new Promise((r) => setImmediate(r));
    if (!outcome) net.run(5);
  }
  await new Promise((r) => setImmediate(r));
  if (!outcome) throw new Error('request never settled');
  return outcome;
}

function ok(o: Outcome): RequestReply {
  if ('err' in o) throw o.err;
  return o.ok;
}
function err(o: Outcome): Error {
  if ('ok' in o) throw new Error('expected a rejection, got a reply');
  return o.err;
}
const pick = (): [number, number] => {
  const a = rng.int(N);
  let b = rng.int(N);
  while (b === a) b = rng.int(N);
  return [a, b];
};

test('exact requests are answered by the destination with SHA-256 of the request, straight back', async () => {
  for (let i = 0; i < 40; i++) {
    const [src, dst] = pick();
    const payload = new TextEncoder().encode(`request ${i} from ${src}`);
    const started = net.now;
    const reply = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, payload)));
    expect(Buffer.from(reply.payload).equals(Buffer.from(sha(payload)))).toBe(true);
    expect(reply.from.guid.hex).toBe(net.nodes[dst].guid.hex);
    expect(reply.hops).toBeGreaterThanOrEqual(1);
    expect(reply.hops).toBeLessThanOrEqual(net.space.digits);
    // The reply came one hop: at least the direct latency back, and the request took at least one.
    expect(reply.rttMs).toBeGreaterThanOrEqual(net.latency(dst, src));
    expect(reply.rttMs).toBeLessThanOrEqual(net.now - started);
  }
});

test('the reply travels as one direct datagram, not through the mesh', async () => {
  const [src, dst] = pick();
  // Replies, not every direct message: the node's own maintenance (neighbour requests) may send some meanwhile.
  const sentBefore = net.nodes[dst].stats.router.repliesSent;
  const forwardedBefore = net.nodes.reduce((s, n) => s + n.stats.router.forwarded, 0);
  const reply = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, 'one hop back')));
  const forwarded = net.nodes.reduce((s, n) => s + n.stats.router.forwarded, 0) - forwardedBefore;
  expect(net.nodes[dst].stats.router.repliesSent - sentBefore).toBe(1);
  // Only the request's own hops were forwarded.
  expect(forwarded).toBe(reply.hops);
});

test('fuzzy requests are answered by the surrogate root the brute-force oracle names', async () => {
  const guids = net.nodes.map((n) => n.guid);
  for (let i = 0; i < 30; i++) {
    const src = rng.int(N);
    const dest = Guid.random(() => rng.int(256), net.space.bits);
    const root = bruteForceRoot(guids, dest, net.space);
    const reply = ok(await settle(net.nodes[src].request(dest, `fuzzy ${i}`, { fuzzy: true })));
    expect(reply.from.guid.hex).toBe(guids[root].hex);
    expect(Buffer.from(reply.payload).equals(Buffer.from(sha(new TextEncoder().encode(`fuzzy ${i}`))))).toBe(true);
  }
});

test('a request to this node itself is answered locally with 0 hops', async () => {
  const node = net.nodes[3];
  const reply = ok(await settle(node.request(node.guid, 'self')));
  expect(reply.from.guid.hex).toBe(node.guid.hex);
  expect(reply.hops).toBe(0);
  expect(Buffer.from(reply.payload).equals(Buffer.from(sha(new TextEncoder().encode('self'))))).toBe(true);
});

test('an exact request for a GUID no node holds fails fast with NoSuchNodeError from its root', async () => {
  const guids = net.nodes.map((n) => n.guid);
  const dest = Guid.random(() => rng.int(256), net.space.bits);
  const root = bruteForceRoot(guids, dest, net.space);
  const src = (root + 1) % N;
  const before = net.nodes[root].stats.router.droppedNoExactMatch;
  const started = net.now;
  const o = await settle(net.nodes[src].request(dest, 'anyone?', { timeoutMs: 30_000 }));
  expect(err(o)).toBeInstanceOf(NoSuchNodeError);
  expect(err(o).message).toContain(guids[root].hex);
  expect(net.nodes[root].stats.router.droppedNoExactMatch).toBe(before + 1);
  // A round trip in the mesh, long before the timeout.
  expect(o.at - started).toBeLessThan(2_000);
  expect(net.nodes[src].stats.router.requestsTimedOut).toBe(0);
});

test.each([
  [SILENT, 'noReply'],
  [THROWS, 'failed'],
  [NUMBER, 'failed'],
  [UNREGISTERED, 'noModule'],
] as const)('module %i answering badly rejects at once with NoReplyError %s', async (module, reason) => {
  const [src, dst] = pick();
  const started = net.now;
  const o = await settle(net.nodes[src].request(net.nodes[dst].guid, 'x', { module, timeoutMs: 20_000 }));
  expect(err(o)).toBeInstanceOf(NoReplyError);
  expect((err(o) as NoReplyError).reason).toBe(reason);
  expect(o.at - started).toBeLessThan(20_000);
});

test('an async deliver resolves the reply (a string arrives as its UTF-8 bytes)', async () => {
  const [src, dst] = pick();
  const reply = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, 'hé', { module: ASYNC })));
  expect(Buffer.from(reply.payload).toString('utf8')).toBe('echo:hé');
});

test('a TTL too small for the path ends in NoReplyError ttlExpired', async () => {
  // A destination that needs at least two hops from the source.
  let src = 0;
  let dst = 0;
  for (;;) {
    [src, dst] = pick();
    const r = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, 'probe')));
    if (r.hops >= 2) break;
  }
  const o = await settle(net.nodes[src].request(net.nodes[dst].guid, 'short', { ttl: 1 }));
  expect((err(o) as NoReplyError).reason).toBe('ttlExpired');
});

test('no reply within timeoutMs rejects with TimeoutError at the deadline, on the virtual clock', async () => {
  const [src, dst] = pick();
  const started = net.now;
  const o = await settle(net.nodes[src].request(net.nodes[dst].guid, 'wait', { module: PENDING, timeoutMs: 700 }));
  expect(err(o)).toBeInstanceOf(TimeoutError);
  expect(o.at - started).toBeGreaterThanOrEqual(700);
  expect(o.at - started).toBeLessThanOrEqual(705);
  // The late answer arrives and is counted as late, not taken.
  const late = net.nodes[src].stats.router.repliesLate;
  pendingAnswers.shift()!(new Uint8Array([1]));
  await new Promise((r) => setImmediate(r));
  net.run(2_000);
  expect(net.nodes[src].stats.router.repliesLate).toBe(late + 1);
});

test('an AbortSignal rejects with AbortedError; an aborted one before anything is sent', async () => {
  const [src, dst] = pick();
  const node = net.nodes[src];
  const sent = node.stats.router.requestsSent;
  await expect(node.request(net.nodes[dst].guid, 'x', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
  expect(node.stats.router.requestsSent).toBe(sent);
  const ctl = new AbortController();
  const p = node.request(net.nodes[dst].guid, 'x', { module: PENDING, signal: ctl.signal });
  net.run(300);
  ctl.abort();
  const o = await settle(p);
  expect(err(o)).toBeInstanceOf(AbortedError);
  expect(node.stats.router.requestsTimedOut).toBe(0);
  pendingAnswers.splice(0).forEach((answer) => answer(new Uint8Array(0)));
  net.run(1_000);
});

test('a large reply is fragmented, reassembled and byte-exact', async () => {
  const [src, dst] = pick();
  const size = 100_000;
  const payload = new TextEncoder().encode(`big:${size}`);
  const fragmentsBefore = net.nodes[dst].stats.router.fragmentsSent;
  const reply = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, payload)));
  expect(reply.payload.length).toBe(size);
  expect(Buffer.from(reply.payload).equals(Buffer.from(chain(payload, size)))).toBe(true);
  expect(net.nodes[dst].stats.router.fragmentsSent - fragmentsBefore).toBeGreaterThanOrEqual(Math.ceil(size / DEFAULTS.mtu));
});

test('a large request is fragmented too and answered', async () => {
  const [src, dst] = pick();
  const payload = chain(new Uint8Array([9]), 20_000);
  const reply = ok(await settle(net.nodes[src].request(net.nodes[dst].guid, payload)));
  expect(Buffer.from(reply.payload).equals(Buffer.from(sha(payload)))).toBe(true);
});

test('forged replies are refused and counted; the real reply still settles the request', async () => {
  const [src, dst] = pick();
  const requester = net.nodes[src];
  const destination = net.nodes[dst];
  const p = requester.request(destination.guid, 'real', { module: PENDING });
  net.run(500);
  const id = requester.stats.router.requestsSent; // ids are sequential from 1
  const forger = net.network.createTransport();
  const reply = (sender: NodeHandle, payload: Uint8Array) => encodeFrame({
    version: WIRE_VERSION, sender, messageId: 0,
    body: { kind: 'direct', direct: { destCheck: guidCheck(requester.guid), moduleId: PENDING, payload, hops: 1, reply: { replyTo: id, status: 'ok' } } },
  });
  const refused = () => requester.stats.router.repliesForged + requester.stats.router.directMisaddressed;
  const before = refused();
  // Another GUID from its own address: not the destination of an exact request.
  forger.send(requester.address, reply({ guid: Guid.random(() => rng.int(256), net.space.bits), address: forger.local }, new Uint8Array([6, 6, 6])));
  // The destination's GUID and address, sent from elsewhere: dropped before any reply check (directMisaddressed).
  const misaddressed = requester.stats.router.directMisaddressed;
  forger.send(requester.address, reply(destination.handle, new Uint8Array([6, 6, 6])));
  net.run(500);
  expect(refused()).toBe(before + 2);
  expect(requester.stats.router.directMisaddressed).toBe(misaddressed + 1);
  pendingAnswers.shift()!(new TextEncoder().encode('the real one'));
  const o = await settle(p);
  expect(Buffer.from(ok(o).payload).toString()).toBe('the real one');
  expect(ok(o).from.guid.hex).toBe(destination.guid.hex);
});

test('at most DEFAULTS.maxRequestsInFlight wait at once: LimitExceededError beyond', async () => {
  const [src, dst] = pick();
  const node = net.nodes[src];
  const waiting: Array<Promise<unknown>> = [];
  for (let i = 0; i < DEFAULTS.maxRequestsInFlight; i++) {
    waiting.push(node.request(net.nodes[dst].guid, 'x', { module: SILENT, timeoutMs: 10_000 }).catch((e) => e));
  }
  await expect(node.request(net.nodes[dst].guid, 'one more')).rejects.toBeInstanceOf(LimitExceededError);
  net.run(2_000);
  const settled = await Promise.all(waiting);
  expect(settled.every((e) => e instanceof NoReplyError)).toBe(true);
  // Room again once they were answered.
  const reply = ok(await settle(node.request(net.nodes[dst].guid, 'again')));
  expect(reply.payload.length).toBe(32);
});

test('bad options are refused with InvalidArgumentError naming the problem', async () => {
  const node = net.nodes[0];
  const dest = net.nodes[1].guid;
  await expect(node.request(dest, 'x', { timeout: 5 } as never)).rejects.toThrow(/unknown option "timeout" of request — did you mean "timeoutMs"/);
  await expect(node.request(dest, 'x', { fuzzy: 'yes' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(node.request(dest, 'x', { timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
  await expect(node.request(dest, 'x', { ttl: DEFAULTS.maxTtl + 1 })).rejects.toThrow(/ttl/);
  await expect(node.request(dest, 'x', { module: 0xff00 })).rejects.toThrow(/module/);
  await expect(node.request(dest, 'x', { signal: {} as AbortSignal })).rejects.toThrow(/AbortSignal/);
  await expect(node.request(dest, 42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
});

test('closing the node rejects its waiting requests with ClosedError, and later ones too', async () => {
  const extra = await createTestnet({ nodes: 4, seed: 3 });
  const nodes: TapestryNode[] = [...extra.nodes];
  nodes[1].register({ id: PENDING, name: 'pending', deliver: () => new Promise(() => {}) });
  const p = nodes[0].request(nodes[1].guid, 'x', { module: PENDING }).catch((e) => e);
  extra.run(200);
  await nodes[0].close();
  expect(await p).toBeInstanceOf(ClosedError);
  await expect(nodes[0].request(nodes[1].guid, 'x')).rejects.toBeInstanceOf(ClosedError);
  await extra.close();
});
