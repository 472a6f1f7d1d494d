/**
 * Mobile Tapestry on a 200-node simulated mesh (repair and hop acknowledgements on): messages follow
 * a mobile node through 3 moves with none lost once each move completed; messages sent while it
 * moves are each delivered or reported undeliverable, never lost silently and never delivered twice.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { mobile, type Mobile, type MobileSendResult } from '../../upcalls/mobile';
import { SeededRng } from '../../sim/random';
import { tallySendOutcomes } from '../helpers/sendOutcomes';

const N = 200;
const M = 10; // the mobile node
const NAME = 'phone';
let net: Testnet;
let mob: Mobile[];
const received = new Map<string, number>();

async function advance(ms: number, step = 25): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    net.run(Math.min(step, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

async function settle<T>(p: Promise<T>, ms = 90_000, step = 25): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += step) await advance(step, step);
  return watched;
}

const rng = new SeededRng(9);
const proxies = [50, 120, 33, 171];
const handle = (i: number) => net.nodes[i].handle;
const randomSender = () => {
  for (;;) {
    const s = rng.int(N);
    if (s !== M) return s;
  }
};

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 21 });
  mob = net.nodes.map((n) => n.register(mobile()));
  mob[M].onMessage((payload) => {
    const k = new TextDecoder().decode(payload);
    received.set(k, (received.get(k) ?? 0) + 1);
  });
  await advance(2_000);
  await settle(mob[M].attach(handle(proxies[0]), { name: NAME }));
  await advance(3_000);
});
afterAll(() => net.close());

/** Sends `count` messages labelled `label:i` from random senders (a few senders repeat, so remembered proxies are used) and waits for all. */
async function batch(label: string, count: number, senders: number[]): Promise<PromiseSettledResult<MobileSendResult>[]> {
  const ps = Array.from({ length: count }, (_, i) => mob[senders[i % senders.length]].send(NAME, `${label}:${i}`));
  return settle(Promise.allSettled(ps));
}

test('messages follow the mobile node through 3 moves: none lost once each move completed', async () => {
  const senders = Array.from({ length: 15 }, randomSender);
  const first = await batch('before', 30, senders);
  for (const r of first) expect(r.status).toBe('fulfilled');
  for (let move = 1; move <= 3; move++) {
    const start = net.now;
    await settle(mob[M].move(handle(proxies[move])), 10_000, 1); // 1 ms steps: the move's time to the ms
    const took = net.now - start;
    expect(mob[M].proxy!.guid.equals(handle(proxies[move]).guid)).toBe(true);
    // Straight after the move: senders that remember the old proxy are forwarded by it, new senders locate.
    const sent = net.now;
    const results = await batch(`move${move}`, 30, [...senders, ...Array.from({ length: 15 }, randomSender)]);
    const retried = results.filter((r) => r.status === 'fulfilled' && r.value.retried).length;
    for (const r of results) {
      expect(r.status).toBe('fulfilled');
      expect((r as PromiseFulfilledResult<MobileSendResult>).value.proxy.guid.equals(handle(proxies[move]).guid)).toBe(true);
    }
    for (let i = 0; i < 30; i++) expect(received.get(`move${move}:${i}`)).toBe(1);
    const old = mob[proxies[move - 1]].stats();
    console.log(
      `mobile move ${move}: move() took ${took} ms of virtual time (attach at the new proxy, then detach at the old); 30 sends straight after it all acknowledged within ${net.now - sent} ms ` +
        `(${old.forwardedDuringMove} forwarded by the old proxy so far, ${retried} retried through a fresh locate)`,
    );
    expect(old.attachments).toBe(0);
    expect(old.forwardingEntries).toBe(1);
  }
  for (const [, n] of received) expect(n).toBe(1);
});

test('messages sent during a move are each delivered once or rejected with a named error', async () => {
  const before = received.size;
  const sends: Array<{ key: string; p: Promise<MobileSendResult> }> = [];
  let moved: Promise<void> | undefined;
  let moveStart = 0;
  let moveTook = -1;
  for (let step = 0; step < 160; step++) {
    if (step === 40) {
      moveStart = net.now;
      moved = mob[M].move(handle(proxies[0]));
      moved.then(() => (moveTook = net.now - moveStart), () => undefined);
    }
    const key = `during:${step}`;
    sends.push({ key, p: mob[randomSender()].send(NAME, key) });
    await advance(25);
  }
  await settle(moved!);
  const outcomes = await settle(Promise.allSettled(sends.map((s) => s.p)));
  const { delivered, rejected } = tallySendOutcomes(outcomes, sends.map((s) => s.key), received);
  const onMessageCalls = [...received.keys()].filter((k) => k.startsWith('during:')).length;
  expect(onMessageCalls).toBe(delivered);
  expect(delivered + rejected).toBe(sends.length);
  expect(received.size - before).toBe(delivered);
  console.log(`mobile: ${sends.length} sends over 4 s with a move in the middle (move() took ${moveTook} ms): ${delivered} delivered once, ${rejected} rejected, none lost`);
});

test('after the forwarding entry expired, a sender remembering the old proxy is refused and finds the node through a fresh locate', async () => {
  const s = randomSender();
  const first = await settle(mob[s].send(NAME, 'cache:0'));
  expect(first.proxy.guid.equals(handle(proxies[0]).guid)).toBe(true);
  await settle(mob[M].move(handle(proxies[1])));
  await advance(31_000); // past mobileForwardingMs: the old proxy no longer forwards
  expect(mob[proxies[0]].stats().forwardingEntries).toBe(0);
  const again = await settle(mob[s].send(NAME, 'cache:1'));
  expect(again.retried).toBe(true);
  expect(again.proxy.guid.equals(handle(proxies[1]).guid)).toBe(true);
  expect(received.get('cache:1')).toBe(1);
});
