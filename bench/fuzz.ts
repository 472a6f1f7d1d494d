/**
 * The fuzz run BENCHMARKS.md quotes: `frames` hostile inputs (random bytes and mutated valid
 * messages, seeded) through the three decoders, half of them frames for decodeFrame and a quarter
 * each location and membership payloads, and every frame (but those nodeSkipReason names) also into a
 * live node's receive path (a node of a simulated mesh, through its transport, router actor and
 * modules). Reports crashes (a
 * decoder throwing anything but a typed decode error, accepting what it cannot give back, hanging,
 * or a node faulting or throwing), drops by decode reason, and memory.
 *
 * The inputs and the judging are the fuzz tests' own (tests/helpers/fuzzCorpus.ts, mutate.ts), so
 * the bench and the test suite attack the decoders the same way, at different volumes.
 */
import { createTestnet, type Testnet } from '../testing/testnet';
import { DEFAULTS } from '../defaults';
import { SeededRng } from '../sim/random';
import { decodeFrame } from '../wire/codec';
import { LOCATION_MODULE_ID } from '../location/messages';
import { classify, DecoderContractError, hostileInput, validCorpus, type Target } from '../tests/helpers/fuzzCorpus';
import { startWatchdog } from '../tests/helpers/hangWatchdog';
import { settledHeapUsed } from '../tests/helpers/settledHeap';

const MB = 1024 * 1024;

/** A live node of a small mesh, fed datagrams from an outsider's address. */
interface Victim {
  net: Testnet;
  feed(bytes: Uint8Array): void;
}

/** Senders the hostile datagrams are spread over, so the per-peer rate limit does not drop most unread. */
const OUTSIDERS = 16;

async function liveVictim(seed: number): Promise<Victim> {
  const net = await createTestnet({ nodes: 32, frozen: true, seed });
  const link = net.network.transport(0)!;
  const outsiders = Array.from({ length: OUTSIDERS }, () => net.network.createTransport().local);
  let next = 0;
  // Straight into the node's transport, as a UDP socket hands over datagrams of any size up to
  // maxDatagramBytes (the simulated links would drop what exceeds the MTU).
  return { net, feed: (bytes) => void link.deliver(bytes, outsiders[next++ % OUTSIDERS]) };
}

/**
 * Frames left out of the node path, for a stated reason: well-formed frames for the node's own
 * protocol modules are forgeries (a security-provider matter), not bad input. (The two kinds of
 * valid frame that once stopped a node are dropped and counted now, so they go through it.)
 */
function nodeSkipReason(bytes: Uint8Array): string | undefined {
  let frame;
  try {
    frame = decodeFrame(bytes, { idBytes: 20 });
  } catch {
    return undefined; // malformed: exactly what the node must survive
  }
  const body = frame.body;
  // Routed or sent direct, a body for the location or membership module.
  const inner: unknown = (body as Record<string, unknown>)[body.kind];
  if (typeof inner === 'object' && inner !== null && 'moduleId' in inner && Number(inner.moduleId) >= LOCATION_MODULE_ID) return 'forgedProtocolMessage';
  return undefined;
}

