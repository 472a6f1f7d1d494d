/**
 * No reflection and no drained budgets, on a simulated `signed` mesh: a forged join request and a
 * forged neighbour request that name a third party's address make the mesh send that address no more
 * bytes than the request; a flood of adopts from fresh GUIDs leaves the target's table and its routes.
 */
import { Guid } from '../../routing/guid';
import { WIRE_VERSION, type NodeHandle } from '../../routing/messages';
import { MEMBERSHIP_MODULE_ID, type MembershipMsg } from '../../membership/messages';
import { SeededRng } from '../../sim/random';
import type { SimTransport } from '../../transport/simNetwork';
import { encodeFrame, guidCheck } from '../../wire/codec';
import { encodeMembership } from '../../wire/membershipCodec';
import { SecureJoinNet } from '../helpers/signedNet';

const N = 16;
let net: SecureJoinNet;
const rng = new SeededRng(1515);

beforeAll(async () => {
  net = new SecureJoinNet(1515, 'signed');
  await net.joinOneByOne(N, 300);
  net.run(5_000);
}, 120_000);
afterAll(() => net.close());

/** An endpoint that only counts what reaches it. */
function listener(): { transport: SimTransport; bytes: () => number; datagrams: () => number } {
  const transport = net.network.createTransport();
  let bytes = 0;
  let datagrams = 0;
  transport.onReceive((b) => {
    bytes += b.length;
    datagrams++;
  });
  return { transport, bytes: () => bytes, datagrams: () => datagrams };
}

/** A membership message as a DirectMsg frame, its frame naming `sender`; returns the datagram's size. */
function sendForged(from: SimTransport, to: NodeHandle, sender: NodeHandle, msg: MembershipMsg): number {
  const frame = encodeFrame({
    version: WIRE_VERSION, sender, messageId: 0,
    body: { kind: 'direct', direct: { destCheck: guidCheck(to.guid), moduleId: MEMBERSHIP_MODULE_ID, payload: encodeMembership(msg), hops: 0 } },
  });
  from.send(to.address, frame);
  return frame.length;
}

const fresh = (): Guid => Guid.random(() => rng.int(256));

test('a forged join request naming a third party draws at most its own size to that party', () => {
  const attacker = listener();
  const victim = listener();
  let sent = 0;
  for (let i = 0; i < 4; i++) {
    const joining: NodeHandle = { guid: fresh(), address: victim.transport.local };
    sent += sendForged(attacker.transport, net.nodes[i].handle, { guid: fresh(), address: attacker.transport.local }, { kind: 'joinRequest', joinRequest: { joining, joinId: 77 + i } });
  }
  net.run(20_000);
  console.log(`forged joins: ${sent} B sent, victim got ${victim.datagrams()} datagrams, ${victim.bytes()} B`);
  expect(victim.bytes()).toBeLessThanOrEqual(sent);
  expect(net.nodes.reduce((s, n) => s + n.stats.membership.joinsUnverified, 0)).toBeGreaterThan(0);
});

test('a forged neighbour request naming a third party sends it nothing, and its source no more than it sent', () => {
  const attacker = listener();
  const victim = listener();
  let sent = 0;
  for (let i = 0; i < 8; i++) {
    const sender: NodeHandle = { guid: fresh(), address: victim.transport.local };
    sent += sendForged(attacker.transport, net.nodes[i].handle, sender, {
      kind: 'neighbourRequest',
      // Padded as the project's own nodes pad a first request, so a cookie fits in the answer.
      neighbourRequest: { requestId: 5 + i, level: 0, leafSet: i % 2 === 0, padding: 16 },
    });
  }
  net.run(10_000);
  console.log(`forged neighbour requests: ${sent} B sent, victim got ${victim.bytes()} B, source got ${attacker.bytes()} B`);
  expect(victim.bytes()).toBe(0);
  expect(attacker.bytes()).toBeLessThanOrEqual(sent);
  // Its frames named the victim's address, not their source: dropped before any answer.
  expect(net.nodes.reduce((s, n) => s + n.stats.router.directMisaddressed, 0)).toBeGreaterThanOrEqual(8);
});

test('an adopt flood from fresh GUIDs leaves the target its table and its routes', () => {
  const target = net.nodes[3];
  const before = target.table.size;
  const attacker = listener();
  // About 2,300 adopts a second for 5 s, each from a fresh GUID.
  for (let tick = 0; tick < 50; tick++) {
    for (let i = 0; i < 230; i++) {
      const sender: NodeHandle = { guid: fresh(), address: attacker.transport.local };
      sendForged(attacker.transport, target.handle, sender, { kind: 'adopt', adopt: { rttMs: 1, listsYou: true } });
    }
    net.run(100);
  }
  net.run(30_000);
  const m = target.stats.membership;
  console.log(`adopt flood: table ${before} → ${target.table.size}, limited ${m.challengesLimited}, refused ${m.challengesRefused}, failures ${m.failuresDetected}`);
  expect(m.challengesLimited).toBeGreaterThan(10_000);
  expect(target.status).toBe('ACTIVE');
  expect(target.table.size).toBeGreaterThanOrEqual(before);
  expect(m.failuresDetected).toBe(0);
  // Routes to the target from every other node arrive.
  let delivered = 0;
  const stop = target.register({ id: 12, name: 'probe', deliver: () => void delivered++ });
  for (const n of net.nodes) if (n !== target) n.route(target.guid, 'hello', { module: 12 });
  net.run(5_000);
  stop();
  expect(delivered).toBe(N - 1);
});
