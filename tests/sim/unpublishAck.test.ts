/**
 * Awaitable unpublish on simulated meshes. Oracles: every node's pointer store read by brute force
 * (no node holds a pointer from the publisher once `await unpublish()` resolves), the brute-forced
 * surrogate roots over all the mesh's GUIDs (sim/oracle.ts) for who acknowledged, and locates from
 * every node (no replica of the withdrawn publisher, only the others'). Then: under loss every
 * unpublish settles within its bound; forged acknowledgements settle nothing; an ignored rejection is
 * never an unhandled one; an object not published resolves at once without a datagram; a publish
 * still waiting when its object is unpublished ends with AbortedError.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import type { UnpublishResult } from '../../api/node';
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, NotFoundError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { collect } from '../helpers/collect';
import { HostilePeer } from '../helpers/hostilePeer';
import { virtualTime } from '../helpers/virtualTime';
import { forgeAcks, outcome, rootsOf, silentRootMesh, unhandledRejectionsDuring } from '../helpers/rootAcks';

const rng = new SeededRng(8181);
const randomObject = (): Guid => Guid.random(() => rng.int(256));

/** Every node holding a pointer to `server` for `object`, read store by store. */
function holders(net: Testnet, object: Guid, server: number): number[] {
  const guid = net.nodes[server].guid;
  return net.nodes.flatMap((n, i) => (n.localLookup(object).some((p) => p.server.guid.equals(guid)) ? [i] : []));
}

