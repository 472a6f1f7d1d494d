import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, MessageTooLargeError } from '../../errors';
import { splitPayload } from '../../routing/fragmenter';
import { PIECE_COST, Reassembler } from '../../routing/reassembler';
import { SeededRng } from '../../sim/random';
import type { FragmentInfo } from '../../routing/messages';

// The oracle for reassembly is the original bytes, and for counters a plain set-per-message model.

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function shuffle<T>(rng: SeededRng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.compare(a, b) === 0;
}

interface Piece {
  info: FragmentInfo;
  chunk: Uint8Array;
}

function piecesOf(payload: Uint8Array, chunkBytes: number, messageId: number): Piece[] {
  const chunks = splitPayload(payload, chunkBytes);
  return chunks.map((chunk, index) => ({ info: { messageId, index, count: chunks.length }, chunk }));
}

describe('splitPayload', () => {
  test('cuts into chunkBytes pieces, the last one shorter, as views of the payload', () => {
    const payload = Uint8Array.from({ length: 25 }, (_, i) => i);
    const pieces = splitPayload(payload, 10);
    expect(pieces.map((p) => Array.from(p))).toEqual([
      Array.from({ length: 10 }, (_, i) => i),
      Array.from({ length: 10 }, (_, i) => i + 10),
      [20, 21, 22, 23, 24],
    ]);
    expect(pieces[0].buffer).toBe(payload.buffer);
  });

  test('a payload that fits, or an empty one, is a single piece', () => {
    expect(splitPayload(new Uint8Array(10), 10)).toHaveLength(1);
    expect(splitPayload(new Uint8Array(0), 10)).toHaveLength(1);
    expect(splitPayload(new Uint8Array(11), 10)).toHaveLength(2);
  });

  test('exact multiples leave no empty piece', () => {
    const pieces = splitPayload(new Uint8Array(3000), 1000);
    expect(pieces.map((p) => p.length)).toEqual([1000, 1000, 1000]);
  });

  test('rejects a chunk size below 1 or not an integer', () => {
    expect(() => splitPayload(new Uint8Array(5), 0)).toThrow(InvalidArgumentError);
    expect(() => splitPayload(new Uint8Array(5), -3)).toThrow(InvalidArgumentError);
    expect(() => splitPayload(new Uint8Array(5), 1.5)).toThrow(InvalidArgumentError);
    expect(() => splitPayload(new Uint8Array(5), 2, 0)).toThrow(InvalidArgumentError);
  });

  test('rejects payloads above maxMessageBytes or needing more than maxFragments', () => {
    expect(() => splitPayload(new Uint8Array(DEFAULTS.maxMessageBytes + 1), 60_000)).toThrow(MessageTooLargeError);
    expect(splitPayload(new Uint8Array(DEFAULTS.maxMessageBytes), 1024)).toHaveLength(1024);
    expect(splitPayload(new Uint8Array(DEFAULTS.maxFragments), 1)).toHaveLength(DEFAULTS.maxFragments);
    expect(() => splitPayload(new Uint8Array(DEFAULTS.maxFragments + 1), 1)).toThrow(MessageTooLargeError);
    expect(() => splitPayload(new Uint8Array(101), 10, 10)).toThrow(MessageTooLargeError);
    expect(splitPayload(new Uint8Array(100), 10, 10)).toHaveLength(10);
  });
});

