/**
 * The two join modes' childAdded / childRemoved events against their own state, over random
 * sequences of what reaches a node (TREEs and JOINs passing, PRUNEs, LEAVEs, heartbeats, failed
 * neighbours, expiry ticks, teardown). The oracle is the state read another way: the children the
 * events leave standing (added, not removed since) are exactly the next hops fanout() answers
 * (Bayeux: the union over every upstream; Scribe: the children), and no child is told added or
 * removed twice in a row. Every removal on expiry is told with reason 'expired'.
 */
import fc from 'fast-check';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import type { ForwardContext, ModuleContext } from '../../upcalls/contract';
import type { BayeuxEvents } from '../../upcalls/bayeux/api';
import { BayeuxMode } from '../../upcalls/bayeux/bayeuxMode';
import type { BayeuxMsg } from '../../upcalls/bayeux/messages';
import { parseBayeuxOptions } from '../../upcalls/bayeux/options';
import { ScribeMode } from '../../upcalls/bayeux/scribeMode';
import type { BayeuxCounters, TreeHost, TreeMode } from '../../upcalls/bayeux/treeMode';
import { treeGuid } from '../../upcalls/bayeux/treeGuid';

const h = (i: number): NodeHandle => ({ guid: Guid.fromName(`n${i}`), address: { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 1000 + i } });
const SELF = h(99);
const SESSION = Guid.fromName('session');
const TREE = treeGuid(SESSION, 0);
const cfg = parseBayeuxOptions({ refreshMs: 100, entryLifetimeMs: 300, requestTimeoutMs: 50 });
/** Neighbours 0..5 (next hops, upstreams, Scribe children and parents); members 10..15. */
const NEIGHBOURS = [0, 1, 2, 3, 4, 5];

type Removed = BayeuxEvents['childRemoved'];

class FakeHost implements TreeHost {
  now = 0;
  readonly ctx = { self: SELF, now: () => this.now } as unknown as ModuleContext;
  readonly cfg = cfg;
  readonly counts = {} as BayeuxCounters;
  readonly events: Array<{ event: 'childAdded' | 'childRemoved'; child: string; reason?: Removed['reason'] }> = [];
  constructor() {
    for (const k of ['joinsSent', 'answered', 'joinTimeouts', 'multicasts', 'dataSent', 'delivered', 'duplicates', 'droppedFull', 'droppedNotRoot',
      'teardownsRefused', 'repairs', 'parentLosses', 'prunesSent', 'malformed', 'appErrors'] as const) this.counts[k] = 0;
  }
  /** The mode, so that a route from this node passes its forward() at once, as the router does at the source. */
  mode?: TreeMode;
  /** The neighbour being reported failed: routes avoid it. */
  failed?: number;
  send(): void {}
  route(dest: Guid, m: BayeuxMsg): void {
    // A repair's TREE (Bayeux) leaves this node toward the first neighbour that is not the failed one.
    if (m.kind === 'tree' && !dest.equals(SELF.guid)) this.mode?.forward(m, at(NEIGHBOURS.find((i) => i !== this.failed)!, undefined));
  }
  locator(session: Guid): Guid {
    return session;
  }
  isRoot(): boolean {
    return true;
  }
  answered(): void {}
  placeLost(): void {}
  arm(): void {}
  emit<E extends keyof BayeuxEvents>(event: E, e: BayeuxEvents[E]): void {
    if (event === 'childAdded' || event === 'childRemoved') {
      const c = e as BayeuxEvents['childRemoved'];
      this.events.push({ event, child: c.child.guid.hex, reason: c.reason });
    }
  }
}

const msg = (kind: BayeuxMsg['kind'], node: NodeHandle): BayeuxMsg => ({ kind, session: SESSION, replica: 0, node, seq: 0, payload: new Uint8Array(0), replicas: 0, relayed: false });
const at = (nextHop: number, from: number | undefined): ForwardContext => ({
  dest: TREE, source: SELF, hops: 0, fuzzy: false, nextHop: h(nextHop), payload: new Uint8Array(0), ...(from === undefined ? {} : { from: h(from) }),
});

