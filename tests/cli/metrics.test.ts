/**
 * The daemon's Prometheus metrics, scraped over HTTP from three real nodes on UDP loopback and read
 * with a real exposition parser: names and types follow the Prometheus rules, histograms are well
 * formed, the counters move by at least what a delivery-counting module saw, the histograms hold
 * exactly what was observed, and the server answers 404 / 405 / 400 without stopping.
 */
import { connect } from 'node:net';
import { createNode, type TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { AbortedError, InvalidArgumentError, NotFoundError, TimeoutError } from '../../errors';
import { COUNTERS, HOP_BUCKETS, LOCATE_BUCKETS, NodeMetrics, leafSetSize, type LocateOutcome } from '../../cli/node/metrics';
import { startMetricsServer, type MetricsServer } from '../../cli/node/metricsServer';
import { until } from '../helpers/until';

/** One sample as parse-prometheus-text-format returns it (values are strings). */
interface Sample {
  readonly value?: string;
  readonly labels?: Record<string, string>;
}
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: Sample[];
}
// The package ships CommonJS without types: its default export is the parse function.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus: (text: string) => Family[] = require('parse-prometheus-text-format');

const rng = new SeededRng(17);
const udp = { family: 4 as const, host: '127.0.0.1', port: 0 };
const ROUTES = 50;
/** Routes sent per turn of the event loop, so no burst queues frames behind their own ack timers. */
const PER_TURN = 10;

let nodes: TapestryNode[] = [];
let metered: TapestryNode;
let metrics: NodeMetrics;
let server: MetricsServer;
let base: string;
/** Deliveries of module 0 by node index, with the payload text and hops (the oracle). */
const delivered: Array<Array<{ text: string; hops: number }>> = [[], [], []];

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Scrape {
  readonly text: string;
  /** The parsed families by name. */
  readonly families: Map<string, Family>;
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(metrics.contentType);
  const text = await res.text();
  const families = new Map<string, Family>();
  for (const f of parsePrometheus(text)) {
    expect(families.has(f.name)).toBe(false);
    families.set(f.name, f);
  }
  return { text, families };
}

/** The value of one counter or gauge sample (0 when the labelled sample is absent). */
function value(m: Scrape, name: string, labels: Record<string, string> = {}): number {
  const f = m.families.get(name);
  if (!f) throw new Error(`no family ${name}`);
  const s = f.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return s ? Number(s.value) : 0;
}

interface HistogramSample {
  readonly labels: Record<string, string>;
  readonly buckets: Record<string, number>;
  count?: number;
  sum?: number;
}

/**
 * The samples of histogram `name`, one per label set. The parser groups a histogram's lines only
 * when they carry no labels (a labelled histogram comes back flattened into one sample), so its
 * sample lines are parsed here with the family's TYPE line taken out and grouped by their labels.
 */
function histograms(m: Scrape, name: string): HistogramSample[] {
  expect(m.families.get(name)?.type).toBe('HISTOGRAM');
  const typeLine = `# TYPE ${name} histogram\n`;
  expect(m.text).toContain(typeLine);
  const out = new Map<string, HistogramSample>();
  for (const f of parsePrometheus(m.text.replace(typeLine, ''))) {
    const part = f.name === `${name}_bucket` ? 'bucket' : f.name === `${name}_sum` ? 'sum' : f.name === `${name}_count` ? 'count' : undefined;
    if (!part) continue;
    for (const s of f.metrics) {
      const { le, ...labels } = s.labels ?? {};
      const key = JSON.stringify(Object.entries(labels).sort());
      const h = out.get(key) ?? { labels, buckets: {} };
      out.set(key, h);
      if (part === 'bucket') h.buckets[le] = Number(s.value);
      else h[part] = Number(s.value);
    }
  }
  return [...out.values()];
}

function histogram(m: Scrape, name: string, labels: Record<string, string> = {}): HistogramSample | undefined {
  return histograms(m, name).find((h) => Object.entries(labels).every(([k, v]) => h.labels[k] === v));
}