export async function benchFuzz(frames: number, seed = 1): Promise<Record<string, unknown>> {
  const started = performance.now();
  const rng = new SeededRng(seed);
  const corpus = validCorpus(seed, 200);
  let victim = await liveVictim(seed);
  const heapBefore = await settledHeapUsed();
  const watchdog = startWatchdog('benchFuzz', 30_000);

  const byTarget: Record<Target, number> = { frame: 0, location: 0, membership: 0 };
  const decodeErrorsByReason: Record<Target, Record<string, number>> = { frame: {}, location: {}, membership: {} };
  const crashSamples: string[] = [];
  let decoderCrashes = 0;
  let nodeFaults = 0;
  let nodeFrames = 0;
  const nodeSkipped: Record<string, number> = {};
  let peakRss = process.memoryUsage().rss;
  const nodeDecodeErrors: Record<string, number> = {};
  // Router counters of drops that are not decode errors, where this version of the router has them.
  const nodeOtherDrops: Record<string, number> = {};
  const collectNode = () => {
    const router = victim.net.nodes[0].stats.router;
    for (const [reason, n] of Object.entries(router.decodeErrors)) nodeDecodeErrors[reason] = (nodeDecodeErrors[reason] ?? 0) + n;
    for (const key of ['rateLimited', 'frameErrors', 'upcallErrors']) {
      const n = (router as unknown as Record<string, unknown>)[key];
      if (typeof n === 'number') nodeOtherDrops[key] = (nodeOtherDrops[key] ?? 0) + n;
    }
  };

  // Two frames, one location and one membership input in every four: the frame is the datagram
  // every node decodes, the payloads the ones behind it.
  const schedule: Target[] = ['frame', 'location', 'frame', 'membership'];
  for (let i = 0; i < frames; i++) {
    watchdog.tick(i);
    const target = schedule[i % 4];
    const input = hostileInput(rng, corpus, target);
    byTarget[target]++;
    try {
      const outcome = classify(target, input.bytes, input.idBytes);
      if (outcome !== 'ok') decodeErrorsByReason[target][outcome] = (decodeErrorsByReason[target][outcome] ?? 0) + 1;
    } catch (err) {
      if (!(err instanceof DecoderContractError)) throw err;
      decoderCrashes++;
      if (crashSamples.length < 5) crashSamples.push(err.message.slice(0, 2_000));
    }
    if (target === 'frame') {
      const skip = nodeSkipReason(input.bytes);
      if (skip) nodeSkipped[skip] = (nodeSkipped[skip] ?? 0) + 1;
      else {
        victim.feed(input.bytes);
        nodeFrames++;
      }
    }
    if (i % 4_096 === 4_095) {
      victim.net.run(200); // what the valid frames set off plays out; the senders' rate buckets refill
      // A real node's event loop turns between datagrams: timers, finalizers of weakly held caches.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (victim.net.nodes[0].status !== 'ACTIVE') {
        // An unknown way to stop a node: counted, and the run goes on with a fresh one.
        nodeFaults++;
        collectNode();
        await victim.net.close();
        victim = await liveVictim(seed + nodeFaults);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  victim.net.run(DEFAULTS.reassemblyTimeoutMs + 2 * DEFAULTS.reassemblySweepMs);
  await watchdog.stop();
  const node = victim.net.nodes[0];
  collectNode();
  const handlerErrors = victim.net.nodes.reduce((n, x) => n + (x.stats.transport.dropped.handlerError ?? 0), 0);
  const internal = nodeDecodeErrors.internal ?? 0; // a non-decode exception the router caught
  const nodeHeld = node.stats.reassemblyHeld;
  await victim.net.close();
  // The closed mesh is dropped first: what the heap still holds then is what the run leaked.
  victim = undefined as unknown as Victim;
  const heapAfter = await settledHeapUsed();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  return {
    frames,
    seed,
    // frameErrors: a decoded frame whose handling threw, contained by the router (where it has that
    // counter): still an exception that was not a typed decode error, so it counts.
    crashes: decoderCrashes + nodeFaults + handlerErrors + internal + (nodeOtherDrops.frameErrors ?? 0),
    byTarget,
    decodeErrorsByReason,
    node: {
      frames: nodeFrames, faults: nodeFaults, handlerErrors, internal, skipped: nodeSkipped, decodeErrors: nodeDecodeErrors,
      otherDrops: nodeOtherDrops, heldAfterTimeout: nodeHeld,
    },
    crashSamples,
    peakRssMB: Number((peakRss / MB).toFixed(1)),
    heapUsedMB: Number((heapAfter / MB).toFixed(1)),
    heapGrowthMB: Number(((heapAfter - heapBefore) / MB).toFixed(2)),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}
