/**
 * Mobile groups on a 200-node simulated mesh: a group of 4 mobile nodes led by a trunk moves
 * through 3 proxies. After each move every member gets every message once, none lost; messages sent
 * during a move are delivered once or rejected by name. The oracle for "one publish per group":
 * every node's pointer store, brute force — the group GUID's pointers name only the current proxy
 * and come from one publication (one sequence) covering each salted root, and the members' pointers
 * are their records at the trunk, untouched by the moves; and the nodes' own publish counters, summed
 * over the mesh, grow by 1 per move. Bounds are refused by name.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { mobile, type Mobile, type MobileSendResult } from '../../upcalls/mobile';
import { InvalidArgumentError, LimitExceededError } from '../../errors';
import { DEFAULTS } from '../../defaults';
import type { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { virtualTime } from '../helpers/virtualTime';
import { tallySendOutcomes } from '../helpers/sendOutcomes';

const N = 200;
const SALTS = DEFAULTS.salts;
const TRUNK = 10;
const MEMBERS = [10, 11, 12, 13]; // the trunk is a member too
const NAMES = ['bus-phone', 'bus-tablet', 'bus-camera', 'bus-sensor'];
const GROUP = 'bus-42';
const proxies = [50, 120, 33];
let net: Testnet;
let mob: Mobile[];
const vt = virtualTime(() => net, { step: 25 });
const received = new Map<string, number>();
const rng = new SeededRng(17);
const handle = (i: number) => net.nodes[i].handle;
const randomSender = () => {
  for (;;) {
    const s = rng.int(N);
    if (!MEMBERS.includes(s)) return s;
  }
};

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 33 });
  mob = net.nodes.map((n) => n.register(mobile()));
  MEMBERS.forEach((m, i) =>
    mob[m].onMessage((payload) => {
      const k = `${NAMES[i]}/${new TextDecoder().decode(payload)}`;
      received.set(k, (received.get(k) ?? 0) + 1);
    }),
  );
  await vt.advance(2_000);
  for (let i = 0; i < MEMBERS.length; i++) await vt.settle(mob[MEMBERS[i]].joinGroup(handle(TRUNK), { name: NAMES[i], group: GROUP }));
  await vt.settle(mob[TRUNK].attachGroup(GROUP, handle(proxies[0])));
  await vt.advance(5_000);
});
afterAll(() => net.close());

/** Every pointer for `object` in every node's store (brute force over the mesh). */
function pointers(object: Guid): Array<{ holder: number; server: string; sequence: number; salt: number }> {
  const out: Array<{ holder: number; server: string; sequence: number; salt: number }> = [];
  net.nodes.forEach((n, i) => {
    for (const p of n.localLookup(object)) out.push({ holder: i, server: p.server.guid.hex, sequence: p.sequence, salt: p.saltIndex });
  });
  return out;
}

/** The member records: member GUID hex → the sorted distinct sequences of its pointers. */
function memberRecords(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of NAMES) {
    const ps = pointers(mob[0].mobileGuid(name));
    for (const p of ps) expect(p.server).toBe(handle(TRUNK).guid.hex); // a record, never a proxy's pointer
    out.set(name, [...new Set(ps.map((p) => p.sequence))].sort().join(','));
  }
  return out;
}

/** The group GUID's pointers name only `proxy`, from one publication, reaching every salted root. */
function expectOnePublish(proxy: number): void {
  const ps = pointers(mob[0].groupGuid(GROUP));
  expect(ps.length).toBeGreaterThan(0);
  for (const p of ps) expect(p.server).toBe(handle(proxy).guid.hex);
  expect(new Set(ps.map((p) => p.sequence)).size).toBe(1);
  expect(new Set(ps.map((p) => p.salt))).toEqual(new Set(Array.from({ length: SALTS }, (_, i) => i)));
}