describe('on a lossless 300-node mesh', () => {
  const N = 300;
  let net: Testnet;
  const vt = virtualTime(() => net, { step: 5, settleMs: DEFAULTS.publishAckTimeoutMs + 5_000 });
  beforeAll(async () => {
    net = await createTestnet({ nodes: N, frozen: true, seed: 21 });
  });
  afterAll(() => net.close());

  test('right after `await unpublish()` no node holds a pointer from that publisher; the brute-forced roots acknowledged', async () => {
    const cases = Array.from({ length: 30 }, () => ({ object: randomObject(), server: rng.int(N) }));
    await vt.settle(Promise.all(cases.map((c) => net.nodes[c.server].publish(c.object))));
    // The oracle can fail: every publish left pointers, on the path and as extra copies.
    for (const c of cases) expect(holders(net, c.object, c.server).length).toBeGreaterThanOrEqual(DEFAULTS.salts > 1 ? 2 : 1);
    const sentBefore = net.network.stats.sent;
    const acksBefore = net.nodes.reduce((n, node) => n + node.stats.location.unpublishAcksSent, 0);
    const results: Array<UnpublishResult | undefined> = new Array(cases.length).fill(undefined);
    // Checked at each resolution, while nothing else has run.
    const checked = cases.map((c, i) =>
      net.nodes[c.server].unpublish(c.object).then((r) => {
        results[i] = r;
        expect(holders(net, c.object, c.server)).toEqual([]);
        expect(r.roots.map((h) => h.guid.hex)).toEqual(rootsOf(net, c.object).map((k) => net.nodes[k].guid.hex));
      }),
    );
    await vt.settle(Promise.all(checked));
    for (let i = 0; i < cases.length; i++) {
      expect(results[i]).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
      expect(results[i]!.object.hex).toBe(cases[i].object.hex);
    }
    expect(net.nodes.reduce((n, node) => n + node.stats.location.publishAcksUnmatched, 0)).toBe(0);
    const acks = net.nodes.reduce((n, node) => n + node.stats.location.unpublishAcksSent, 0) - acksBefore;
    const datagrams = net.network.stats.sent - sentBefore;
    console.log(`unpublish on 300 nodes: ${(datagrams / cases.length).toFixed(1)} datagrams per unpublish (${(acks / cases.length).toFixed(1)} of them salted roots' acknowledgements)`);
  });

  test('a locate from every node then finds only the other publisher of the object, or nothing', async () => {
    const object = randomObject();
    const [a, b] = [rng.int(N), (rng.int(N - 1) + 1) % N];
    const lone = randomObject();
    const c = rng.int(N);
    await vt.settle(Promise.all([net.nodes[a].publish(object), net.nodes[b].publish(object), net.nodes[c].publish(lone)]));
    await vt.settle(Promise.all([net.nodes[a].unpublish(object), net.nodes[c].unpublish(lone)]));
    expect(holders(net, object, a)).toEqual([]);
    expect(holders(net, object, b).length).toBeGreaterThan(0);
    const found = await vt.settle(Promise.all(net.nodes.map((n) => collect(n.locate(object, { replicas: 2 })))));
    found.forEach(({ results }) => expect(results.map((r) => r.server.guid.hex)).toEqual([net.nodes[b].guid.hex]));
    const none = await vt.settle(Promise.all(net.nodes.map((n) => collect(n.locate(lone)))));
    none.forEach(({ results, error }) => {
      expect(results).toEqual([]);
      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  test('an object this node does not publish resolves at once with no roots, without a datagram or virtual time', async () => {
    const node = net.nodes[rng.int(N)];
    const [sent, now] = [net.network.stats.sent, net.now];
    const never = await node.unpublish(randomObject());
    expect(never).toMatchObject({ tried: 0, acknowledged: 0, roots: [] });
    expect([net.network.stats.sent, net.now]).toEqual([sent, now]);
  });

  test('an unpublish issued while the publish waits ends that wait with AbortedError, and still withdraws every pointer', async () => {
    const object = randomObject();
    const server = rng.int(N);
    const published = outcome(net.nodes[server].publish(object));
    const withdrawn = net.nodes[server].unpublish(object);
    const p = await published; // settled at once, before any virtual time
    expect(p.error).toBeInstanceOf(AbortedError);
    expect(await vt.settle(withdrawn)).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
    // The publish and the unpublish raced down the same paths: whatever the publish left, the unpublish removed.
    await vt.advance(500);
    expect(holders(net, object, server)).toEqual([]);
    expect(net.nodes[server].stats.location.publishesWithdrawnWaiting).toBe(1);
  });

  test('ModuleContext.unpublish answers with the same promise, resolved by the brute-forced roots', async () => {
    const object = randomObject();
    const server = rng.int(N);
    let ctxUnpublish: ((o: Guid) => Promise<UnpublishResult>) | undefined;
    const unregister = net.nodes[server].register({ id: 78, name: 'unpublishing-module', attach: (ctx) => void (ctxUnpublish = (o) => ctx.unpublish(o)) });
    await vt.settle(net.nodes[server].publish(object));
    const r = await vt.settle(ctxUnpublish!(object));
    unregister();
    expect(r).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
    expect(r.roots.map((h) => h.guid.hex)).toEqual(rootsOf(net, object).map((i) => net.nodes[i].guid.hex));
    expect(holders(net, object, server)).toEqual([]);
  });
});

describe('with JSAC pointer caching on (extra copies beside the first hops)', () => {
  const N = 200;
  let net: Testnet;
  const vt = virtualTime(() => net, { step: 5, settleMs: DEFAULTS.publishAckTimeoutMs + 5_000 });
  beforeAll(async () => {
    net = await createTestnet({ nodes: N, frozen: true, seed: 33, node: { extraPointers: { backups: 1, neighbours: 2, hops: 2 } } });
  });
  afterAll(() => net.close());

  test('right after `await unpublish()` no node holds a pointer from that publisher, extra copies included', async () => {
    const cases = Array.from({ length: 20 }, () => ({ object: randomObject(), server: rng.int(N) }));
    await vt.settle(Promise.all(cases.map((c) => net.nodes[c.server].publish(c.object))));
    const before = cases.map((c) => holders(net, c.object, c.server).length);
    // The extra copies are there to be removed: more holders than the path alone has. Their removal
    // is one direct hop from one of the first hops, while the root's acknowledgement takes the rest of
    // the path and the way back: it arrives first on this mesh, though only the path is acknowledged.
    expect(Math.min(...before)).toBeGreaterThan(DEFAULTS.salts);
    const checked = cases.map((c) =>
      net.nodes[c.server].unpublish(c.object).then((r) => {
        expect(r.acknowledged).toBe(DEFAULTS.salts);
        expect(holders(net, c.object, c.server)).toEqual([]);
      }),
    );
    await vt.settle(Promise.all(checked));
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

  test('forged acknowledgements (random nonces, every salt, from a hostile endpoint) settle nothing: TimeoutError after the bound', async () => {
    const hostile = new HostilePeer(net.network, new SeededRng(10));
    const publisher = net.nodes[server];
    // Published first, its own wait over (TimeoutError: salt 0 never answers), so that no late
    // acknowledgement of the publish is counted below.
    expect((await vt.settle(outcome(publisher.publish(object)))).error).toBeInstanceOf(TimeoutError);
    const unmatched = publisher.stats.location.publishAcksUnmatched;
    const started = net.now;
    const done = outcome(publisher.unpublish(object));
    forgeAcks(hostile, publisher, object, rng);
    const { value, error } = await vt.settle(done);
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain(`${DEFAULTS.salts - 1} of ${DEFAULTS.salts} salted roots acknowledged`);
    expect(net.now - started).toBeGreaterThanOrEqual(DEFAULTS.publishAckTimeoutMs);
    expect(publisher.stats.location.publishAcksUnmatched).toBe(unmatched + DEFAULTS.salts);
    expect(publisher.stats.location.unpublishesUnacknowledged).toBe(1);
    // The silent root got its record again every publishAckResendMs while the wait lasted.
    expect(publisher.stats.location.unpublishRecordsResent).toBe(Math.ceil(DEFAULTS.publishAckTimeoutMs / DEFAULTS.publishAckResendMs) - 1);
  });

  test('an ignored unpublish that times out, or whose node closes, is never an unhandled rejection', async () => {
    const unhandled = await unhandledRejectionsDuring(async () => {
      const publisher = net.nodes[server];
      const timedOut = publisher.stats.location.unpublishesUnacknowledged;
      await vt.settle(outcome(publisher.publish(object))); // times out: salt 0 never answers
      void publisher.unpublish(object); // ignored: salt 0 never answers
      await vt.advance(DEFAULTS.publishAckTimeoutMs + 1_000);
      expect(publisher.stats.location.unpublishesUnacknowledged).toBe(timedOut + 1);
      // On a node that closes while its unpublishes wait: ClosedError for those who await.
      const other = net.nodes[(server + 1) % N === gone ? (server + 2) % N : (server + 1) % N];
      const [o1, o2] = [randomObject(), randomObject()];
      await vt.settle(Promise.all([outcome(other.publish(o1)), outcome(other.publish(o2))]));
      void other.unpublish(o1);
      const awaited = outcome(other.unpublish(o2));
      await other.close();
      expect((await awaited).error).toBeInstanceOf(ClosedError);
      expect(() => other.unpublish(o1)).toThrow(ClosedError); // synchronous once closed
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

  test('every unpublish resolves or rejects with TimeoutError within the bound; each acknowledging root holds no pointer', async () => {
    const cases = Array.from({ length: 30 }, () => ({ object: randomObject(), server: rng.int(N) }));
    await vt.settle(Promise.all(cases.map((c) => outcome(net.nodes[c.server].publish(c.object)))));
    const outcomes: Array<{ value?: UnpublishResult; error?: unknown } | undefined> = new Array(cases.length).fill(undefined);
    const checks = cases.map((c, i) =>
      outcome(net.nodes[c.server].unpublish(c.object)).then((o) => {
        outcomes[i] = o;
        // At resolution: the roots that acknowledged (maybe a failover's, not the brute-forced one) hold none.
        for (const root of o.value?.roots ?? []) {
          const at = net.nodes[net.indexOf(root.guid)!];
          expect(at.localLookup(c.object).some((p) => p.server.guid.equals(net.nodes[c.server].guid))).toBe(false);
        }
      }),
    );
    // The bound and a margin for its timer's event: after that nothing may still wait.
    await vt.advance(DEFAULTS.publishAckTimeoutMs + 1_000);
    let resolved = 0;
    outcomes.forEach((o) => {
      expect(o).toBeDefined();
      if (o!.error !== undefined) {
        expect(o!.error).toBeInstanceOf(TimeoutError);
        return;
      }
      resolved++;
      expect(o!.value).toMatchObject({ tried: DEFAULTS.salts, acknowledged: DEFAULTS.salts });
    });
    await Promise.all(checks);
    const resent = cases.reduce((n, c) => n + net.nodes[c.server].stats.location.unpublishRecordsResent, 0);
    console.log(`under 10% loss: ${resolved} of ${cases.length} unpublishes acknowledged by every root, ${cases.length - resolved} timed out; ${resent} unpublish records resent`);
    expect(resolved).toBeGreaterThan(cases.length / 2);
  });
});

test('a node alone roots every salt: its unpublish resolves with itself as every root, no datagram sent', async () => {
  const net = await createTestnet({ nodes: 1, frozen: true, seed: 2 });
  try {
    const vt = virtualTime(() => net);
    const node = net.nodes[0];
    const object = randomObject();
    await vt.settle(node.publish(object));
    const sent = net.network.stats.sent;
    const r = await vt.settle(node.unpublish(object));
    expect(r.roots.map((h) => h.guid.hex)).toEqual(new Array(DEFAULTS.salts).fill(node.guid.hex));
    expect(node.localLookup(object)).toEqual([]);
    expect(net.network.stats.sent).toBe(sent);
  } finally {
    await net.close();
  }
});
