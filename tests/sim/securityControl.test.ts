/**
 * Control messages against a 16-node `signed` mesh (issue 15): a hostile endpoint sends every node an
 * unsigned leave naming a victim, with a replacement handle {victim's GUID, attacker's address},
 * adopts from that handle, and relays each challenge it is sent to the real victim, passing the
 * victim's answers off as its own. Before, that removed the victim everywhere and pointed tables at
 * the attacker; now no table loses the victim or moves it, and every route to it arrives.
 */
import type { TapestryNode } from '../../api/node';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import { WIRE_VERSION, type Body } from '../../routing/messages';
import { SeededRng } from '../../sim/random';
import type { SimTransport } from '../../transport/simNetwork';
import { decodeFrame, encodeFrame, guidCheck } from '../../wire/codec';
import { encodeMembership } from '../../wire/membershipCodec';
import { MEMBERSHIP_MODULE_ID, type MembershipMsg } from '../../membership/messages';
import { recordDeliveries } from '../helpers/recorder';
import { SecureJoinNet } from '../helpers/signedNet';

/** An attacker at its own address claiming the victim's GUID, relaying challenges to the victim through a second socket. */
class Relay {
  readonly front: SimTransport;
  readonly back: SimTransport;
  /** Relayed ping nonce → the original ping's nonce and pinger address. */
  private readonly relayed = new Map<number, { nonce: number; to: Address }>();
  private next = 1;
  relays = 0;

  constructor(net: SecureJoinNet, private readonly victim: NodeHandle) {
    this.front = net.network.createTransport();
    this.back = net.network.createTransport();
    this.front.onReceive((bytes, from) => this.fromMesh(bytes, from));
    this.back.onReceive((bytes) => this.fromVictim(bytes));
  }

  get handle(): NodeHandle {
    return { guid: this.victim.guid, address: this.front.local };
  }

  send(t: SimTransport, to: Address, sender: NodeHandle, body: Body): void {
    t.send(to, encodeFrame({ version: WIRE_VERSION, sender, messageId: 0, body }));
  }

  membership(to: NodeHandle, sender: NodeHandle, msg: MembershipMsg): void {
    this.send(this.front, to.address, sender, { kind: 'direct', direct: { destCheck: guidCheck(to.guid), moduleId: MEMBERSHIP_MODULE_ID, payload: encodeMembership(msg), hops: 0 } });
  }

  /** A ping to the attacker: the same challenge goes to the victim in the pinger's name. */
  private fromMesh(bytes: Uint8Array, from: Address): void {
    const frame = decodeFrame(bytes);
    if (frame.body.kind !== 'ping') return;
    const nonce = this.next++;
    this.relayed.set(nonce, { nonce: frame.body.ping.nonce, to: from });
    this.relays++;
    this.send(this.back, this.victim.address, frame.sender, { kind: 'ping', ping: { ...frame.body.ping, nonce } });
  }

  /** The victim's pong: its proof goes on to the pinger as the attacker's own. */
  private fromVictim(bytes: Uint8Array): void {
    const frame = decodeFrame(bytes);
    if (frame.body.kind !== 'pong') return;
    const r = this.relayed.get(frame.body.pong.nonce);
    if (!r) return;
    this.send(this.front, r.to, this.handle, { kind: 'pong', pong: { ...frame.body.pong, nonce: r.nonce } });
  }
}

/** Routes one message from every other node to `target`; how many arrived there. */
function routesTo(nodes: readonly TapestryNode[], target: number, net: SecureJoinNet, module: number): number {
  const got = recordDeliveries(nodes, module);
  nodes.forEach((n, i) => i !== target && n.route(nodes[target].guid, `${i}`, { module }));
  net.run(20_000);
  return got.filter((d) => d.at === target && !d.ttlExpired).length;
}

const text = (a: Address): string => `${a.ip.join('.')}:${a.port}`;

/** Where each node lists `guid` (table/leaf set), by address ("-" when not at all). */
function whereListed(nodes: readonly TapestryNode[], guid: Guid): string[] {
  return nodes.map((n) => {
    const e = n.table.get(guid);
    const leaf = [...n.leafSet.smaller, ...n.leafSet.larger].find((h) => h.guid.equals(guid));
    return `${e ? text(e.handle.address) : '-'}/${leaf ? text(leaf.address) : '-'}`;
  });
}

test('forged leaves, adopts and a relayed challenge leave the victim listed at its own address and routed to', async () => {
  const net = new SecureJoinNet(33, 'signed', { repairMs: 0, heartbeatMs: 0 });
  await net.joinOneByOne(16, 300);
  const nodes = net.nodes;
  const v = 5;
  const victim = nodes[v].handle;
  const before = whereListed(nodes, victim.guid);
  const listers = before.filter((w) => w !== '-/-').length;
  expect(listers).toBeGreaterThan(3);
  expect(routesTo(nodes, v, net, 9)).toBe(15);

  const relay = new Relay(net, victim);
  const rng = new SeededRng(33);
  for (let round = 0; round < 3; round++) {
    nodes.forEach((n, i) => {
      if (i === v) return;
      // Unsigned, in the victim's name, and with the attacker's address as its replacement.
      relay.membership(n.handle, victim, { kind: 'leave', leave: { leaving: victim, replacement: relay.handle } });
      relay.membership(n.handle, relay.handle, { kind: 'leave', leave: { leaving: relay.handle, replacement: relay.handle } });
      // Padded as an honest adopt is, so the node challenges the relay (which passes the challenge to the victim).
      relay.membership(n.handle, relay.handle, { kind: 'adopt', adopt: { rttMs: 0.1 + rng.next(), listsYou: true, padding: DEFAULTS.adoptPaddingBytes } });
    });
    net.run(2_000);
  }
  expect(relay.relays).toBeGreaterThan(0);
  // Nobody moved the victim to the attacker's address, and nobody dropped it.
  expect(whereListed(nodes, victim.guid)).toEqual(before);
  expect(nodes.every((n) => ![...n.table.backpointers()].some((b) => b.guid.equals(victim.guid) && text(b.address) === text(relay.front.local)))).toBe(true);
  // Refused as leaves, or dropped before that for naming the victim's address from the relay's (directMisaddressed).
  expect(nodes.reduce((s, n) => s + n.stats.membership.leavesRefused + n.stats.router.directMisaddressed, 0)).toBeGreaterThanOrEqual(2 * 15 * 3);
  expect(routesTo(nodes, v, net, 10)).toBe(15);
  await net.close();
}, 60_000);
