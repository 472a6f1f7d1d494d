/**
 * A heartbeat to a neighbour that already proved its GUID asks for no new proof. Its pong therefore
 * proves nothing: a forged pong to such a ping, naming a GUID its sender holds no key for, must not
 * make that GUID count as proven (which would let it into tables and leaf sets unsigned).
 */
import bunyan from 'bunyan';
import { MembershipRuntime, type MembershipHost } from '../../actors/membershipRuntime';
import { RouterRuntime, type PingOptions } from '../../actors/routerRuntime';
import { DEFAULT_SPACE, Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { RoutingTable } from '../../routing/routingTable';
import { Identity } from '../../security/identity';
import { SignedSecurityProvider } from '../../security/signedProvider';
import type { Address, Transport } from '../../transport/types';
import { decodeFrame, encodeFrame } from '../../wire/codec';
import { WIRE_VERSION } from '../../routing/messages';

const addr = (last: number, port: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port });

function node(): { router: RouterRuntime; membership: MembershipRuntime; sent: Uint8Array[] } {
  const log = bunyan.createLogger({ name: 'test', level: 'fatal' });
  const security = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(9)));
  const self: NodeHandle = { guid: security.identity.guid(), address: addr(1, 1000) };
  const table = new RoutingTable(self, DEFAULT_SPACE);
  const sent: Uint8Array[] = [];
  const transport = { local: self.address, mtu: 1400, send: (_to: Address, bytes: Uint8Array) => void sent.push(bytes), onReceive: () => {}, close: async () => {} } as unknown as Transport;
  const router = new RouterRuntime({ self, table, space: DEFAULT_SPACE, transport, now: () => 0, log, security, clock: { now: () => 0, setTimeout: () => undefined, clearTimeout: () => {} } });
  const host = {
    self, table, space: DEFAULT_SPACE, log, security, locator: {} as never, now: () => 0,
    route: () => {}, sendDirect: () => {}, after: () => () => {}, health: router.health, peersChanged: () => {}, neighbourUpdate: () => {},
    ping: (to: Address, _ms: number, done: Parameters<MembershipHost['ping']>[2], opts?: PingOptions) => router.ping(to, 1_000, done, opts),
  } as MembershipHost;
  const membership = new MembershipRuntime(host, { k: 4, requestTimeoutMs: 1_000, joinTimeoutMs: 1_000, heartbeatMs: 0, repairMs: 0 });
  return { router, membership, sent };
}

test('a forged pong to a liveness ping never makes its claimed GUID count as proven', () => {
  const { router, membership, sent } = node();
  let reply: { proven: boolean; challenged: boolean } | undefined;
  // The heartbeat's kind of probe: no challenge.
  membership.admission.probe(addr(2, 2000), 1_000, (r) => (reply = r), { challenge: false });
  const ping = decodeFrame(sent[0]).body;
  if (ping.kind !== 'ping') throw new Error('expected a ping');
  expect(ping.ping.challenge).toBeUndefined();
  // Any host answers with the right nonce (here read off the wire), claiming a GUID it has no key for.
  const forged: NodeHandle = { guid: Guid.fromName('attacker-chosen'), address: addr(66, 6666) };
  const pong = encodeFrame({ version: WIRE_VERSION, sender: forged, messageId: 0, body: { kind: 'pong', pong: { nonce: ping.ping.nonce } } });
  // From another address than the one pinged it settles nothing at all.
  router.receive(pong, addr(99, 9999));
  expect(reply).toBeUndefined();
  // Even from the pinged address (a spoofed source), it proves nothing.
  router.receive(pong, addr(2, 2000));
  expect(reply).toEqual(expect.objectContaining({ challenged: false }));
  expect(membership.stats.peersProven).toBe(0);
  expect(membership.admission.isProven(forged)).toBe(false);
});

test('under an authenticating provider ping nonces do not start at 0', () => {
  const { router, sent } = node();
  router.ping(addr(2, 2000), 1_000, () => {}, { challenge: false });
  const ping = decodeFrame(sent[0]).body;
  expect(ping.kind === 'ping' && ping.ping.nonce).not.toBe(0);
});