/** Sends `perMember` messages labelled `label:i` to every member from random senders and waits for all. */
async function batch(label: string, perMember: number, senders: number[]): Promise<Array<{ key: string; r: PromiseSettledResult<MobileSendResult> }>> {
  const sends: Array<{ key: string; p: Promise<MobileSendResult> }> = [];
  let k = 0;
  for (const name of NAMES) {
    for (let i = 0; i < perMember; i++) sends.push({ key: `${name}/${label}:${i}`, p: mob[senders[k++ % senders.length]].send(name, `${label}:${i}`) });
  }
  const rs = await vt.settle(Promise.allSettled(sends.map((s) => s.p)));
  return rs.map((r, i) => ({ key: sends[i].key, r }));
}

test('a group of 4 moves through 3 proxies: one publish of the group GUID per move, every member gets every message once', async () => {
  expectOnePublish(proxies[0]);
  const records = memberRecords();
  expect(mob[proxies[0]].stats().groupsHeld).toBe(1);
  expect(mob[proxies[0]].stats().groupMembersHeld).toBe(4);
  const senders = Array.from({ length: 12 }, randomSender);
  for (const { key, r } of await batch('attached', 5, senders)) {
    expect(r.status).toBe('fulfilled');
    expect(received.get(key)).toBe(1);
  }
  for (let move = 1; move < proxies.length; move++) {
    const publishedBefore = net.nodes.map((n) => n.stats.location.published);
    await vt.settle(mob[TRUNK].moveGroup(GROUP, handle(proxies[move])), 10_000);
    await vt.advance(1_000); // the trunk's notices of the new proxy reach the members
    for (const m of MEMBERS) expect(mob[m].proxy!.guid.equals(handle(proxies[move]).guid)).toBe(true);
    // Straight after the move: remembered proxies forward, fresh senders are redirected and locate.
    const results = await batch(`move${move}`, 5, [...senders, ...Array.from({ length: 12 }, randomSender)]);
    let retried = 0;
    for (const { key, r } of results) {
      expect(r.status).toBe('fulfilled');
      const v = (r as PromiseFulfilledResult<MobileSendResult>).value;
      if (v.retried) retried++;
      expect(received.get(key)).toBe(1);
    }
    await vt.advance(5_000); // the old proxy's withdrawal reaches every salted root
    expectOnePublish(proxies[move]);
    expect(memberRecords()).toEqual(records); // no member republished: one publish per group, not per member
    // Second count, the nodes' own: one publish call in the whole mesh for the move, at the new proxy.
    const grew = net.nodes.map((n, i) => n.stats.location.published - publishedBefore[i]);
    expect(grew.reduce((x, y) => x + y, 0)).toBe(1);
    expect(grew[proxies[move]]).toBe(1);
    const old = mob[proxies[move - 1]].stats();
    expect(old.groupsHeld).toBe(0);
    expect(old.groupForwardingEntries).toBe(1);
    console.log(
      `mobile group move ${move}: 20 sends to 4 members all acknowledged once (${old.groupForwardedDuringMove} forwarded by the old proxy so far, ${retried} retried); ` +
        `group GUID pointers all name the new proxy, one sequence over ${SALTS} salted roots; member records unchanged`,
    );
  }
  expect(mob[TRUNK].stats().groupMoves).toBe(2);
  // Senders reached the members through their records: the trunk redirected, the senders followed.
  expect(mob[TRUNK].stats().redirectsSent).toBeGreaterThan(0);
  const followed = mob.reduce((s, m) => s + m.stats().redirectsFollowed, 0);
  expect(followed).toBeGreaterThan(0);
  expect(followed).toBeLessThanOrEqual(mob[TRUNK].stats().redirectsSent);
  for (const [, n] of received) expect(n).toBe(1);
});

