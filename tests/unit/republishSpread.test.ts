/**
 * Republish without re-signing and without bursts (location/publisher.ts, location/republishSchedule.ts):
 * a signed publication is signed once per version and re-sent while every receiver would renew its
 * pointer with the copy, exactly as with a fresh record; and a node's publications are republished
 * at phases spread over the period. Oracles: a brute-force walk of the schedule ms by ms, and the
 * receiving gate's own lifetime rule.
 */
import { RecordGate } from '../../location/recordGate';
import { Publisher, type RecordSigner } from '../../location/publisher';
import { RepublishSchedule } from '../../location/republishSchedule';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { LocationRecord } from '../../security/records';
import { noneProvider } from '../../security/noneProvider';

const self: NodeHandle = { guid: Guid.fromName('publisher'), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 4000 } };

function signer(): RecordSigner & { signed: LocationRecord[] } {
  const signed: LocationRecord[] = [];
  return {
    authenticates: true,
    signed,
    sign(record) {
      signed.push(record);
      return { publisherKey: Uint8Array.of(1), signature: Uint8Array.from(Buffer.from(`${record.kind}:${record.sequence}`)) };
    },
  };
}

/** Walks the schedule ms by ms over [from, to]: which keys came due at which ms. */
function walk(s: { due(now: number): string[] }, from: number, to: number): Map<number, string[]> {
  const at = new Map<number, string[]>();
  for (let t = from; t <= to; t++) {
    const d = s.due(t);
    if (d.length > 0) at.set(t, d);
  }
  return at;
}

describe('republish schedule', () => {
  test.each([
    [1, 10_000], [7, 10_000], [200, 10_000], [3_000, 10_000], [10_000, 10_000], [25_000, 10_000], [2_000, 500],
  ])('%i publications added at once over a %i ms period: each due once a period, spread evenly', (n, period) => {
    for (const offset of n > 5_000 ? [0.3] : [0, 0.3, 0.77]) {
      const s = new RepublishSchedule(period, offset);
      const start = 12_345;
      for (let i = 0; i < n; i++) s.add(`k${i}`, start);
      for (const round of [0, 1]) {
        const due = walk(s, start + round * period, start + (round + 1) * period - 1 + 1);
        const all = [...due.values()].flat();
        expect(all.length).toBe(n);
        expect(new Set(all).size).toBe(n);
        const most = Math.max(...[...due.values()].map((d) => d.length));
        // What n per period needs is ceil(n / period) per ms; the phases' rounding to whole ms may add one.
        expect(most).toBeLessThanOrEqual(Math.ceil(n / period) + 1);
        if (n <= 0.3 * period) expect(most).toBe(1);
      }
      // The first republish of each came within one period after it was added, never at once.
      const first = new RepublishSchedule(period, offset);
      for (let i = 0; i < n; i++) {
        const at = first.add(`k${i}`, start);
        expect(at).toBeGreaterThan(start);
        expect(at).toBeLessThanOrEqual(start + period);
      }
    }
  });

  test('removed keys are never due again; a node that slept through periods republishes once', () => {
    const s = new RepublishSchedule(1_000, 0.5);
    for (let i = 0; i < 50; i++) s.add(`k${i}`, 0);
    for (let i = 0; i < 50; i += 2) s.remove(`k${i}`);
    expect(s.size).toBe(25);
    const due = [...walk(s, 0, 1_000).values()].flat();
    expect(due.sort()).toEqual(Array.from({ length: 25 }, (_, j) => `k${2 * j + 1}`).sort());
    expect(s.due(10_000).length).toBe(25);
    expect(s.nextAt()).toBeGreaterThan(10_000);
    expect(s.nextAt()).toBeLessThanOrEqual(11_000);
  });
});

describe('publisher: one signature per version, republishes on their phases', () => {
  const lifetime = 25_000;
  const period = 10_000;
  const renewMs = 60_000;

  test('a signed publication is re-sent unchanged while a copy renews every pointer fully, then re-signed', () => {
    const s = signer();
    const pub = new Publisher({ self, salts: 3, pointerLifetimeMs: lifetime, renewMs, republishMs: period, phaseOffset: 0.1 }, s);
    const gate = new RecordGate(noneProvider, { renewMs });
    const object = Guid.fromName('one object');
    const [first] = pub.publish(object, 'tag', 0);
    expect(s.signed.length).toBe(1);
    let version = { sequence: first.sequence, signedAt: 0 };
    const sequences: number[] = [];
    for (let now = 1; now <= 200_000; now++) {
      const records = pub.republishDue(now);
      if (records.length === 0) continue;
      expect(records.map((r) => r.saltIndex)).toEqual([0, 1, 2]);
      const r = records[0];
      if (r.sequence !== version.sequence) version = { sequence: r.sequence, signedAt: now };
      sequences.push(r.sequence);
      // A receiver that first saw this version when it was signed renews its pointer for the full lifetime.
      expect(gate.lifetimeLeft(r.lifetimeMs, version.signedAt, now)).toBe(lifetime);
      expect(Buffer.from(r.signature!).toString()).toBe(`publish:${r.sequence}`);
    }
    expect(sequences.length).toBe(20);
    // Signed once per version: 1 + the distinct sequences republished after the first.
    const versions = new Set([first.sequence, ...sequences]).size;
    expect(s.signed.length).toBe(versions);
    // renewMs − lifetime = 35 s: the first version serves the publish and the rounds at 1, 11, 21 and
    // 31 s (phase 1 s), every later one 4 rounds (ages 0/10/20/30 s), re-signed at age 40 s.
    expect(versions).toBe(1 + Math.ceil((20 - 4) / 4));
  });

  test('without a renew window every signed republish is a new version (the receivers would not renew)', () => {
    const s = signer();
    const pub = new Publisher({ self, salts: 1, pointerLifetimeMs: lifetime, republishMs: period }, s);
    pub.publish(Guid.fromName('x'), '', 0);
    let rounds = 0;
    for (let now = 1; now <= 50_000; now++) rounds += pub.republishDue(now).length;
    expect(rounds).toBe(5);
    expect(s.signed.length).toBe(6);
  });

  test("a node's publications published in one burst come due at distinct ms of the period", () => {
    const pub = new Publisher({ self, salts: 2, pointerLifetimeMs: lifetime, republishMs: period, phaseOffset: 0.42 }, signer());
    const objects = Array.from({ length: 200 }, (_, i) => Guid.fromName(`burst ${i}`));
    for (const o of objects) pub.publish(o, '', 1_000);
    const perMs = new Map<number, number>();
    for (let now = 1_000; now <= 1_000 + period; now++) {
      const n = pub.republishDue(now).length / 2;
      if (n > 0) perMs.set(now, n);
    }
    expect([...perMs.values()].reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...perMs.values())).toBe(1);
    // Unpublished objects leave the schedule.
    for (const o of objects.slice(0, 100)) pub.unpublish(o);
    let after = 0;
    for (let now = 1_000 + period + 1; now <= 1_000 + 2 * period; now++) after += pub.republishDue(now).length / 2;
    expect(after).toBe(100);
  });
});
