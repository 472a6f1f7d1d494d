/**
 * Hostile input against the three decoders (decodeFrame, decodeLocation, decodeMembership): random
 * bytes and mutated valid messages, 100,000 seeded cases here plus the fast-check ones. The contract
 * (wire/codec.ts): anything malformed throws FrameDecodeError with a known reason, nothing else is
 * ever thrown, an accepted input is a valid message, and the decoders keep nothing between calls.
 * A hang is caught by a watchdog thread (tests/helpers/hangWatchdog.ts), a leak by the heap after GC.
 * (The decoder shares handles through a weakly held, bounded interner: that is memory the messages
 * it returned keep alive, and it is released with them.)
 */
import fc from 'fast-check';
import { SeededRng } from '../../sim/random';
import { classify, hostileInput, KNOWN_REASONS, TARGETS, validCorpus, type Target } from '../helpers/fuzzCorpus';
import { startWatchdog, type Watchdog } from '../helpers/hangWatchdog';
import { settledHeapUsed } from '../helpers/settledHeap';
import { MUTATIONS, mutate } from '../helpers/mutate';
import { frameOf, locationOf, membershipOf, withWidth } from '../helpers/wireArbitraries';
import { encodeFrame } from '../../wire/codec';
import { encodeLocation } from '../../wire/locationCodec';
import { encodeMembership } from '../../wire/membershipCodec';

/** Seeded cases per decoder: 100,000 in all. */
const CASES: Record<Target, number> = { frame: 40_000, location: 30_000, membership: 30_000 };

const corpus = validCorpus(2024, 60);
let watchdog: Watchdog;
// jest raises Error.stackTraceLimit to 100; most inputs here end in a throw, and capturing 100
// frames each made the suite about a quarter slower. Node's default is put back for the run.
const savedStackTraceLimit = Error.stackTraceLimit;
beforeAll(() => {
  Error.stackTraceLimit = 10;
  watchdog = startWatchdog('fuzzDecoders');
});
afterAll(() => {
  Error.stackTraceLimit = savedStackTraceLimit;
  return watchdog.stop();
});

/** Runs `count` hostile inputs through `target`'s decoder; tallies outcomes by reason and by how the input was made. */
function run(target: Target, seed: number, count: number) {
  const rng = new SeededRng(seed);
  const reasons: Record<string, number> = {};
  const origins: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    watchdog.tick(i);
    const input = hostileInput(rng, corpus, target);
    const outcome = classify(target, input.bytes, input.idBytes); // throws on a broken contract, with the input in hex
    reasons[outcome] = (reasons[outcome] ?? 0) + 1;
    origins[input.origin] = (origins[input.origin] ?? 0) + 1;
  }
  return { reasons, origins };
}

/**
 * Reasons each decoder must reach: a fuzz that never gets past the protobuf layer proves little, so
 * these are the field checks the mutations are known to hit with these seeds (all of them except
 * the rare 'tooLarge' and 'payload', which need a much grown input).
 */
const MUST_REACH: Record<Target, string[]> = {
  frame: ['ok', 'protobuf', 'version', 'missing', 'emptyBody', 'guid', 'address', 'ttl', 'hops', 'level', 'fragment'],
  location: ['ok', 'protobuf', 'missing', 'emptyBody', 'guid', 'address', 'tag', 'salt', 'replicas', 'lifetime', 'latency'],
  // Membership messages carry no publish records since the hand-over moved to location: no tag, salt, lifetime or latency.
  membership: ['ok', 'protobuf', 'missing', 'emptyBody', 'guid', 'address', 'level', 'count', 'hole', 'rtt'],
};

describe.each(TARGETS)('%s decoder under hostile input', (target) => {
  test(`${CASES[target].toLocaleString('en')} random and mutated inputs: typed decode errors only, each reason reached`, () => {
    const { reasons, origins } = run(target, 100 + TARGETS.indexOf(target), CASES[target]);
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(CASES[target]);
    for (const reason of Object.keys(reasons)) if (reason !== 'ok') expect(KNOWN_REASONS).toContain(reason);
    expect(Object.keys(reasons)).toEqual(expect.arrayContaining(MUST_REACH[target]));
    // Every way of making an input was used.
    expect(Object.keys(origins).sort()).toEqual(['random', ...MUTATIONS].sort());
  });
});

describe('mutations of freshly generated messages (fast-check)', () => {
  // The seeded corpus above is 60 messages per width; these draw a new valid message every run, so
  // the mutations land on shapes the corpus never had (long lists, empty tags, both address families).
  const arbitraries = {
    frame: withWidth(frameOf).map(({ idBytes, msg }) => ({ idBytes, bytes: encodeFrame(msg) })),
    location: withWidth(locationOf).map(({ idBytes, msg }) => ({ idBytes, bytes: encodeLocation(msg) })),
    membership: withWidth(membershipOf).map(({ idBytes, msg }) => ({ idBytes, bytes: encodeMembership(msg) })),
  };
  const RUNS = 1_500;

  test.each(TARGETS)(`%s: ${RUNS} runs of 1 to 3 stacked mutations`, (target) => {
    let ran = 0;
    fc.assert(
      fc.property(arbitraries[target], fc.integer(), fc.constantFrom(...MUTATIONS), fc.integer({ min: 1, max: 3 }), (valid, seed, first, depth) => {
        watchdog.tick(ran++);
        const rng = new SeededRng(seed);
        let bytes = mutate(rng, valid.bytes, valid.bytes, first);
        for (let i = 1; i < depth; i++) bytes = mutate(rng, bytes, valid.bytes, MUTATIONS[rng.int(MUTATIONS.length)]);
        classify(target, bytes, rng.int(2) ? valid.idBytes : undefined);
      }),
      { seed: 77 + target.length, numRuns: RUNS },
    );
    expect(ran).toBe(RUNS);
  });
});

describe('the decoders keep nothing that outlives the messages they returned', () => {
  test('the same bytes give the same outcome, whatever was decoded in between', () => {
    const rng = new SeededRng(31);
    const inputs = TARGETS.flatMap((target) => Array.from({ length: 1_000 }, () => ({ target, ...hostileInput(rng, corpus, target) })));
    const first = inputs.map((x) => classify(x.target, x.bytes, x.idBytes));
    // Again in reverse order, so each input follows different neighbours than the first time.
    const second = [...inputs].reverse().map((x) => classify(x.target, x.bytes, x.idBytes)).reverse();
    expect(second).toEqual(first);
  });

  test('heap after GC does not grow across 24,000 more hostile inputs', async () => {
    // Warm up first, so code caches, interned strings and the corpus are already counted in `before`.
    for (const target of TARGETS) run(target, 900 + TARGETS.indexOf(target), 1_000);
    const before = await settledHeapUsed();
    for (const target of TARGETS) run(target, 910 + TARGETS.indexOf(target), 8_000);
    const after = await settledHeapUsed();
    // 24,000 inputs of ~100 B to ~50 KB went through; anything kept per input would show as megabytes.
    // The bound leaves room for V8's own bookkeeping, which moves by a few hundred KB between runs.
    expect(after - before).toBeLessThan(2 * 1024 * 1024);
  });
});
