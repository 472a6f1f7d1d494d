/**
 * The locate tracker (location/locateTracker.ts) without a network: a scripted set of salted roots
 * answers its locates, and every call on its sink is checked against what the scenario makes true.
 */
import { NotFoundError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { LocateTracker, type LocateRequest, type LocateResult, type LocateSink, type LocateTrackerStats } from '../../location/locateTracker';
import type { LocateFound, LocateMsg, LocateNotFound } from '../../location/messages';
import { SeededRng } from '../../sim/random';

function guidOf(rng: SeededRng): Guid {
  return Guid.random(() => rng.int(256));
}
function handleOf(guid: Guid, i = 0): NodeHandle {
  return { guid, address: { family: 4, ip: Uint8Array.of(10, 0, 0, i & 255), port: 4000 + i } };
}

/** A sink that records every call, and fails the test on a call after the end. */
class RecordingSink implements LocateSink<LocateResult> {
  results: LocateResult[] = [];
  outcome?: 'end' | Error;
  afterEnd = 0;
  onCancel?: () => void;
  push(r: LocateResult): void {
    if (this.outcome) this.afterEnd++;
    this.results.push(r);
  }
  end(): void {
    if (this.outcome) this.afterEnd++;
    this.outcome ??= 'end';
  }
  fail(err: unknown): void {
    if (this.outcome) this.afterEnd++;
    this.outcome ??= err as Error;
  }
}

type Event =
  | { kind: 'found'; f: LocateFound }
  | { kind: 'notFound'; n: LocateNotFound }
  | { kind: 'timeout'; id: number; salt: number };

const newStats = (): LocateTrackerStats => ({ locatesStarted: 0, locatesFound: 0, locatesNotFound: 0, locatesTimedOut: 0, attemptsTimedOut: 0, staleReplies: 0, forgedAnswers: 0 });

/**
 * A scripted overlay: salted root s holds pointers to servers `paths[s]` along its path. A locate is
 * diverted to the first `wanted` of them it does not exclude; each diverted server answers Found, and
 * the root answers NotFound when replicas are still wanted. `lose` drops an answer.
 */
class Scenario {
  readonly queue: Event[] = [];
  readonly sent: LocateMsg[] = [];
  readonly armed: Array<{ id: number; salt: number; ms: number }> = [];
  /** Attempts launched and not yet over (root answered or timer fired), by "id:salt", for the fan-out bound. */
  readonly searching = new Set<string>();
  maxSearching = 0;
  readonly tracker: LocateTracker;
  readonly stats = newStats();
  now = 0;

  constructor(
    readonly self: NodeHandle,
    readonly paths: readonly NodeHandle[][],
    readonly lose: () => boolean = () => false,
    readonly attemptTimeoutMs = 500,
  ) {
    this.tracker = new LocateTracker(
      {
        sendLocate: (l) => this.onSend(l),
        armTimeout: (id, salt, ms) => {
          this.armed.push({ id, salt, ms });
          this.queue.push({ kind: 'timeout', id, salt });
        },
      },
      { self, salts: paths.length, attemptTimeoutMs },
      this.stats,
    );
  }

  private onSend(l: LocateMsg): void {
    this.sent.push(l);
    this.searching.add(`${l.locateId}:${l.saltIndex}`);
    this.maxSearching = Math.max(this.maxSearching, this.searching.size);
    const excluded = new Set(l.exclude.map((g) => g.hex));
    const diverted = this.paths[l.saltIndex].filter((s) => !excluded.has(s.guid.hex)).slice(0, l.wanted);
    for (const s of diverted) {
      if (!this.lose()) this.queue.push({ kind: 'found', f: { locateId: l.locateId, locateKey: l.locateKey, object: l.object, server: s, tag: 't', hops: 3, pathLatency: 7 } });
    }
    if (diverted.length < l.wanted && !this.lose()) {
      this.queue.push({ kind: 'notFound', n: { locateId: l.locateId, locateKey: l.locateKey, object: l.object, saltIndex: l.saltIndex, diverted: [...l.exclude, ...diverted.map((s) => s.guid)], hops: 4 } });
    }
  }

  /** Delivers queued events, first in first out or in a random order, until none is left. */
  run(rng?: SeededRng): void {
    while (this.queue.length > 0) {
      const at = rng ? rng.int(this.queue.length) : 0;
      const [e] = this.queue.splice(at, 1);
      this.now += 1;
      if (e.kind === 'found') this.tracker.found(e.f, this.now);
      else if (e.kind === 'notFound') {
        this.searching.delete(`${e.n.locateId}:${e.n.saltIndex}`);
        this.tracker.notFound(e.n);
      } else {
        this.searching.delete(`${e.id}:${e.salt}`);
        this.tracker.attemptTimedOut(e.id, e.salt);
      }
    }
  }
}

function request(object: Guid, sink: RecordingSink, o: Partial<LocateRequest> = {}): LocateRequest {
  return { object, query: '', replicas: 1, moduleId: 0, payload: new Uint8Array(0), fanout: 1, sink, ...o };
}

describe('locate tracker', () => {
  const rng = new SeededRng(12);
  const self = handleOf(guidOf(rng), 1);
  const servers = Array.from({ length: 8 }, (_, i) => handleOf(guidOf(rng), 10 + i));
  const object = guidOf(rng);

  test('fan-out: starts `fanout` salted roots at once, each with its attempt timeout, salt 0 first', () => {
    const sc = new Scenario(self, [[], [], [], []], () => true);
    const sink = new RecordingSink();
    const id = sc.tracker.start(request(object, sink, { fanout: 3, replicas: 2 }), 0);
    expect(sc.sent.map((l) => l.saltIndex)).toEqual([0, 1, 2]);
    expect(sc.sent.every((l) => l.locateId === id && l.wanted === 2 && l.origin === self && !l.diverted && l.exclude.length === 0)).toBe(true);
    expect(sc.armed).toEqual([0, 1, 2].map((salt) => ({ id, salt, ms: 500 })));
    expect(sc.tracker.inFlight).toBe(1);
  });

  test('Timeout when no root answers; NotFound when a root answered and nothing was found', () => {
    const lost = new Scenario(self, [[], []], () => true);
    const s1 = new RecordingSink();
    lost.tracker.start(request(object, s1), 0);
    lost.run();
    expect(s1.outcome).toBeInstanceOf(TimeoutError);
    expect(lost.stats).toMatchObject({ locatesTimedOut: 1, attemptsTimedOut: 2, locatesNotFound: 0 });

    const empty = new Scenario(self, [[], []]);
    const s2 = new RecordingSink();
    empty.tracker.start(request(object, s2), 0);
    empty.run();
    expect(s2.outcome).toBeInstanceOf(NotFoundError);
    expect(empty.sent.map((l) => l.saltIndex)).toEqual([0, 1]); // every salted root tried
    expect(empty.stats).toMatchObject({ locatesNotFound: 1, locatesTimedOut: 0 });
    expect(s1.afterEnd + s2.afterEnd).toBe(0);
  });

  test('first answer wins per server: a second path to the same server adds nothing', () => {
    const sc = new Scenario(self, [[servers[0]], [servers[0]]]);
    const sink = new RecordingSink();
    sc.tracker.start(request(object, sink, { fanout: 2, replicas: 2 }), 0);
    sc.run();
    expect(sink.results.map((r) => r.server.guid.hex)).toEqual([servers[0].guid.hex]);
    expect(sink.outcome).toBe('end');
    expect(sink.results[0]).toMatchObject({ tag: 't', hops: 3, pathLatency: 7 });
  });

  test('N replicas: ends as soon as N servers answered; later salts exclude what is found or awaited', () => {
    const sc = new Scenario(self, [[servers[0]], [servers[0], servers[1]], [servers[2]]]);
    const sink = new RecordingSink();
    sc.tracker.start(request(object, sink, { replicas: 2 }), 0);
    sc.run();
    expect(sink.outcome).toBe('end');
    expect(sink.results.map((r) => r.server.guid.hex).sort()).toEqual([servers[0].guid.hex, servers[1].guid.hex].sort());
    // Salt 1 went out wanting one more and excluding servers[0], still awaited from salt 0.
    expect(sc.sent[1]).toMatchObject({ saltIndex: 1, wanted: 1 });
    expect(sc.sent[1].exclude.map((g) => g.hex)).toEqual([servers[0].guid.hex]);
    expect(sc.sent.length).toBe(2); // salt 2 was never needed
  });

  test('elapsedMs is measured from the start on the caller’s clock', () => {
    const sc = new Scenario(self, [[servers[3]]]);
    const sink = new RecordingSink();
    const id = sc.tracker.start(request(object, sink), 1000);
    sc.tracker.found({ locateId: id, locateKey: sc.sent[0].locateKey, object, server: servers[3], tag: 'x', hops: 1, pathLatency: 2 }, 1234);
    expect(sink.results[0].elapsedMs).toBe(234);
    expect(sink.outcome).toBe('end');
  });

  test('a root on this very node answers inside the send: the locate may end before start returns', () => {
    let tracker!: LocateTracker;
    const sent: number[] = [];
    const stats = newStats();
    tracker = new LocateTracker(
      {
        sendLocate: (l) => {
          sent.push(l.saltIndex);
          tracker.notFound({ locateId: l.locateId, locateKey: l.locateKey, object: l.object, saltIndex: l.saltIndex, diverted: [], hops: 0 });
        },
        armTimeout: () => {},
      },
      { self, salts: 3, attemptTimeoutMs: 100 },
      stats,
    );
    const sink = new RecordingSink();
    tracker.start(request(object, sink, { fanout: 3 }), 0);
    // Salt 0's answer re-entered and launched salt 1 and 2 from inside; the outer loop sent nothing more.
    expect(sent).toEqual([0, 1, 2]);
    expect(sink.outcome).toBeInstanceOf(NotFoundError);
    expect(sink.afterEnd).toBe(0);
    expect(tracker.inFlight).toBe(0);
    expect(stats.locatesNotFound).toBe(1);
  });

  test('abort, cancel by the consumer, shutdown, and stale replies', () => {
    const sc = new Scenario(self, [[servers[0]], []], () => true);
    const a = new RecordingSink();
    const idA = sc.tracker.start(request(object, a), 0);
    const reason = new Error('aborted');
    sc.tracker.abort(idA, reason);
    expect(a.outcome).toBe(reason);
    sc.tracker.found({ locateId: idA, locateKey: sc.sent[0].locateKey, object, server: servers[0], tag: '', hops: 1, pathLatency: 0 }, 1);
    sc.tracker.notFound({ locateId: idA, locateKey: sc.sent[0].locateKey, object, saltIndex: 0, diverted: [], hops: 1 });
    expect(sc.stats.staleReplies).toBe(2);
    expect(a.results).toHaveLength(0);

    const b = new RecordingSink();
    const idB = sc.tracker.start(request(object, b), 0);
    b.onCancel!();
    expect(sc.tracker.inFlight).toBe(0);
    sc.tracker.attemptTimedOut(idB, 0); // nothing left to time out
    expect(b.outcome).toBeUndefined();

    const c = new RecordingSink();
    const idC = sc.tracker.start(request(object, c), 0);
    // An answer for another object under this id is stale too.
    sc.tracker.found({ locateId: idC, locateKey: sc.sent[sc.sent.length - 1].locateKey, object: servers[5].guid, server: servers[0], tag: '', hops: 1, pathLatency: 0 }, 1);
    expect(sc.stats.staleReplies).toBe(3);
    const closed = new Error('closed');
    sc.tracker.shutdown(closed);
    expect(c.outcome).toBe(closed);
    expect(sc.tracker.inFlight).toBe(0);
  });

  // Changed by design (random ids): ids no longer count up and wrap; they are 64 bits from the
  // injected random source, the first half never 0 and never one already in flight.
  test('locate ids: 64 bits from the random source; a first half of 0 or one in flight is drawn again', () => {
    const draws = [
      [0, 0, 0, 0, 1, 2, 3, 4], // first half 0: drawn again
      [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04],
      [0xde, 0xad, 0xbe, 0xef, 0x09, 0x09, 0x09, 0x09], // in flight: drawn again
      [0x00, 0x00, 0x00, 0x07, 0xff, 0xff, 0xff, 0xff],
    ];
    const sent: LocateMsg[] = [];
    const tracker = new LocateTracker(
      { sendLocate: (l) => sent.push(l), armTimeout: () => {} },
      { self, salts: 1, attemptTimeoutMs: 100, random: (n) => Uint8Array.from(draws.shift()!.slice(0, n)) },
      newStats(),
    );
    expect(tracker.start(request(object, new RecordingSink()), 0)).toBe(0xdeadbeef);
    expect(tracker.start(request(object, new RecordingSink()), 0)).toBe(7);
    expect(sent.map((l) => [l.locateId, l.locateKey])).toEqual([[0xdeadbeef, 0x01020304], [7, 0xffffffff]]);
    expect(draws).toHaveLength(0);
  });

  test('an answer must echo all 64 bits of the id; answerHolds decides the rest, refused ones are counted', () => {
    const holds: Array<NodeHandle | undefined> = [];
    const sent: LocateMsg[] = [];
    const stats = newStats();
    const tracker = new LocateTracker(
      { sendLocate: (l) => sent.push(l), armTimeout: () => {} },
      {
        self, salts: 1, attemptTimeoutMs: 100, random: () => Uint8Array.of(0, 0, 0, 5, 0, 0, 0, 6),
        answerHolds: (f, from) => {
          holds.push(from);
          return f.signature !== undefined && f.signature[0] === 1;
        },
      },
      stats,
    );
    const sink = new RecordingSink();
    const id = tracker.start(request(object, sink), 0);
    const f: LocateFound = { locateId: id, locateKey: 6, object, server: servers[1], tag: '', hops: 1, pathLatency: 1 };
    // Every other second half (and a first half alone) is stale, never shown to answerHolds.
    for (const key of [0, 5, 7, 6 ^ 0x8000_0000]) tracker.found({ ...f, locateKey: key }, 1);
    tracker.notFound({ locateId: id, locateKey: 7, object, saltIndex: 0, diverted: [], hops: 1 });
    expect(stats.staleReplies).toBe(5);
    expect(holds).toEqual([]);
    // Matching id, but the answer does not prove its server: dropped and counted, the locate goes on.
    tracker.found({ ...f, signature: Uint8Array.of(0) }, 2, servers[2]);
    expect(stats.forgedAnswers).toBe(1);
    expect(sink.results).toEqual([]);
    expect(sink.outcome).toBeUndefined();
    tracker.found({ ...f, signature: Uint8Array.of(1) }, 3, servers[1]);
    expect(holds).toEqual([servers[2], servers[1]]);
    expect(sink.results.map((r) => r.server)).toEqual([servers[1]]);
    expect(sink.outcome).toBe('end');
    expect(sent).toHaveLength(1);
  });

  // The oracle: with no answer lost and answers in order, one salt at a time finds exactly
  // min(replicas, servers on all paths) distinct servers (every salt is tried while some are wanted).
  test('no loss, fan-out 1: finds min(replicas, distinct servers on every path), else NotFound', () => {
    const r = new SeededRng(99);
    for (let run = 0; run < 300; run++) {
      const salts = 1 + r.int(5);
      const paths = Array.from({ length: salts }, () => servers.filter(() => r.int(4) === 0));
      const replicas = 1 + r.int(5);
      const sc = new Scenario(self, paths);
      const sink = new RecordingSink();
      sc.tracker.start(request(object, sink, { replicas }), 0);
      sc.run();
      const union = new Set(paths.flat().map((s) => s.guid.hex));
      const want = Math.min(replicas, union.size);
      const got = sink.results.map((x) => x.server.guid.hex);
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBe(want);
      for (const g of got) expect(union.has(g)).toBe(true);
      if (want > 0) expect(sink.outcome).toBe('end');
      else expect(sink.outcome).toBeInstanceOf(NotFoundError);
      expect(sc.maxSearching).toBeLessThanOrEqual(1);
      expect(sink.afterEnd).toBe(0);
      expect(sc.tracker.inFlight).toBe(0);
    }
  });

  // Properties that hold under any loss and any order of answers and timeouts.
  test('any loss, any order: one outcome, each server once, at most `replicas`, fan-out bound, salts in order', () => {
    const r = new SeededRng(7);
    for (let run = 0; run < 500; run++) {
      const salts = 1 + r.int(6);
      const paths = Array.from({ length: salts }, () => servers.filter(() => r.int(3) === 0));
      const replicas = 1 + r.int(4);
      const fanout = 1 + r.int(salts);
      const lossRate = r.int(4) / 4;
      const sc = new Scenario(self, paths, () => r.next() < lossRate);
      const sink = new RecordingSink();
      sc.tracker.start(request(object, sink, { replicas, fanout }), 0);
      sc.run(r);
      const got = sink.results.map((x) => x.server.guid.hex);
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBeLessThanOrEqual(replicas);
      expect(sink.outcome).toBeDefined();
      expect(sink.afterEnd).toBe(0);
      if (got.length > 0) expect(sink.outcome).toBe('end');
      else if (sc.stats.locatesNotFound === 1) expect(sink.outcome).toBeInstanceOf(NotFoundError);
      else expect(sink.outcome).toBeInstanceOf(TimeoutError);
      expect(sc.maxSearching).toBeLessThanOrEqual(fanout);
      expect(sc.sent.map((l) => l.saltIndex)).toEqual(sc.sent.map((_, i) => i));
      expect(sc.tracker.inFlight).toBe(0);
      expect(sc.stats.locatesFound).toBe(got.length);
    }
  });
});