describe('Reassembler', () => {
  test('random sizes, shuffled and duplicated pieces: byte-exact, counted like a set model', () => {
    const rng = new SeededRng(99);
    const r = new Reassembler();
    let expectedDuplicates = 0;
    let expectedCompleted = 0;
    for (let trial = 0; trial < 300; trial++) {
      const payload = randomBytes(rng, 2 + rng.int(20_000));
      const chunkBytes = 1 + rng.int(Math.min(1500, payload.length - 1)); // at least two pieces
      if (Math.ceil(payload.length / chunkBytes) > DEFAULTS.maxFragments) continue;
      const pieces = piecesOf(payload, chunkBytes, trial);
      const sent = shuffle(rng, pieces.concat(pieces.filter(() => rng.next() < 0.2)));
      // Model: the set of indexes seen; a message completes when the set is full, then starts over.
      const seen = new Set<number>();
      let modelDeliveries = 0;
      let deliveries = 0;
      for (const { info, chunk } of sent) {
        const whole = r.accept('src', info, chunk, trial);
        if (seen.has(info.index)) expectedDuplicates++;
        seen.add(info.index);
        if (seen.size === info.count) {
          modelDeliveries++;
          seen.clear();
        }
        if (whole) {
          deliveries++;
          expect(sameBytes(whole, payload)).toBe(true);
        }
      }
      expect(deliveries).toBe(modelDeliveries);
      expectedCompleted += modelDeliveries;
      r.sweep(Number.MAX_SAFE_INTEGER); // clear duplicates that arrived after completion
    }
    expect(r.stats.duplicates).toBe(expectedDuplicates);
    expect(r.stats.completed).toBe(expectedCompleted);
    expect(r.bytesHeld).toBe(0);
    expect(r.pending).toBe(0);
  });

  test('a 200 KB payload at chunk size 1100, pieces in reverse', () => {
    const rng = new SeededRng(3);
    const payload = randomBytes(rng, 200 * 1024);
    const pieces = piecesOf(payload, 1100, 42).reverse();
    expect(pieces.length).toBe(187);
    const r = new Reassembler();
    let whole: Uint8Array | undefined;
    for (const [i, { info, chunk }] of pieces.entries()) {
      whole = r.accept('src', info, chunk, 0);
      if (i < pieces.length - 1) expect(whole).toBeUndefined();
    }
    expect(sameBytes(whole, payload)).toBe(true);
    expect(r.bytesHeld).toBe(0);
    expect(r.pending).toBe(0);
  });

  test('pieces are copied: changing a chunk after accept does not change the message', () => {
    const payload = Uint8Array.from({ length: 30 }, (_, i) => i);
    const original = Uint8Array.from(payload);
    const [a, b, c] = piecesOf(payload, 10, 1);
    const r = new Reassembler();
    r.accept('s', a.info, a.chunk, 0);
    r.accept('s', b.info, b.chunk, 0);
    payload.fill(0xee); // the chunks are views of payload
    const whole = r.accept('s', c.info, Uint8Array.from(original.subarray(20)), 0);
    expect(sameBytes(whole, original)).toBe(true);
  });

  test('the same message id from two sources is two messages', () => {
    const rng = new SeededRng(4);
    const one = randomBytes(rng, 50);
    const two = randomBytes(rng, 50);
    const r = new Reassembler();
    const p1 = piecesOf(one, 20, 7);
    const p2 = piecesOf(two, 20, 7);
    for (let i = 0; i < p1.length - 1; i++) {
      r.accept('a', p1[i].info, p1[i].chunk, 0);
      r.accept('b', p2[i].info, p2[i].chunk, 0);
    }
    expect(r.pending).toBe(2);
    expect(sameBytes(r.accept('b', p2[2].info, p2[2].chunk, 0), two)).toBe(true);
    expect(sameBytes(r.accept('a', p1[2].info, p1[2].chunk, 0), one)).toBe(true);
  });

  test('a missing piece: nothing delivered, and the sweep after the timeout frees everything', () => {
    const rng = new SeededRng(8);
    const r = new Reassembler();
    const start = 5_000;
    const pieces = piecesOf(randomBytes(rng, 10_000), 1000, 1);
    for (const { info, chunk } of pieces.slice(1)) expect(r.accept('src', info, chunk, start)).toBeUndefined();
    expect(r.pending).toBe(1);
    expect(r.bytesHeld).toBe(9000);
    expect(r.sweep(start + r.limits.timeoutMs - 1)).toBe(0);
    expect(r.pending).toBe(1);
    expect(r.sweep(start + r.limits.timeoutMs)).toBe(1);
    expect(r.bytesHeld).toBe(0);
    expect(r.piecesHeld).toBe(0);
    expect(r.pending).toBe(0);
    expect(r.stats.expired).toBe(1);
    expect(r.stats.completed).toBe(0);
  });

  test('the timeout runs from the first piece, however slowly the rest trickle in', () => {
    const r = new Reassembler({ timeoutMs: 1000 });
    const pieces = piecesOf(new Uint8Array(50), 10, 1);
    for (let i = 0; i < 4; i++) {
      r.accept('s', pieces[i].info, pieces[i].chunk, i * 400);
      r.sweep(i * 400);
    }
    expect(r.pending).toBe(0);
    expect(r.stats.expired).toBe(1);
  });

  test('a flood from one source stays within maxBytes and maxPerSource; an honest message still completes', () => {
    const rng = new SeededRng(13);
    const limits = { maxBytes: 256 * 1024, maxPerSource: 8, maxTotal: 64 };
    const r = new Reassembler(limits);
    const honest = randomBytes(rng, 40_000);
    const honestPieces = piecesOf(honest, 1100, 1);
    // The honest message starts first, so it is the globally oldest reassembly all along.
    r.accept('honest', honestPieces[0].info, honestPieces[0].chunk, 0);
    let delivered: Uint8Array | undefined;
    let next = 1;
    let mostCharged = 0;
    let mostPending = 0;
    const junk = randomBytes(rng, 1100);
    for (let i = 0; i < 20_000; i++) {
      // Each piece claims the most pieces a message may have, so nothing ever finishes. First half:
      // a few ids that grow until the byte budget bites; second half: many ids, so the per-source
      // limit bites.
      const messageId = i < 10_000 ? rng.int(limits.maxPerSource) : rng.int(1000);
      const info = { messageId, index: rng.int(DEFAULTS.maxFragments), count: DEFAULTS.maxFragments };
      if (r.accept('attacker', info, junk, i) !== undefined) throw new Error('a flood piece completed a message');
      mostCharged = Math.max(mostCharged, r.bytesHeld + r.piecesHeld * PIECE_COST);
      mostPending = Math.max(mostPending, r.pending);
      if (i % 500 === 0 && next < honestPieces.length) {
        const { info: hInfo, chunk } = honestPieces[next++];
        delivered = r.accept('honest', hInfo, chunk, i) ?? delivered;
      }
    }
    expect(mostCharged).toBeLessThanOrEqual(limits.maxBytes);
    expect(r.bytesHeld).toBeLessThanOrEqual(limits.maxBytes);
    expect(mostPending).toBeLessThanOrEqual(limits.maxPerSource + 1);
    expect(sameBytes(delivered, honest)).toBe(true);
    expect(r.stats.evictedPerSource).toBeGreaterThan(0);
    expect(r.stats.evictedBytes).toBeGreaterThan(0);
    expect(r.stats.evictedTotal).toBe(0);
  });

  test('one message cannot outgrow maxBytes on its own: it is dropped, others are not evicted for it', () => {
    const r = new Reassembler({ maxBytes: 5000 });
    const smallPayload = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const small = piecesOf(smallPayload, 20, 9);
    r.accept('other', small[0].info, small[0].chunk, 0);
    const big = piecesOf(new Uint8Array(6000), 1000, 1);
    for (const { info, chunk } of big) expect(r.accept('big', info, chunk, 0)).toBeUndefined();
    expect(r.stats.tooLarge).toBeGreaterThan(0);
    expect(r.stats.evictedBytes).toBe(0);
    expect(r.bytesHeld + r.piecesHeld * PIECE_COST).toBeLessThanOrEqual(5000);
    expect(Array.from(r.accept('other', small[1].info, small[1].chunk, 0)!)).toEqual(Array.from(smallPayload));
  });

  describe('limits and their counters', () => {
    test('duplicates are ignored and counted', () => {
      const r = new Reassembler();
      const [a, b] = piecesOf(Uint8Array.from([1, 2, 3, 4]), 2, 1);
      expect(r.accept('s', a.info, a.chunk, 0)).toBeUndefined();
      expect(r.accept('s', a.info, Uint8Array.from([9, 9]), 0)).toBeUndefined();
      expect(r.stats.duplicates).toBe(1);
      expect(Array.from(r.accept('s', b.info, b.chunk, 0)!)).toEqual([1, 2, 3, 4]);
      expect(r.stats.completed).toBe(1);
    });

    test('a piece whose count disagrees with the first is dropped and counted', () => {
      const r = new Reassembler();
      const [a, b, c] = piecesOf(Uint8Array.from([1, 2, 3, 4, 5, 6]), 2, 1);
      r.accept('s', a.info, a.chunk, 0);
      expect(r.accept('s', { ...b.info, count: 2 }, b.chunk, 0)).toBeUndefined();
      expect(r.stats.mismatched).toBe(1);
      r.accept('s', b.info, b.chunk, 0);
      expect(Array.from(r.accept('s', c.info, c.chunk, 0)!)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    test('impossible headers and empty chunks are dropped and counted as invalid', () => {
      const r = new Reassembler();
      const one = new Uint8Array(1);
      r.accept('s', { messageId: 1, index: 2, count: 2 }, one, 0);
      r.accept('s', { messageId: 1, index: -1, count: 2 }, one, 0);
      r.accept('s', { messageId: 1, index: 0, count: 1 }, one, 0);
      r.accept('s', { messageId: 1, index: 0, count: DEFAULTS.maxFragments + 1 }, one, 0);
      r.accept('s', { messageId: 1, index: 0.5, count: 2 }, one, 0);
      r.accept('s', { messageId: 1, index: 0, count: 2 }, new Uint8Array(0), 0);
      expect(r.stats.invalid).toBe(6);
      expect(r.pending).toBe(0);
    });

    test('a message growing past maxMessageBytes is dropped as tooLarge', () => {
      const r = new Reassembler({ maxMessageBytes: 1000 });
      const pieces = piecesOf(new Uint8Array(1200), 400, 1);
      expect(r.accept('s', pieces[0].info, pieces[0].chunk, 0)).toBeUndefined();
      expect(r.accept('s', pieces[1].info, pieces[1].chunk, 0)).toBeUndefined();
      expect(r.accept('s', pieces[2].info, pieces[2].chunk, 0)).toBeUndefined();
      expect(r.stats.tooLarge).toBe(1);
      expect(r.pending).toBe(0);
      expect(r.bytesHeld).toBe(0);
    });

    test('maxPerSource evicts that source oldest reassembly', () => {
      const r = new Reassembler({ maxPerSource: 2 });
      const m = [1, 2, 3].map((id) => piecesOf(Uint8Array.from([id, id, id, id]), 2, id));
      for (const pieces of m) r.accept('s', pieces[0].info, pieces[0].chunk, 0);
      r.accept('t', m[0][0].info, m[0][0].chunk, 0); // another source is not affected
      expect(r.stats.evictedPerSource).toBe(1);
      expect(r.pending).toBe(3);
      // Message 1 lost its first piece, so its second starts over; 2 and 3 complete.
      expect(r.accept('s', m[0][1].info, m[0][1].chunk, 0)).toBeUndefined();
      expect(r.stats.evictedPerSource).toBe(2); // and that evicted message 2, now the oldest
      expect(Array.from(r.accept('s', m[2][1].info, m[2][1].chunk, 0)!)).toEqual([3, 3, 3, 3]);
      expect(Array.from(r.accept('t', m[0][1].info, m[0][1].chunk, 0)!)).toEqual([1, 1, 1, 1]);
    });

    test('maxTotal evicts the globally oldest reassembly', () => {
      const r = new Reassembler({ maxTotal: 2 });
      const pieces = piecesOf(Uint8Array.from([1, 2, 3, 4]), 2, 1);
      r.accept('a', pieces[0].info, pieces[0].chunk, 0);
      r.accept('b', pieces[0].info, pieces[0].chunk, 1);
      r.accept('c', pieces[0].info, pieces[0].chunk, 2);
      expect(r.stats.evictedTotal).toBe(1);
      expect(r.pending).toBe(2);
      expect(Array.from(r.accept('b', pieces[1].info, pieces[1].chunk, 3)!)).toEqual([1, 2, 3, 4]);
      expect(Array.from(r.accept('c', pieces[1].info, pieces[1].chunk, 3)!)).toEqual([1, 2, 3, 4]);
      expect(r.accept('a', pieces[1].info, pieces[1].chunk, 3)).toBeUndefined(); // 'a' was evicted
    });

    test('maxBytes evicts the oldest reassemblies until the piece fits', () => {
      const piece = 1000;
      const r = new Reassembler({ maxBytes: 3 * (piece + PIECE_COST) });
      const chunk = new Uint8Array(piece);
      // Each first piece filled with its message id, so a completed message shows whose bytes it holds.
      const first = (id: number) => new Uint8Array(piece).fill(id);
      for (let id = 1; id <= 3; id++) r.accept(`s${id}`, { messageId: id, index: 0, count: 2 }, first(id), id);
      expect(r.stats.evictedBytes).toBe(0);
      r.accept('s4', { messageId: 4, index: 0, count: 2 }, first(4), 4);
      expect(r.stats.evictedBytes).toBe(1);
      expect(r.pending).toBe(3);
      expect(r.bytesHeld).toBe(3 * piece);
      // s1's message was the oldest and is gone; s2's is still there.
      const s2 = r.accept('s2', { messageId: 2, index: 1, count: 2 }, chunk, 5);
      expect(s2).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(s2!).equals(Buffer.concat([first(2), chunk]))).toBe(true);
      expect(r.accept('s1', { messageId: 1, index: 1, count: 2 }, chunk, 5)).toBeUndefined();
    });

    test('the constructor rejects limits that are not positive integers', () => {
      expect(() => new Reassembler({ maxBytes: 0 })).toThrow(InvalidArgumentError);
      expect(() => new Reassembler({ maxPerSource: 1.5 })).toThrow(InvalidArgumentError);
      expect(() => new Reassembler({ timeoutMs: -1 })).toThrow(InvalidArgumentError);
      expect(() => new Reassembler({ maxFragments: 1 })).toThrow(InvalidArgumentError);
      expect(new Reassembler().limits).toMatchObject({
        maxMessageBytes: DEFAULTS.maxMessageBytes,
        maxPerSource: DEFAULTS.maxReassembliesPerSource,
        maxTotal: DEFAULTS.maxReassemblies,
        maxBytes: DEFAULTS.maxReassemblyBytes,
        timeoutMs: DEFAULTS.reassemblyTimeoutMs,
        maxFragments: DEFAULTS.maxFragments,
      });
    });
  });
});