test('messages sent during a group move are each delivered once or rejected with a named error', async () => {
  const before = received.size;
  const sends: Array<{ key: string; p: Promise<MobileSendResult> }> = [];
  let moved: Promise<void> | undefined;
  for (let step = 0; step < 120; step++) {
    if (step === 30) moved = mob[TRUNK].moveGroup(GROUP, handle(proxies[0])); // back to the first proxy
    const m = rng.int(NAMES.length);
    const label = `during:${step}`;
    sends.push({ key: `${NAMES[m]}/${label}`, p: mob[randomSender()].send(NAMES[m], label) });
    await vt.advance(25);
  }
  await vt.settle(moved!);
  const outcomes = await vt.settle(Promise.allSettled(sends.map((s) => s.p)));
  const { delivered, rejected } = tallySendOutcomes(outcomes, sends.map((s) => s.key), received);
  expect(delivered + rejected).toBe(sends.length);
  expect(received.size - before).toBe(delivered);
  await vt.advance(5_000);
  expectOnePublish(proxies[0]);
  console.log(`mobile group: ${sends.length} sends over 3 s with a group move in the middle: ${delivered} delivered once, ${rejected} rejected, none lost`);
});

test('bounds and misuse are refused by name', async () => {
  // A member moves with its group only.
  expect(() => mob[MEMBERS[1]].move(handle(proxies[1]))).toThrow(InvalidArgumentError);
  // Members per group: the trunk refuses the join past mobileMaxGroupMembers.
  const FULL = 'full-group';
  const joiners = Array.from({ length: DEFAULTS.mobileMaxGroupMembers + 2 }, (_, i) => 100 + i)
    .filter((j) => !proxies.includes(j))
    .slice(0, DEFAULTS.mobileMaxGroupMembers + 1);
  const joins = await vt.settle(Promise.allSettled(joiners.map((j, i) => mob[j].joinGroup(handle(60), { name: `crowd-${i}`, group: FULL }))));
  expect(joins.filter((r) => r.status === 'fulfilled').length).toBe(DEFAULTS.mobileMaxGroupMembers);
  const refused = joins.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(refused.length).toBe(1);
  expect(refused[0].reason).toBeInstanceOf(LimitExceededError);
  expect(mob[60].stats().groupsLed).toBe(1);
  // The full group attaches in one publish; its members are reached through it.
  await vt.settle(mob[60].attachGroup(FULL, handle(proxies[1])));
  expect(mob[proxies[1]].stats().groupMembersHeld).toBe(DEFAULTS.mobileMaxGroupMembers);
  await vt.advance(2_000);
  const joinedName = `crowd-${joins.findIndex((r) => r.status === 'fulfilled')}`;
  const got = await vt.settle(mob[randomSender()].send(joinedName, 'to the crowd'));
  expect(got.proxy.guid.equals(handle(proxies[1]).guid)).toBe(true);
  // A proxy holding a group for one trunk refuses another trunk's group of the same GUID.
  await vt.settle(mob[91].joinGroup(handle(80), { name: 'rival', group: GROUP }));
  await expect(vt.settle(mob[80].attachGroup(GROUP, handle(proxies[0])))).rejects.toThrow(LimitExceededError);
  // Groups per trunk: one group each for mobileMaxLedGroups joiners, the next refused.
  const trunk = 70;
  const singles = Array.from({ length: DEFAULTS.mobileMaxLedGroups + 1 }, (_, i) => 171 + i);
  const led = await vt.settle(Promise.allSettled(singles.map((j, i) => mob[j].joinGroup(handle(trunk), { name: `solo-${i}`, group: `solo-group-${i}` }))));
  expect(led.filter((r) => r.status === 'fulfilled').length).toBe(DEFAULTS.mobileMaxLedGroups);
  const over = led.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(over.length).toBe(1);
  expect(over[0].reason).toBeInstanceOf(LimitExceededError);
  expect(mob[trunk].stats().groupsLed).toBe(DEFAULTS.mobileMaxLedGroups);
  // A trunk cannot move or attach a group it does not lead, nor be its own group's proxy.
  expect(() => mob[trunk].moveGroup('nobody-joined', handle(proxies[1]))).toThrow(InvalidArgumentError);
  expect(() => mob[TRUNK].attachGroup(GROUP, handle(TRUNK))).toThrow(InvalidArgumentError);
  await expect(mob[TRUNK].attachGroup(GROUP, handle(proxies[1]))).rejects.toThrow(InvalidArgumentError); // attached already
});