/** The buckets a histogram sample should show for `values`: how many are ≤ each bound, and all at +Inf. */
function expectBuckets(s: HistogramSample | undefined, bounds: readonly number[], values: readonly number[]): void {
  expect(s).toBeDefined();
  const want: Record<string, number> = {};
  for (const b of bounds) want[String(b)] = values.filter((v) => v <= b).length;
  want['+Inf'] = values.length;
  expect(s!.buckets).toEqual(want);
  expect(s!.count).toBe(values.length);
  expect(s!.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 9);
}

beforeAll(async () => {
  nodes.push(await createNode({ transport: udp }));
  nodes.push(await createNode({ transport: udp, bootstrap: [nodes[0].address] }));
  nodes.push(await createNode({ transport: udp, bootstrap: [nodes[0].address] }));
  await Promise.all(nodes.map((n) => n.whenStatus('ACTIVE')));
  metered = nodes[0];
  metrics = new NodeMetrics(metered);
  nodes.forEach((node, at) =>
    node.register({
      id: 0,
      name: 'oracle',
      deliver: (d) => {
        delivered[at].push({ text: Buffer.from(d.payload).toString('utf8'), hops: d.hops });
        // What the daemon does for every message delivered to it.
        if (node === metered) metrics.observeHops(d.hops);
      },
    }),
  );
  server = await startMetricsServer(metrics, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.address.port}`;
});

afterAll(async () => {
  await server?.close();
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

test('the exposition follows the Prometheus naming rules and parses; histograms are well formed', async () => {
  metrics.observeHops(2);
  metrics.observeLocate(0.004, 'found');
  const m = await scrape();
  expect(m.families.size).toBeGreaterThan(40);
  let histogramsSeen = 0;
  for (const f of m.families.values()) {
    expect(f.name).toMatch(/^tapestry_[a-z0-9_]+$/);
    expect(f.help.length).toBeGreaterThan(0);
    if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
    // prom-client's own gauges include nodejs_active_*_total; ours keep _total for counters only.
    else if (!/^tapestry_(process|nodejs)_/.test(f.name)) expect(f.name).not.toMatch(/_total$/);
    if (f.type !== 'HISTOGRAM') continue;
    for (const s of histograms(m, f.name)) {
      histogramsSeen++;
      const buckets = Object.entries(s.buckets).map(([le, c]) => [le === '+Inf' ? Infinity : Number(le), c] as const).sort((a, b) => a[0] - b[0]);
      expect(buckets.length).toBeGreaterThan(1);
      expect(buckets[buckets.length - 1][0]).toBe(Infinity);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i][1]).toBeGreaterThanOrEqual(buckets[i - 1][1]);
      expect(buckets[buckets.length - 1][1]).toBe(s.count);
      expect(Number.isFinite(s.sum)).toBe(true);
    }
  }
  // tapestry_route_hops, tapestry_locate_duration_seconds{outcome="found"}, and the GC histogram's kinds.
  expect(histogramsSeen).toBeGreaterThanOrEqual(2);
  // The default process metrics are there, under the same prefix.
  expect(m.families.get('tapestry_process_cpu_seconds_total')?.type).toBe('COUNTER');
  expect(m.families.get('tapestry_nodejs_heap_size_used_bytes')?.type).toBe('GAUGE');
  // Every counter of the mapping table, and what the node holds now.
  for (const spec of COUNTERS) expect(m.families.get(spec.name)?.type).toBe('COUNTER');
  for (const name of ['tapestry_messages_sent_total', 'tapestry_messages_received_total', 'tapestry_routes_total', 'tapestry_drops_total', 'tapestry_security_refusals_total'])
    expect(m.families.get(name)?.type).toBe('COUNTER');
  expect(m.families.get('tapestry_route_hops')?.type).toBe('HISTOGRAM');
  expect(m.families.get('tapestry_locate_duration_seconds')?.type).toBe('HISTOGRAM');
  expect(value(m, 'tapestry_node_status', { status: 'ACTIVE' })).toBe(1);
  expect(m.families.get('tapestry_node_status')!.metrics.reduce((a, s) => a + Number(s.value), 0)).toBe(1);
  expect(value(m, 'tapestry_node_info', { guid: metered.guid.hex })).toBe(1);
  expect(value(m, 'tapestry_routing_table_entries')).toBeGreaterThanOrEqual(1);
  expect(value(m, 'tapestry_leaf_set_size')).toBe(leafSetSize(metered));
  expect(value(m, 'tapestry_leaf_set_size')).toBe(2);
  expect(value(m, 'tapestry_pointers')).toBe(metered.stats.location.pointers);
});

test('counters move by at least what the oracle module saw delivered', async () => {
  const before = await scrape();
  const sender = nodes[1];
  const deliveredBefore = delivered.map((d) => d.length);
  let payloadBytes = 0;
  for (let i = 0; i < ROUTES; i++) {
    sender.route(metered.guid, `exact ${i}`);
    sender.route(Guid.random(() => rng.int(256)), `fuzzy ${i}`, { fuzzy: true });
    metered.route(nodes[2].guid, `out ${i}`);
    payloadBytes += `exact ${i}`.length;
    if ((i + 1) % PER_TURN === 0) await turn();
  }
  const sent = 3 * ROUTES;
  await until(() => delivered.reduce((a, d, i) => a + d.length - deliveredBefore[i], 0) >= sent, 20_000);
  const got = delivered.map((d, i) => d.slice(deliveredBefore[i]));
  const atMetered = got[0];
  // On loopback every exact route to the metered node arrives there.
  expect(atMetered.filter((d) => d.text.startsWith('exact ')).length).toBe(ROUTES);
  expect(got[2].filter((d) => d.text.startsWith('out ')).length).toBe(ROUTES);

  const lo = metered.stats;
  const after = await scrape();
  const hi = metered.stats;
  const delta = (name: string, labels: Record<string, string> = {}): number => value(after, name, labels) - value(before, name, labels);
  expect(delta('tapestry_messages_received_total', { kind: 'delivered' })).toBeGreaterThanOrEqual(atMetered.length);
  expect(delta('tapestry_routes_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(atMetered.length);
  expect(delta('tapestry_messages_sent_total', { kind: 'route' })).toBeGreaterThanOrEqual(ROUTES);
  expect(delta('tapestry_transport_datagrams_received_total')).toBeGreaterThanOrEqual(ROUTES);
  expect(delta('tapestry_transport_received_bytes_total')).toBeGreaterThanOrEqual(payloadBytes);
  expect(delta('tapestry_transport_datagrams_sent_total')).toBeGreaterThanOrEqual(ROUTES);
  expect(delta('tapestry_transport_sent_bytes_total')).toBeGreaterThanOrEqual(ROUTES * 'out 0'.length);
  // Every counter of the mapping table reads the stats the node had during the scrape.
  for (const spec of COUNTERS) {
    expect(value(after, spec.name)).toBeGreaterThanOrEqual(spec.read(lo));
    expect(value(after, spec.name)).toBeLessThanOrEqual(spec.read(hi));
  }
  // Labelled counters are never below what the node counted before the scrape.
  expect(value(after, 'tapestry_messages_sent_total', { kind: 'forward' })).toBeGreaterThanOrEqual(lo.router.forwarded);
  expect(value(after, 'tapestry_drops_total', { part: 'router', reason: 'rate_limited' })).toBe(lo.drops.rateLimited);

  // The hop histogram holds exactly the hops the daemon observed for the deliveries here.
  const hops = delivered[0].map((d) => d.hops).concat([2]); // the 2 observed by the first test
  expectBuckets(histogram(after, 'tapestry_route_hops'), HOP_BUCKETS, hops);
});

test('locates observed by outcome show up in the latency histogram with the right counts', async () => {
  const observed = new Map<string, number[]>([['found', [0.004]]]); // from the first test
  const observe = (seconds: number, outcome: LocateOutcome): void => {
    metrics.observeLocate(seconds, outcome);
    const key = outcome === 'notFound' ? 'not_found' : outcome;
    observed.set(key, [...(observed.get(key) ?? []), seconds]);
  };
  /** Runs one real locate from the metered node and observes it as the daemon would. */
  const locate = async (object: Guid): Promise<LocateOutcome> => {
    const start = performance.now();
    let outcome: LocateOutcome = 'notFound';
    try {
      for await (const _ of metered.locate(object, { replicas: 1, signal: AbortSignal.timeout(10_000) })) outcome = 'found';
    } catch (err) {
      outcome = err instanceof NotFoundError ? 'notFound' : err instanceof TimeoutError ? 'timeout' : err instanceof AbortedError ? 'aborted' : 'error';
    }
    observe((performance.now() - start) / 1000, outcome);
    return outcome;
  };
  const before = await scrape();
  const object = Guid.fromName('metrics test object');
  // Awaited: every salted root acknowledged the pointer, so the first locate finds it (no retry loop).
  const published = await nodes[2].publish(object);
  expect(published.acknowledged).toBe(published.tried);
  expect(await locate(object)).toBe('found');
  expect(await locate(Guid.fromName('never published'))).toBe('notFound');
  observe(7, 'timeout');
  observe(0.2, 'aborted');
  observe(0.0001, 'error');
  const after = await scrape();
  for (const outcome of ['found', 'not_found', 'timeout', 'aborted', 'error'])
    expectBuckets(histogram(after, 'tapestry_locate_duration_seconds', { outcome }), LOCATE_BUCKETS, observed.get(outcome)!);
  // The node's own locate counters agree with what ran.
  const ran = observed.get('not_found')!.length + observed.get('found')!.length - 1;
  expect(value(after, 'tapestry_locates_started_total') - value(before, 'tapestry_locates_started_total')).toBe(ran);
  expect(value(after, 'tapestry_locates_failed_total', { reason: 'not_found' }) - value(before, 'tapestry_locates_failed_total', { reason: 'not_found' }))
    .toBe(observed.get('not_found')!.length);
  expect(value(after, 'tapestry_locate_replicas_found_total')).toBeGreaterThanOrEqual(1);

  expect(() => metrics.observeLocate(-1, 'found')).toThrow(InvalidArgumentError);
  expect(() => metrics.observeLocate(Number.NaN, 'found')).toThrow(InvalidArgumentError);
  expect(() => metrics.observeLocate(1, 'lost' as LocateOutcome)).toThrow(InvalidArgumentError);
  expect(() => metrics.observeHops(1.5)).toThrow(InvalidArgumentError);
  expect(() => metrics.observeHops(-1)).toThrow(InvalidArgumentError);
});

/** Sends raw bytes on a TCP connection and returns everything the server answered until it closed. */
function raw(bytes: string, endEarly = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(server.address.port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.on('connect', () => {
      s.write(bytes);
      if (endEarly) s.destroy();
    });
  });
}

test('other paths answer 404, other methods 405, and bad requests do not stop the server', async () => {
  expect((await fetch(`${base}/`)).status).toBe(404);
  expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
  expect((await fetch(`${base}/favicon.ico`, { method: 'POST', body: 'x' })).status).toBe(404);
  const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'a body' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET, HEAD');
  expect((await fetch(`${base}/metrics`, { method: 'DELETE' })).status).toBe(405);
  expect((await fetch(`${base}/metrics?name=x`)).status).toBe(200);
  const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe('');

  expect(await raw('THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  expect(await raw('GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  // Clients that go away mid-request.
  expect(await raw('GET /metr', true)).toBe('');
  expect(await raw('GET /metrics HTTP/1.1\r\nHost: x\r\n', true)).toBe('');
  expect(await raw('GET /metrics HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*tapestry_route_hops_count/);

  const m = await scrape();
  expect(m.families.has('tapestry_routes_total')).toBe(true);
});
