/**
 * Mobile groups' pure parts: the proxy's group table (against a plain model of its rules, random
 * operations), the trunk's table (bounds, one group per member), and the group messages' codec
 * (round trip, every limit written in messages.proto).
 */
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { SeededRng } from '../../sim/random';
import { DecodeError } from '../../errors';
import { DEFAULTS } from '../../defaults';
import { GroupProxyTable, TrunkTable } from '../../upcalls/mobile/groupTable';
import type { ProxyRoute } from '../../upcalls/mobile/proxyTable';
import type { GroupMember, MobileMsg } from '../../upcalls/mobile/messages';
import { decodeMobile, encodeMobile } from '../../wire/mobileCodec';
import { schema } from '../../wire/fields';

const g = (s: string) => Guid.fromName(s);
const h = (s: string, port = 4000): NodeHandle => ({ guid: g(s), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 2), port } });
const member = (s: string): GroupMember => ({ mobile: g(`m:${s}`), node: h(`node:${s}`) });

describe('GroupProxyTable', () => {
  const limits = { maxGroups: 2, maxMembers: 3, maxForwarding: 1, forwardingMs: 1_000, maxForwards: 3 };

  test('one publish per group; members routed; a move leaves a forwarding entry that expires', () => {
    const t = new GroupProxyTable(limits);
    const trunk = h('trunk');
    const ms = [member('a'), member('b'), member('c')];
    expect(t.route(ms[0].mobile.hex, 0, 0)).toBeUndefined();
    expect(t.attach('G', trunk, ms)).toEqual({ status: 'ok', publish: true });
    expect(t.attach('G', trunk, ms.slice(0, 2))).toEqual({ status: 'ok', publish: false }); // the list again: no new publish
    expect(t.route(ms[2].mobile.hex, 0, 0)).toBeUndefined(); // dropped from the list
    expect(t.attach('G', trunk, ms)).toEqual({ status: 'ok', publish: false });
    expect(t.attach('G', h('thief'), ms)).toEqual({ status: 'refused', publish: false });
    for (const m of ms) expect(t.route(m.mobile.hex, 0, 0)).toEqual({ kind: 'toMobile', node: m.node });
    expect(t.detach('G', h('thief'), 0, h('p2'))).toBe('unknown');
    expect(t.detach('G', trunk, 100, h('p2'))).toBe('ok');
    expect(t.groups).toBe(0);
    expect(t.members).toBe(0);
    for (const m of ms) expect(t.route(m.mobile.hex, 0, 500)).toEqual({ kind: 'toProxy', proxy: h('p2') });
    expect(t.route(ms[0].mobile.hex, 3, 500)).toEqual({ kind: 'nack' });
    expect(t.nextExpiry()).toBe(1_100);
    t.expire(1_100);
    expect(t.forwardingEntries).toBe(0);
    expect(t.route(ms[0].mobile.hex, 0, 1_100)).toBeUndefined();
  });

  test('bounds: groups per proxy, members per group, one group per member, forwarding entries', () => {
    const t = new GroupProxyTable(limits);
    expect(t.attach('G1', h('t1'), [member('a')]).status).toBe('ok');
    expect(t.attach('G2', h('t2'), [member('b')]).status).toBe('ok');
    expect(t.attach('G3', h('t3'), [member('c')]).status).toBe('refused'); // maxGroups 2
    expect(t.attach('G1', h('t1'), ['a', 'd', 'e', 'f'].map(member)).status).toBe('refused'); // maxMembers 3
    expect(t.attach('G1', h('t1'), []).status).toBe('refused');
    expect(t.attach('G1', h('t1'), [member('b')]).status).toBe('refused'); // b is G2's
    expect(t.detach('G1', h('t1'), 0, h('p'))).toBe('ok');
    expect(t.detach('G2', h('t2'), 0, h('p'))).toBe('ok');
    expect(t.forwardingEntries).toBe(1); // maxForwarding 1: the second move is not forwarded
    expect(t.route(member('b').mobile.hex, 0, 1)).toBeUndefined();
    // Coming back drops the forwarding entry.
    expect(t.attach('G1', h('t1'), [member('a')])).toEqual({ status: 'ok', publish: true });
    expect(t.forwardingEntries).toBe(0);
    expect(t.route(member('a').mobile.hex, 0, 1)).toEqual({ kind: 'toMobile', node: member('a').node });
  });

  test('agrees with a plain model over random attaches, detaches, expiries and routes', () => {
    const rng = new SeededRng(11);
    const L = { maxGroups: 3, maxMembers: 4, maxForwarding: 2, forwardingMs: 300, maxForwards: 2 };
    const t = new GroupProxyTable(L);
    const held = new Map<string, { trunk: string; members: Map<string, NodeHandle> }>();
    const fwd = new Map<string, { to: NodeHandle; until: number; members: string[] }>();
    const trunks = ['t0', 't1', 't2', 't3'];
    const groups = ['G0', 'G1', 'G2', 'G3', 'G4'];
    const pool = Array.from({ length: 10 }, (_, i) => member(`x${i}`));
    let now = 0;
    const seen = new Set<string>();
    const modelRoute = (m: string, forwards: number): ProxyRoute | undefined => {
      for (const v of held.values()) {
        const node = v.members.get(m);
        if (node) return { kind: 'toMobile', node };
      }
      // The most recent move that lists the member (a member that changed groups may be in two).
      const f = [...fwd.values()].reverse().find((e) => e.members.includes(m));
      if (!f) return undefined;
      return f.until > now && forwards < L.maxForwards ? { kind: 'toProxy', proxy: f.to } : { kind: 'nack' };
    };
    for (let i = 0; i < 3_000; i++) {
      const op = rng.int(5);
      const group = groups[rng.int(groups.length)];
      const trunk = trunks[rng.int(trunks.length)];
      if (op === 0) {
        const list = [...new Set(Array.from({ length: rng.int(6) }, () => rng.int(pool.length)))].map((k) => pool[k]);
        const prev = held.get(group);
        const clash = list.some((m) => [...held].some(([k, v]) => k !== group && v.members.has(m.mobile.hex)));
        const ok = !(prev && prev.trunk !== trunk) && !(!prev && held.size >= L.maxGroups) && list.length > 0 && list.length <= L.maxMembers && !clash;
        expect(t.attach(group, h(trunk), list)).toEqual({ status: ok ? 'ok' : 'refused', publish: ok && !prev });
        if (ok) {
          held.set(group, { trunk, members: new Map(list.map((m) => [m.mobile.hex, m.node])) });
          fwd.delete(group);
        }
      } else if (op === 1) {
        const v = held.get(group);
        const ok = v !== undefined && v.trunk === trunk;
        const to = rng.int(2) ? h(`p${rng.int(3)}`) : undefined;
        expect(t.detach(group, h(trunk), now, to)).toBe(ok ? 'ok' : 'unknown');
        if (ok) {
          held.delete(group);
          fwd.delete(group);
          if (to && fwd.size < L.maxForwarding) fwd.set(group, { to, until: now + L.forwardingMs, members: [...v.members.keys()] });
        }
      } else if (op === 2) {
        now += rng.int(100);
        t.expire(now);
        for (const [k, f] of fwd) if (f.until <= now) fwd.delete(k);
      } else {
        const m = pool[rng.int(pool.length)].mobile.hex;
        const forwards = rng.int(3);
        const want = modelRoute(m, forwards);
        seen.add(want?.kind ?? 'none');
        expect(t.route(m, forwards, now)).toEqual(want);
      }
      expect(t.groups).toBe(held.size);
      expect(t.forwardingEntries).toBe(fwd.size);
    }
    expect(seen).toEqual(new Set(['toMobile', 'toProxy', 'nack', 'none'])); // every kind of answer was compared
  });
});

