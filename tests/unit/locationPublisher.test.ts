/**
 * The publisher (location/publisher.ts) and the served-once memory (location/servedOnce.ts), without
 * a network: the records they decide on, checked against models written from their specification.
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { Publisher, type RecordSigner } from '../../location/publisher';
import { servedKey, ServedOnce } from '../../location/servedOnce';
import type { LocationRecord } from '../../security/records';
import { SeededRng } from '../../sim/random';

const rng = new SeededRng(5);
const guidOf = (): Guid => Guid.random(() => rng.int(256));
const self: NodeHandle = { guid: guidOf(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 4000 } };

/** Signs with a stand-in signature that names the record, and remembers what it signed. */
function signer(authenticates: boolean): RecordSigner & { signed: LocationRecord[] } {
  const signed: LocationRecord[] = [];
  return {
    authenticates,
    signed,
    sign(record) {
      if (!authenticates) return undefined;
      signed.push(record);
      return { publisherKey: Uint8Array.of(1, 2, 3), signature: Uint8Array.from(Buffer.from(`${record.kind}:${record.sequence}`)) };
    },
  };
}

describe('publisher', () => {
  test('a publish is one record per salted root, salt 0 first, with the lifetime and this node as server', () => {
    const pub = new Publisher({ self, salts: 4, pointerLifetimeMs: 60_000 }, signer(false));
    const object = guidOf();
    const records = pub.publish(object, 'tag', 5_000.7);
    expect(records.map((r) => r.saltIndex)).toEqual([0, 1, 2, 3]);
    for (const r of records) {
      expect(r).toEqual({ object, server: self, tag: 'tag', saltIndex: r.saltIndex, sequence: 5000, lifetimeMs: 60_000, pathLatency: 0, extra: false });
    }
    expect(pub.size).toBe(1);
    expect(pub.get(object)).toEqual({ object, tag: 'tag', sequence: 5000 });
  });

  test('sequences only grow: across objects, republishes, unpublish and publish again, and a clock that stands still', () => {
    const pub = new Publisher({ self, salts: 1, pointerLifetimeMs: 1000 }, signer(true));
    const objects = [guidOf(), guidOf(), guidOf()];
    let last = 0;
    let now = 100;
    const r = new SeededRng(3);
    for (let step = 0; step < 500; step++) {
      if (r.int(3) === 0) now += r.int(5); // the clock often stands still
      const o = objects[r.int(objects.length)];
      const op = r.int(3);
      let seqs: number[];
      if (op === 0) seqs = pub.publish(o, 't', now).map((x) => x.sequence);
      else if (op === 1) seqs = pub.republishAll(now).map((x) => x.sequence);
      else seqs = (pub.unpublish(o) ?? []).map((x) => x.sequence);
      if (op !== 2) {
        // Every new sequence is above every one handed out before (and at least the clock's ms).
        for (const s of new Set(seqs)) {
          expect(s).toBeGreaterThan(last);
          expect(s).toBeGreaterThanOrEqual(Math.floor(now));
        }
        if (seqs.length > 0) last = Math.max(last, ...seqs);
      }
    }
  });

  test('unsigned republish keeps the sequence; signed republish takes a new one and signs it once per publication', () => {
    const plainSigner = signer(false);
    const plain = new Publisher({ self, salts: 2, pointerLifetimeMs: 1000 }, plainSigner);
    const a = guidOf();
    const first = plain.publish(a, '', 10)[0].sequence;
    expect(plain.republishAll(500).map((x) => x.sequence)).toEqual([first, first]);

    const s = signer(true);
    const signed = new Publisher({ self, salts: 2, pointerLifetimeMs: 1000 }, s);
    const [x, y] = [guidOf(), guidOf()];
    signed.publish(x, 'x', 10);
    signed.publish(y, 'y', 10);
    s.signed.length = 0;
    const again = signed.republishAll(10);
    // Publication by publication, each with its salts; one signature per publication.
    expect(again.map((m) => [m.object.hex, m.saltIndex])).toEqual([[x.hex, 0], [x.hex, 1], [y.hex, 0], [y.hex, 1]]);
    expect(s.signed.map((rec) => rec.object.hex)).toEqual([x.hex, y.hex]);
    expect(again[0].sequence).toBe(signed.get(x)!.sequence);
    expect(again[0].sequence).toBeGreaterThan(11);
    expect(Buffer.from(again[0].signature!).toString()).toBe(`publish:${again[0].sequence}`);
    expect(again[0].publisherKey).toEqual(Uint8Array.of(1, 2, 3));
  });

  test('unpublish withdraws the current sequence on every salt, signed; unknown objects give undefined', () => {
    const s = signer(true);
    const pub = new Publisher({ self, salts: 3, pointerLifetimeMs: 1000 }, s);
    const o = guidOf();
    const seq = pub.publish(o, '', 42)[0].sequence;
    const un = pub.unpublish(o)!;
    expect(un.map((u) => [u.saltIndex, u.sequence, u.extra, u.server])).toEqual([0, 1, 2].map((i) => [i, seq, false, self]));
    expect(s.signed.at(-1)).toEqual({ kind: 'unpublish', object: o, server: self, sequence: seq });
    expect(pub.size).toBe(0);
    expect(pub.unpublish(o)).toBeUndefined();
    expect(pub.get(o)).toBeUndefined();
  });
});

describe('served-once memory', () => {
  test('true once per key; bounded, the oldest forgotten first (a list model)', () => {
    const limit = 50;
    const memory = new ServedOnce(limit);
    const model: string[] = [];
    const r = new SeededRng(8);
    for (let i = 0; i < 5000; i++) {
      const key = servedKey(`o${r.int(10)}`, r.int(120));
      const expected = !model.includes(key);
      if (expected) {
        model.push(key);
        if (model.length > limit) model.shift();
      }
      expect(memory.firstTime(key)).toBe(expected);
      expect(memory.size).toBe(model.length);
    }
  });

  test('defaults to DEFAULTS.maxServedRemembered', () => {
    const memory = new ServedOnce();
    for (let i = 0; i <= DEFAULTS.maxServedRemembered; i++) memory.firstTime(`k${i}`);
    expect(memory.size).toBe(DEFAULTS.maxServedRemembered);
    expect(memory.firstTime('k0')).toBe(true); // the oldest was forgotten
    expect(memory.firstTime(`k${DEFAULTS.maxServedRemembered}`)).toBe(false);
  });
});