type Op =
  | { op: 'pass'; who: number; hop: number; from?: number }
  | { op: 'prune'; who: number; from: number }
  | { op: 'leave'; who: number }
  | { op: 'beat'; who: number }
  | { op: 'gone'; who: number }
  | { op: 'tick'; dt: number }
  | { op: 'drop' };

const node = fc.constantFrom(...NEIGHBOURS);
const member = fc.constantFrom(10, 11, 12, 13, 14, 15);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('pass' as const), who: fc.oneof(member, node), hop: node, from: fc.option(node, { nil: undefined }) }, { requiredKeys: ['op', 'who', 'hop'] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('prune' as const), who: member, from: node }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), who: fc.oneof(member, node) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('beat' as const), who: node }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gone' as const), who: node }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 250 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const) }) },
);

function apply(mode: TreeMode, host: FakeHost, o: Op, scribe: boolean): void {
  switch (o.op) {
    case 'pass':
      // Bayeux: a TREE for member `who` passes toward `hop`. Scribe: a JOIN from child `who` passes toward parent `hop`
      // (with no `from`: this node's own JOIN, which makes it a member).
      return void mode.forward(msg(scribe ? 'join' : 'tree', h(o.who)), scribe ? at(o.hop, o.from === undefined ? undefined : o.who) : at(o.hop, o.from));
    case 'prune':
      return mode.control(msg('prune', h(o.who)), false, h(o.from));
    case 'leave':
      return mode.control(msg('leave', h(o.who)), false, h(o.who));
    case 'beat':
      // A child's heartbeat (Scribe) or JOIN at the root (Bayeux: answered by a TREE, routed by the host).
      return mode.control(msg('join', h(o.who)), false, h(o.who));
    case 'gone':
      host.failed = o.who;
      mode.neighbourGone(h(o.who));
      host.failed = undefined;
      return;
    case 'tick':
      host.now += o.dt;
      return void mode.tick(host.now);
    case 'drop':
      return void mode.drop(TREE);
  }
}

/** The children the state holds, read by where data goes (Bayeux: from any upstream, this node's own included). */
function stateChildren(mode: TreeMode, scribe: boolean): string[] {
  const from = scribe ? [SELF.guid.hex] : [SELF.guid.hex, ...NEIGHBOURS.map((i) => h(i).guid.hex)];
  return [...new Set(from.flatMap((f) => mode.fanout(TREE, f).map((n) => n.guid.hex)))].sort();
}

describe.each(['bayeux', 'scribe'] as const)('%s mode', (name) => {
  test('the children the events leave standing are the state\'s children, each told once per change', () => {
    const scribe = name === 'scribe';
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const host = new FakeHost();
        const mode: TreeMode = scribe ? new ScribeMode(host) : new BayeuxMode(host);
        host.mode = mode;
        const standing = new Set<string>();
        for (const o of ops) {
          const from = host.events.length;
          const before = stateChildren(mode, scribe);
          apply(mode, host, o, scribe);
          for (const e of host.events.slice(from)) {
            // Added only when not standing, removed only when standing: never twice in a row.
            expect([e.event, e.child, standing.has(e.child)]).toEqual([e.event, e.child, e.event === 'childRemoved']);
            if (e.event === 'childAdded') standing.add(e.child);
            else standing.delete(e.child);
            if (o.op === 'tick' && e.event === 'childRemoved') expect(scribe ? ['expired', 'placeLost'] : ['expired']).toContain(e.reason);
            if (o.op === 'drop') expect(e.reason).toBe('teardown');
          }
          expect([...standing].sort()).toEqual(stateChildren(mode, scribe));
          // A tick that removed children told of each (Bayeux: every lapse is an expiry).
          if (o.op === 'tick' && !scribe) {
            const gone = before.filter((c) => !stateChildren(mode, scribe).includes(c));
            expect(host.events.slice(from).filter((e) => e.reason === 'expired').map((e) => e.child).sort()).toEqual(gone);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
