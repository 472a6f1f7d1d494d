/**
 * Bayeux forwarding state against a plain model: a list of (session, member, next hop, upstream,
 * expiry) records, where fan-out is the distinct next hops of the records from one upstream, and
 * counts are computed by brute force after every operation of a random sequence.
 */
import fc from 'fast-check';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { ForwardingState } from '../../upcalls/bayeux/forwardingState';

const g = (i: number) => Guid.fromName(`n${i}`);
const h = (i: number): NodeHandle => ({ guid: g(i), address: { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 1000 + i } });

type Op =
  | { op: 'record'; s: number; m: number; hop: number; up: number; exp: number }
  | { op: 'remove'; s: number; m: number }
  | { op: 'drop'; s: number }
  | { op: 'expire'; now: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('record' as const), s: fc.nat(2), m: fc.nat(7), hop: fc.nat(4), up: fc.nat(2), exp: fc.nat(100) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), s: fc.nat(2), m: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), s: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), now: fc.nat(100) }) },
);

interface Rec { s: number; m: number; hop: number; up: number; exp: number }

test('fan-out, prune targets, teardown targets and counts equal a brute-force model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 8 }), (ops, maxSessions, maxEntries) => {
      const state = new ForwardingState({ maxSessions, maxEntriesPerSession: maxEntries });
      let model: Rec[] = [];
      for (const o of ops) {
        if (o.op === 'record') {
          const i = model.findIndex((r) => r.s === o.s && r.m === o.m);
          const sessions = new Set(model.map((r) => r.s));
          const expected = i >= 0 ? 'refreshed'
            : !sessions.has(o.s) && sessions.size >= maxSessions ? 'sessionsFull'
            : model.filter((r) => r.s === o.s).length >= maxEntries ? 'entriesFull' : 'added';
          expect(state.record(g(100 + o.s), g(o.m), h(o.hop), g(o.up), o.exp)).toBe(expected);
          if (i >= 0) model[i] = { ...o };
          else if (expected === 'added') model.push({ ...o });
        } else if (o.op === 'remove') {
          const r = model.find((x) => x.s === o.s && x.m === o.m);
          expect(state.remove(g(100 + o.s), g(o.m))?.guid.hex).toBe(r ? g(r.hop).hex : undefined);
          model = model.filter((x) => x !== r);
        } else if (o.op === 'drop') {
          const hops = new Set(model.filter((x) => x.s === o.s).map((x) => g(x.hop).hex));
          expect(new Set(state.drop(g(100 + o.s)).map((x) => x.guid.hex))).toEqual(hops);
          model = model.filter((x) => x.s !== o.s);
        } else {
          // The lapsed entries it answers are the model's, with their next hops.
          const gone = model.filter((x) => x.exp <= o.now).map((x) => `${g(100 + x.s).hex}:${g(x.m).hex}:${g(x.hop).hex}`);
          expect(state.expire(o.now).map((x) => `${x.session}:${x.member}:${x.nextHop.guid.hex}`).sort()).toEqual(gone.sort());
          model = model.filter((x) => x.exp > o.now);
        }
        for (let s = 0; s <= 2; s++) {
          for (let up = 0; up <= 2; up++) {
            const fan = state.fanout(g(100 + s), g(up).hex).map((x) => x.guid.hex);
            expect(fan.length).toBe(new Set(fan).size); // one copy per next hop
            expect(new Set(fan)).toEqual(new Set(model.filter((x) => x.s === s && x.up === up).map((x) => g(x.hop).hex)));
          }
          // usesNextHop and the per-session counts are kept incrementally: each against the model.
          const hops = new Set(model.filter((x) => x.s === s).map((x) => x.hop));
          for (let hop = 0; hop <= 4; hop++) expect(state.usesNextHop(g(100 + s), g(hop).hex)).toBe(hops.has(hop));
          expect(state.sessionCounts(g(100 + s))).toEqual({ entries: model.filter((x) => x.s === s).length, children: hops.size });
        }
        const sessions = new Set(model.map((x) => x.s));
        const children = [...sessions].reduce((sum, s) => sum + new Set(model.filter((x) => x.s === s).map((x) => x.hop)).size, 0);
        expect(state.counts()).toEqual({ sessions: sessions.size, entries: model.length, children });
      }
    }),
    { numRuns: 300 },
  );
});

test('removing every member frees the state; membersVia names the entries through a node', () => {
  const state = new ForwardingState({ maxSessions: 4, maxEntriesPerSession: 16 });
  for (let m = 0; m < 10; m++) state.record(g(100), g(m), h(m % 3), g(50), 1_000);
  expect(state.membersVia(g(1).hex).map((x) => x.member).sort()).toEqual([1, 4, 7].map((m) => g(m).hex).sort());
  for (let m = 0; m < 10; m++) expect(state.remove(g(100), g(m))?.guid.hex).toBe(g(m % 3).hex);
  expect(state.counts()).toEqual({ sessions: 0, entries: 0, children: 0 });
  expect(state.remove(g(100), g(0))).toBeUndefined();
});
