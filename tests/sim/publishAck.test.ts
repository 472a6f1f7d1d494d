/**
 * Awaitable publish on simulated meshes: publish() resolves once every salted root acknowledged, and
 * the oracle for "the root" is the brute-forced surrogate root over all the mesh's GUIDs (sim/oracle.ts),
 * not the router that delivered the publish. Then: a locate issued right after the promise resolves
 * finds the object on its first try from every node; under loss each publish resolves or rejects
 * with TimeoutError, none hangs; forged acknowledgements settle nothing; an ignored rejection is never
 * an unhandled one.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import type { PublishResult } from '../../api/node';
import { DEFAULTS } from '../../defaults';
import { ClosedError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { collect } from '../helpers/collect';
import { HostilePeer } from '../helpers/hostilePeer';
import { virtualTime } from '../helpers/virtualTime';
import { forgeAcks, outcome, rootsOf, silentRootMesh, unhandledRejectionsDuring } from '../helpers/rootAcks';

const rng = new SeededRng(4242);
const randomObject = (): Guid => Guid.random(() => rng.int(256));

describe('on a lossless 300-node mesh', () => {
  const N = 300;
  let net: Testnet;
  // Small steps: "right after" the promise resolves is within 5 virtual ms of it.
  const vt = virtualTime(() => net, { step: 5, settleMs: DEFAULTS.publishAckTimeoutMs + 5_000 });
  beforeAll(async () => {
    net = await createTestnet({ nodes: N, frozen: true, seed: 21 });
  });
  afterAll(() => net.close());

  test('every publish resolves with every salted root acknowledged, each by the brute-forced root, which holds the pointer', async () => {
    const cases = Array.from({ length: 40 }, () => ({ object: randomObject(), server: rng.int(N) }));
    const results: Array<PublishResult | undefined> = new Array(cases.length).fill(undefined);
    // Checked at each resolution, while nothing else has run: the pointer is at the root then.
    const checked = cases.map((c, i) =>
      net.nodes[c.server].publish(c.object).then((r) => {
        results[i] = r;
        const roots = rootsOf(net, c.object);
        for (let salt = 0; salt < DEFAULTS.salts; salt++) {
          const root = net.nodes[roots[salt]];
          expect(r.roots[salt].guid.hex).toBe(root.guid.hex);
          expect(root.localLookup(c.object).some((p) => p.server.guid.equals(net.nodes[c.server].guid))).toBe(true);
        }
      }),
    );
    await vt.settle(Promise.all(checked));
    for (let i = 0; i < cases.length; i++) {
      expect(results[i]).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
      expect(results[i]!.object.hex).toBe(cases[i].object.hex);
    }
    // Every acknowledgement matched: none was counted as stray.
    expect(net.nodes.reduce((n, node) => n + node.stats.location.publishAcksUnmatched, 0)).toBe(0);
    expect(net.nodes.reduce((n, node) => n + node.stats.location.publishesAcknowledged, 0)).toBe(cases.length);
  });

  test('a locate issued right after `await publish()` finds the object on its first try from every node', async () => {
    for (let k = 0; k < 3; k++) {
      const object = randomObject();
      const server = rng.int(N);
      await vt.settle(net.nodes[server].publish(object));
      const before = net.nodes.map((n) => n.stats.location.attemptsTimedOut);
      const locates = net.nodes.map((n) => collect(n.locate(object)));
      const all = await vt.settle(Promise.all(locates));
      all.forEach(({ results, error }, i) => {
        expect(error).toBeUndefined();
        expect(results.map((r) => r.server.guid.hex)).toEqual([net.nodes[server].guid.hex]);
        // First try: no salted root's attempt ran out before the answer.
        expect(net.nodes[i].stats.location.attemptsTimedOut).toBe(before[i]);
      });
    }
  });


  test('ModuleContext.publish answers with the same promise, resolved by the brute-forced roots', async () => {
    const object = randomObject();
    const server = rng.int(N);
    let published: Promise<PublishResult> | undefined;
    const unregister = net.nodes[server].register({ id: 77, name: 'publishing-module', attach: (ctx) => void (published = ctx.publish(object, { owner: false })) });
    const r = await vt.settle(published!);
    unregister();
    expect(r).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
    expect(r.roots.map((h) => h.guid.hex)).toEqual(rootsOf(net, object).map((i) => net.nodes[i].guid.hex));
  });
});

describe('a salted root that is gone (a 120-node mesh, one root closed)', () => {
  const N = 120;
  let net: Testnet;
  const vt = virtualTime(() => net, { step: 50, settleMs: DEFAULTS.publishAckTimeoutMs + 5_000 });
  let object: Guid;
  let server: number;
  let gone: number;
  beforeAll(async () => {
    ({ net, object, server, gone } = await silentRootMesh(N, 5, rng, randomObject));
  });
  afterAll(() => net.close());

  test('forged acknowledgements (random nonces, every salt, from a hostile endpoint) settle nothing: the wait ends by TimeoutError after the bound', async () => {
    const hostile = new HostilePeer(net.network, new SeededRng(9));
    const publisher = net.nodes[server];
    const unmatched = publisher.stats.location.publishAcksUnmatched;
    const started = net.now;
    const done = outcome(publisher.publish(object));
    forgeAcks(hostile, publisher, object, rng);
    const { value, error } = await vt.settle(done);
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain(`${DEFAULTS.salts - 1} of ${DEFAULTS.salts} salted roots acknowledged`);
    expect(net.now - started).toBeGreaterThanOrEqual(DEFAULTS.publishAckTimeoutMs);
    expect(publisher.stats.location.publishAcksUnmatched).toBe(unmatched + DEFAULTS.salts);
    expect(publisher.stats.location.publishesUnacknowledged).toBe(1);
    // The silent root got its record again every publishAckResendMs while the wait lasted: at 5 s and 10 s of 15 s.
    expect(publisher.stats.location.publishRecordsResent).toBe(Math.ceil(DEFAULTS.publishAckTimeoutMs / DEFAULTS.publishAckResendMs) - 1);
  });

  test('a timed-out publish stays published: a locate still finds it through the roots that answered', async () => {
    const client = [...Array(N).keys()].find((i) => i !== server && i !== gone)!;
    const { results, error } = await vt.settle(collect(net.nodes[client].locate(object)));
    expect(error).toBeUndefined();
    expect(results.map((r) => r.server.guid.hex)).toEqual([net.nodes[server].guid.hex]);
  });

  test('an ignored publish that times out, or whose node closes, is never an unhandled rejection', async () => {
    const unhandled = await unhandledRejectionsDuring(async () => {
      const publisher = net.nodes[server];
      const timedOut = publisher.stats.location.publishesUnacknowledged;
      void publisher.publish(object); // ignored: salt 0 never answers
      await vt.advance(DEFAULTS.publishAckTimeoutMs + 1_000);
      expect(publisher.stats.location.publishesUnacknowledged).toBe(timedOut + 1);
      // The same ignored, on a node that closes while it waits: ClosedError for those who await.
      const other = net.nodes[(server + 1) % N === gone ? (server + 2) % N : (server + 1) % N];
      void other.publish(randomObject());
      const awaited = outcome(other.publish(randomObject()));
      await other.close();
      expect((await awaited).error).toBeInstanceOf(ClosedError);
    });
    expect(unhandled).toEqual([]);
  });
});

describe('under 10% datagram loss (hop acknowledgements on)', () => {
  const N = 150;
  let net: Testnet;
  const vt = virtualTime(() => net, { step: 50 });
  beforeAll(async () => {
    net = await createTestnet({ nodes: N, frozen: true, seed: 8, lossRate: 0.1, node: { hopAcks: true } });
  });
  afterAll(() => net.close());

  test('every publish resolves (hop and record resends) or rejects with TimeoutError within the bound; none hangs', async () => {
    const cases = Array.from({ length: 30 }, () => ({ object: randomObject(), server: rng.int(N) }));
    const outcomes: Array<{ value?: PublishResult; error?: unknown } | undefined> = new Array(cases.length).fill(undefined);
    cases.forEach((c, i) => void outcome(net.nodes[c.server].publish(c.object)).then((o) => (outcomes[i] = o)));
    // The bound and a margin for its timer's event: after that nothing may still wait.
    await vt.advance(DEFAULTS.publishAckTimeoutMs + 1_000);
    let resolved = 0;
    outcomes.forEach((o, i) => {
      expect(o).toBeDefined();
      if (o!.error !== undefined) {
        expect(o!.error).toBeInstanceOf(TimeoutError);
        return;
      }
      resolved++;
      expect(o!.value).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
      // Each acknowledging node holds the pointer (a failover may have ended a route at another node than the brute-forced root).
      for (const root of o!.value!.roots) {
        const at = net.nodes[net.indexOf(root.guid)!];
        expect(at.localLookup(cases[i].object).some((p) => p.server.guid.equals(net.nodes[cases[i].server].guid))).toBe(true);
      }
    });
    console.log(`under 10% loss: ${resolved} of ${cases.length} publishes acknowledged by every root, ${cases.length - resolved} timed out`);
    // Loss is per datagram and every hop is resent: most publishes get through.
    expect(resolved).toBeGreaterThan(cases.length / 2);
  });
});

test('a node alone roots every salt: its publish resolves with itself as every root, no datagram sent', async () => {
  const net = await createTestnet({ nodes: 1, frozen: true, seed: 2 });
  try {
    const vt = virtualTime(() => net);
    const node = net.nodes[0];
    const sent = net.network.stats.sent;
    const r = await vt.settle(node.publish(randomObject()));
    expect(r.roots.map((h) => h.guid.hex)).toEqual(new Array(DEFAULTS.salts).fill(node.guid.hex));
    expect(net.network.stats.sent).toBe(sent);
  } finally {
    await net.close();
  }
});