test('TrunkTable: bounded groups and members, one group per member, a repeated join is no new record', () => {
  const t = new TrunkTable({ maxGroups: 2, maxMembers: 2 });
  expect(t.join(g('G1'), member('a'))).toEqual({ status: 'ok', added: true });
  expect(t.join(g('G1'), member('a'))).toEqual({ status: 'ok', added: false });
  expect(t.join(g('G1'), { mobile: member('a').mobile, node: h('impostor') })).toEqual({ status: 'refused', added: false });
  expect(t.join(g('G2'), member('a')).status).toBe('refused'); // a is G1's
  expect(t.join(g('G1'), member('b')).status).toBe('ok');
  expect(t.join(g('G1'), member('c')).status).toBe('refused'); // maxMembers 2
  expect(t.join(g('G2'), member('c')).status).toBe('ok');
  expect(t.join(g('G3'), member('d')).status).toBe('refused'); // maxGroups 2
  expect(t.size).toBe(2);
  expect(t.groupOf(member('b').mobile.hex)).toBe(g('G1').hex);
  expect(t.groupOf(member('d').mobile.hex)).toBeUndefined();
  expect([...t.get(g('G1').hex)!.members.keys()]).toEqual([member('a').mobile.hex, member('b').mobile.hex]);
});

describe('mobile group codec', () => {
  const msgs: MobileMsg[] = [
    { kind: 'groupJoin', mobile: g('M'), group: g('G'), requestId: 1 },
    { kind: 'groupAttach', group: g('G'), requestId: 2, members: [member('a'), member('b')] },
    { kind: 'groupDetach', group: g('G'), requestId: 3 },
    { kind: 'groupDetach', group: g('G'), requestId: 3, newProxy: h('p') },
    { kind: 'redirect', mobile: g('M'), group: g('G'), sendId: 4 },
    { kind: 'groupProxy', group: g('G'), proxy: h('p', 7) },
  ];
  const text = (m: unknown) => JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v));
  test('every group message round-trips', () => {
    for (const m of msgs) expect(text(decodeMobile(encodeMobile(m), { idBytes: 20 }))).toBe(text(m));
  });
  test('mutated group messages decode to a valid message or throw DecodeError, nothing else', () => {
    const rng = new SeededRng(23);
    let threw = 0;
    for (let i = 0; i < 5_000; i++) {
      const b = Uint8Array.from(encodeMobile(msgs[rng.int(msgs.length)]));
      for (let k = 1 + rng.int(3); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
      try {
        const m = decodeMobile(b, { idBytes: 20 });
        if (m.kind === 'groupAttach') expect(m.members.length).toBeLessThanOrEqual(DEFAULTS.mobileMaxGroupMembers);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(0);
  });
  test('limits: members per attach, empty or repeated members, GUID widths, id 0, missing handles', () => {
    const many = Array.from({ length: DEFAULTS.mobileMaxGroupMembers }, (_, i) => member(`n${i}`));
    expect((decodeMobile(encodeMobile({ kind: 'groupAttach', group: g('G'), requestId: 1, members: many }), { idBytes: 20 }) as Extract<MobileMsg, { kind: 'groupAttach' }>).members).toHaveLength(many.length);
    const wide = Guid.fromName('W', 256);
    const bad = [
      encodeMobile({ kind: 'groupAttach', group: g('G'), requestId: 1, members: [...many, member('over')] }),
      encodeMobile({ kind: 'groupAttach', group: g('G'), requestId: 1, members: [] }),
      encodeMobile({ kind: 'groupAttach', group: g('G'), requestId: 1, members: [member('a'), member('a')] }),
      encodeMobile({ kind: 'groupAttach', group: g('G'), requestId: 1, members: [{ mobile: wide, node: h('n') }] }),
      encodeMobile({ kind: 'groupJoin', mobile: g('M'), group: wide, requestId: 1 }),
      encodeMobile({ kind: 'groupJoin', mobile: g('M'), group: g('G'), requestId: 0 }),
      encodeMobile({ kind: 'redirect', mobile: g('M'), group: g('G'), sendId: 0 }),
      encodeMobile({ kind: 'redirect', mobile: g('M'), group: wide, sendId: 1 }),
      encodeMobile({ kind: 'groupDetach', group: wide, requestId: 1 }),
    ];
    for (const b of bad) expect(() => decodeMobile(b, { idBytes: 20 })).toThrow(DecodeError);
    // Required handles: a group proxy notice without its proxy, a member without its node.
    const T = schema.lookupType('tapestry.MobileMsg');
    const noProxy = T.encode({ groupProxy: { group: g('G').bytes } }).finish();
    const noNode = T.encode({ groupAttach: { group: g('G').bytes, requestId: 1, members: [{ mobile: g('m').bytes }] } }).finish();
    for (const b of [noProxy, noNode]) expect(() => decodeMobile(b, { idBytes: 20 })).toThrow(/missing/);
  });
});
