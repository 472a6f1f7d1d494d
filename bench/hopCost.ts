/**
 * What one overlay hop costs against a raw datagram, measured side by side in one process run:
 *
 * (a) the raw floor: a chain of five plain node:dgram sockets on 127.0.0.1, a request forwarded over
 *     4 hops and answered straight back, every datagram acknowledged to its sender (as hop
 *     acknowledgements are), each hop acknowledging before it forwards;
 * (b) the same shape through Tapestry: five UDP nodes with default options (signed, hop
 *     acknowledgements, rate limits) except maintenance off, whose tables form one chain so that
 *     node.request() to the last takes exactly 4 hops, and the reply comes straight back.
 *
 * Round trips run one at a time; each line reports the median and mean in µs, and the ratio of the
 * medians. Datagrams per round trip are counted from the transports, so a run that lost or retried
 * anything shows it.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createNode, type TapestryNode } from '../api/node';
import { Identity } from '../security/identity';
import { bindPlain } from './rawDgram';

/** Hops of the chain (the request's hops; the reply is one more datagram). */
const HOPS = 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const us = (ms: number): number => Math.round(ms * 10_000) / 10;


/** One side of the comparison: a round trip at a time, datagrams counted, closed at the end. */
interface Chain {
  roundTrip(): Promise<number>;
  datagrams(): number;
  close(): Promise<void>;
  hops: number[];
}

/**
 * The raw floor. Datagram layout: byte 0 is the kind (1 request, 2 reply, 3 ack), the rest the payload.
 * Socket i forwards a request to socket i + 1 after acknowledging it; the last answers socket 0;
 * socket 0 acknowledges the reply and the round trip is over.
 */
async function rawChain(payloadBytes: number): Promise<Chain> {
  const socks: dgram.Socket[] = [];
  for (let i = 0; i <= HOPS; i++) socks.push(await bindPlain());
  const ports = socks.map((s) => s.address().port);
  let datagrams = 0;
  const send = (from: number, bytes: Buffer, toPort: number): void => {
    datagrams++;
    socks[from].send(bytes, toPort, '127.0.0.1');
  };
  const ack = Buffer.of(3);
  let done: (() => void) | undefined;
  socks.forEach((s, i) => {
    s.on('message', (msg, rinfo) => {
      const kind = msg[0];
      if (kind === 3) return;
      send(i, ack, rinfo.port);
      if (kind === 1) {
        if (i < HOPS) send(i, msg, ports[i + 1]);
        else send(i, Buffer.concat([Buffer.of(2), msg.subarray(1)]), ports[0]);
      } else if (kind === 2 && i === 0) done?.();
    });
  });
  const request = Buffer.concat([Buffer.of(1), Buffer.alloc(payloadBytes, 0xa5)]);
  return {
    hops: [],
    roundTrip: () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        done = () => resolve(performance.now() - t0);
        send(0, request, ports[1]);
      }),
    datagrams: () => datagrams,
    close: async () => {
      await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * Key pairs whose GUIDs (the keys' hashes under `signed`) share 0, 1, 2, 3 and all hex digits with
 * the last one's: node i's only neighbour is node i + 1, which shares one digit more with the
 * destination, so an exact route from node 0 takes exactly 4 hops. Seeds are counted up from a fixed
 * start, so every run builds the same chain.
 */
function chainIdentities(): Identity[] {
  const seed = new Uint8Array(32);
  let counter = 0;
  const next = (): Identity => {
    new DataView(seed.buffer).setUint32(0, ++counter);
    return Identity.fromSeed(seed);
  };
  const dest = next();
  const want = dest.guid().hex;
  const found: Array<Identity | undefined> = [undefined, undefined, undefined, undefined];
  while (found.some((f) => f === undefined)) {
    const id = next();
    const hex = id.guid().hex;
    let shared = 0;
    while (shared < HOPS && hex[shared] === want[shared]) shared++;
    if (shared < HOPS) found[shared] ??= id;
  }
  return [...(found as Identity[]), dest];
}

/** Five UDP nodes, default options but maintenance off, chained by their tables; node 0 asks node 4. */
async function tapestryChain(payloadBytes: number): Promise<Chain> {
  const nodes: TapestryNode[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.close()));
  };
  try {
    for (const identity of chainIdentities()) {
      nodes.push(await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 }, identity, heartbeatMs: 0, repairMs: 0, republishMs: 0 }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  for (let i = 0; i < HOPS; i++) nodes[i].addPeer(nodes[i + 1].handle, 0.05);
  const reply = new Uint8Array(payloadBytes).fill(0x5a);
  nodes[HOPS].register({ id: 0, name: 'echo', deliver: () => reply });
  const payload = new Uint8Array(payloadBytes).fill(0xa5);
  const dest = nodes[HOPS].guid;
  const hops: number[] = [];
  return {
    hops,
    roundTrip: async () => {
      const t0 = performance.now();
      const got = await nodes[0].request(dest, payload);
      const ms = performance.now() - t0;
      hops.push(got.hops);
      return ms;
    },
    datagrams: () => nodes.reduce((s, n) => s + n.stats.transport.sent, 0),
    close,
  };
}

async function block(chain: Chain, rounds: number, into: number[]): Promise<void> {
  for (let r = 0; r < rounds; r++) into.push(await chain.roundTrip());
}

function summary(kind: string, samples: number[], datagrams: number): Record<string, unknown> {
  const sorted = [...samples].sort((a, b) => a - b);
  const perRoundTrip = datagrams / samples.length;
  return {
    kind, hops: HOPS, rounds: samples.length,
    medianUs: us(median(sorted)), meanUs: us(mean(sorted)), p90Us: us(sorted[Math.floor(sorted.length * 0.9)]),
    datagramsPerRoundTrip: Number(perRoundTrip.toFixed(2)),
    usPerDatagram: us(median(sorted) / perRoundTrip),
  };
}

/**
 * Both measures in one run, alternated in blocks so that drift on a shared machine hits both alike;
 * a warm-up block of each first (JIT, key caches). One JSON row per side and one with the ratio.
 */
export async function benchHopCost(rounds = 2_000, payloadBytes = 64, blocks = 4): Promise<Array<Record<string, unknown>>> {
  const raw = await rawChain(payloadBytes);
  let ours: Chain | undefined;
  try {
    ours = await tapestryChain(payloadBytes);
    await block(raw, 200, []);
    await block(ours, 200, []);
    const rawSamples: number[] = [];
    const ourSamples: number[] = [];
    const rawFrom = raw.datagrams();
    const ourFrom = ours.datagrams();
    const per = Math.ceil(rounds / blocks);
    for (let b = 0; b < blocks; b++) {
      await block(raw, per, rawSamples);
      await block(ours, per, ourSamples);
    }
    // Let the last acknowledgements land before counting.
    await new Promise((r) => setTimeout(r, 20));
    const rawRow = summary('raw-dgram-chain', rawSamples, raw.datagrams() - rawFrom);
    const ourRow = { ...summary('tapestry-route', ourSamples, ours.datagrams() - ourFrom), routeHopsMedian: median(ours.hops) };
    return [
      { ...rawRow, payloadBytes },
      { ...ourRow, payloadBytes },
      { kind: 'ratio', hops: HOPS, tapestryOverRaw: Number((median(ourSamples) / median(rawSamples)).toFixed(2)), target: 2 },
    ];
  } finally {
    await raw.close();
    await ours?.close();
  }
}
