/**
 * Scribe-mode tree state driven over a random routing tree (each node's next hop toward the root is
 * fixed), against the oracle: the tree is the union of the paths from the current members to the
 * root, each node's children are the on-tree nodes whose next hop it is, and data from the root
 * reaches every on-tree node exactly once.
 */
import fc from 'fast-check';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { ScribeState } from '../../upcalls/bayeux/scribeState';

const SESSION = Guid.fromName('session');
const h = (i: number): NodeHandle => ({ guid: Guid.fromName(`n${i}`), address: { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 1000 + i } });

test('joins and leaves keep exactly the union of the members\' paths, and data reaches it once', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 25 }).chain((n) => fc.tuple(
        fc.constant(n),
        // parent[i] < i: node 0 is the root, every route goes down the indices.
        fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.nat(i))),
        fc.array(fc.tuple(fc.boolean(), fc.nat(n - 1)), { maxLength: 40 }),
      )),
      ([n, parents, ops]) => {
        const parent = (i: number) => (i === 0 ? undefined : parents[i - 1]);
        const nodes = Array.from({ length: n }, () => new ScribeState({ maxSessions: 4, maxChildrenPerSession: 64 }));
        const members = new Set<number>();
        for (const [joining, m] of ops) {
          if (joining && !members.has(m)) {
            members.add(m);
            nodes[m].becomeMember(SESSION, parent(m) === undefined ? undefined : h(parent(m)!));
            // The JOIN walks toward the root until a node already on the tree absorbs it.
            let prev = m;
            let at = parent(m);
            let onTreeVisits = 0; // a JOIN ends at the first node already on the tree
            while (at !== undefined) {
              if (nodes[at].onTree(SESSION)) onTreeVisits++;
              expect(onTreeVisits).toBeLessThanOrEqual(1);
              const p = parent(at);
              const step = nodes[at].join(SESSION, h(prev), p === undefined ? undefined : h(p), 1e9);
              expect(step.kind).not.toBe('full');
              if (step.kind === 'absorbed') break;
              prev = at;
              at = p;
            }
          } else if (!joining && members.has(m)) {
            members.delete(m);
            let out = nodes[m].leave(SESSION);
            let from = m;
            while (out.leftTree && out.notify) {
              const up = Number(out.notify.address.port) - 1000;
              out = nodes[up].leave(SESSION, h(from).guid);
              from = up;
            }
          }
          // Oracle: the union of the paths from members to the root.
          const onTree = new Set<number>();
          for (const mm of members) for (let x: number | undefined = mm; x !== undefined; x = parent(x)) onTree.add(x);
          for (let i = 0; i < n; i++) {
            expect(nodes[i].onTree(SESSION)).toBe(onTree.has(i));
            const kids = nodes[i].children(SESSION).map((c) => c.address.port - 1000).sort((a, b) => a - b);
            expect(kids).toEqual([...onTree].filter((y) => parent(y) === i).sort((a, b) => a - b));
          }
          // Data from the root: each on-tree node reached once, nothing else.
          if (onTree.has(0)) {
            const reached = new Map<number, number>();
            const queue = [0];
            while (queue.length) {
              const x = queue.shift()!;
              reached.set(x, (reached.get(x) ?? 0) + 1);
              for (const c of nodes[x].children(SESSION)) queue.push(c.address.port - 1000);
            }
            expect([...reached.keys()].sort((a, b) => a - b)).toEqual([...onTree].sort((a, b) => a - b));
            for (const count of reached.values()) expect(count).toBe(1);
          }
        }
        // Everyone left: no state anywhere.
        for (const mm of [...members]) {
          members.delete(mm);
          let out = nodes[mm].leave(SESSION);
          let from = mm;
          while (out.leftTree && out.notify) {
            const up = out.notify.address.port - 1000;
            out = nodes[up].leave(SESSION, h(from).guid);
            from = up;
          }
        }
        for (const node of nodes) expect(node.counts()).toEqual({ sessions: 0, children: 0, memberships: 0 });
      },
    ),
    { numRuns: 200 },
  );
});

test('expire removes exactly the lapsed children, and the node leaves (telling its parent) only when no child and no member is left', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(2), fc.nat(5), fc.nat(100)), { maxLength: 30 }),
      fc.uniqueArray(fc.nat(2), { maxLength: 3 }),
      fc.nat(100),
      (joins, memberOf, now) => {
        const state = new ScribeState({ maxSessions: 4, maxChildrenPerSession: 64 });
        const session = (s: number) => Guid.fromName(`s${s}`);
        const parentOf = (s: number) => (s === 0 ? undefined : h(50 + s)); // session 0: this node is the root
        // The model: session → child → its expiry (the latest join wins).
        const model = new Map<number, Map<number, number>>();
        for (const s of memberOf) {
          state.becomeMember(session(s), parentOf(s));
          model.set(s, new Map());
        }
        for (const [s, c, exp] of joins) {
          state.join(session(s), h(c), parentOf(s), exp);
          if (!model.has(s)) model.set(s, new Map());
          model.get(s)!.set(c, exp);
        }
        const out = new Map(state.expire(now).map((l) => [l.session, l]));
        for (const [s, kids] of model) {
          const lapsed = [...kids].filter(([, exp]) => exp <= now).map(([c]) => h(c).guid.hex).sort();
          const leaves = !memberOf.includes(s) && lapsed.length === kids.size;
          const got = out.get(session(s).hex);
          if (lapsed.length === 0 && !leaves) expect(got).toBeUndefined();
          else {
            expect(got?.expired.map((n) => n.guid.hex).sort()).toEqual(lapsed);
            expect(got?.leftTree).toBe(leaves);
            expect(got?.notify?.guid.hex).toBe(leaves ? parentOf(s)?.guid.hex : undefined);
          }
          expect(state.onTree(session(s))).toBe(!leaves);
          expect(state.childCount(session(s))).toBe(kids.size - lapsed.length);
        }
        expect(out.size).toBe([...out.keys()].filter((hex) => [...model.keys()].some((s) => session(s).hex === hex)).length);
      },
    ),
    { numRuns: 300 },
  );
});
