/**
 * The transit-stub topology's seeding (same seed, same graph and attachments; another seed, another
 * graph), its lazy attachment order, and the check of its options.
 */
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { TransitStub } from '../../sim/transitStub';
import { TRANSIT_STUB_PRESETS, type TransitStubOptions } from '../../sim/transitStubOptions';

/** Everything observable of a topology with its first n endpoints: links and attachments. */
function snapshot(t: TransitStub, n: number): unknown {
  t.latency(n - 1, 0);
  return {
    routers: t.routerCount,
    links: Array.from({ length: t.linkCount }, (_, id) => t.link(id)),
    attached: Array.from({ length: n }, (_, e) => t.routerOf(e)),
  };
}

test('the same seed gives the same graph, latencies and attachments; another seed differs', () => {
  const opts = { ...TRANSIT_STUB_PRESETS.medium, seed: 21 };
  expect(snapshot(new TransitStub(opts), 100)).toEqual(snapshot(new TransitStub(opts), 100));
  const a = new TransitStub(opts);
  const b = new TransitStub({ ...opts, seed: 22 });
  expect(snapshot(a, 100)).not.toEqual(snapshot(b, 100));
  const attachedA = Array.from({ length: 100 }, (_, e) => a.routerOf(e));
  const attachedB = Array.from({ length: 100 }, (_, e) => b.routerOf(e));
  expect(attachedA).not.toEqual(attachedB);
});

test('an endpoint attaches to the same router whatever order endpoints are first asked about', () => {
  const opts = { ...TRANSIT_STUB_PRESETS.small, seed: 5 };
  const forward = new TransitStub(opts);
  const fwd = Array.from({ length: 300 }, (_, e) => forward.latency(e, (e * 37) % 300));
  const backward = new TransitStub(opts);
  const bwd: number[] = [];
  for (let e = 299; e >= 0; e--) bwd.push(backward.latency(e, (e * 37) % 300));
  expect(bwd.reverse()).toEqual(fwd);
});

test('endpoints spread over the stub routers uniformly', () => {
  const t = new TransitStub({ ...TRANSIT_STUB_PRESETS.small, seed: 2 });
  const stubRouters = t.routerCount - t.transitRouterCount;
  const n = stubRouters * 200;
  const hits = new Array(stubRouters).fill(0);
  for (let e = 0; e < n; e++) hits[t.routerOf(e) - t.transitRouterCount]++;
  // 200 expected per router; a binomial's 5 standard deviations is about 70.
  expect(Math.min(...hits)).toBeGreaterThan(130);
  expect(Math.max(...hits)).toBeLessThan(270);
});

test('options take the default preset and the latency ranges of DEFAULTS', () => {
  const t = new TransitStub();
  expect(t.options).toEqual({
    seed: 1,
    transitDomains: DEFAULTS.transitStubDomains,
    routersPerTransit: DEFAULTS.transitStubRoutersPerTransit,
    stubsPerTransitRouter: DEFAULTS.transitStubStubsPerTransitRouter,
    routersPerStub: DEFAULTS.transitStubRoutersPerStub,
    extraEdgeProbability: DEFAULTS.transitStubExtraEdgeProbability,
    interDomainEdgeProbability: DEFAULTS.transitStubInterDomainEdgeProbability,
    latencyMs: DEFAULTS.transitStubLatencyMs,
  });
  const custom = new TransitStub({ ...TRANSIT_STUB_PRESETS.small, latencyMs: { access: [1, 1] } });
  expect(custom.options.latencyMs).toEqual({ ...DEFAULTS.transitStubLatencyMs, access: [1, 1] });
  expect(custom.link(custom.accessLink(3)).latencyMs).toBe(1);
});

test.each<[string, unknown]>([
  ['an unknown key', { routers: 5 }],
  ['zero transit domains', { transitDomains: 0 }],
  ['a fractional router count', { routersPerStub: 2.5 }],
  ['too many routers per stub', { routersPerStub: DEFAULTS.topologyMaxRoutersPerStub + 1 }],
  ['too many transit routers', { transitDomains: 100, routersPerTransit: 11 }],
  ['too many routers in all', { stubsPerTransitRouter: 100, routersPerStub: 60 }],
  ['a probability above 1', { extraEdgeProbability: 1.5 }],
  ['a negative probability', { interDomainEdgeProbability: -0.1 }],
  ['a reversed latency range', { latencyMs: { intraStub: [5, 1] } }],
  ['a zero latency', { latencyMs: { access: [0, 1] } }],
  ['an unknown link kind', { latencyMs: { backbone: [1, 2] } }],
  ['a non-integer seed', { seed: 1.5 }],
])('%s is an InvalidArgumentError', (_name, opts) => {
  expect(() => new TransitStub(opts as TransitStubOptions)).toThrow(InvalidArgumentError);
});

test('bad endpoint and link indices are InvalidArgumentErrors', () => {
  const t = new TransitStub({ ...TRANSIT_STUB_PRESETS.small });
  expect(() => t.latency(-1, 0)).toThrow(InvalidArgumentError);
  expect(() => t.latency(0, 1.5)).toThrow(InvalidArgumentError);
  expect(() => t.path(0, DEFAULTS.simMaxEndpoints)).toThrow(InvalidArgumentError);
  expect(() => t.link(t.linkCount)).toThrow(InvalidArgumentError);
  expect(() => t.stubOf(t.routerCount)).toThrow(InvalidArgumentError);
});
