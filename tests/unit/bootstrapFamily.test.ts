/**
 * Bootstrap addresses of a family the socket cannot reach (issue 13): a configured list is refused by
 * createNode with UnreachableAddressError and no socket left open; a provider's unreachable answers
 * are skipped with a warning and a counter (the node stays ALONE, retries, never crashes). A dual-stack
 * IPv6 socket (bound to ::) reaches IPv4 peers.
 */
import bunyan from 'bunyan';
import { createNode } from '../../api/node';
import { InvalidArgumentError, UnreachableAddressError } from '../../errors';
import type { BootstrapProvider } from '../../bootstrap/provider';
import { parseAddress } from '../../transport/addressText';
import { SimNetwork } from '../../transport/simNetwork';
import { openUdpTransport } from '../../transport/udp';

const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
const settle = () => new Promise((r) => setImmediate(() => setImmediate(r)));
const haveIpv6 = openUdpTransport({ family: 6, host: '::1' }).then((t) => t.close().then(() => true), () => false);

function capture(): { log: bunyan; records: () => Array<Record<string, any>> } {
  const ring = new bunyan.RingBuffer({ limit: 200 });
  const log = bunyan.createLogger({ name: 'test', streams: [{ type: 'raw', stream: ring, level: 'trace' }] });
  return { log, records: () => ring.records as Array<Record<string, any>> };
}

test('an IPv4 socket given an IPv6 bootstrap, or an IPv6 socket an IPv4 one: UnreachableAddressError, no socket left', async () => {
  const ipv6 = await haveIpv6;
  await settle();
  const before = udpSockets();
  const v4 = createNode({ transport: { family: 4 }, security: 'none', bootstrap: ['[::1]:4000'] });
  await expect(v4).rejects.toThrow(UnreachableAddressError);
  await expect(v4).rejects.toThrow(/\[::1\]:4000.*IPv4 socket/);
  await expect(v4).rejects.toBeInstanceOf(InvalidArgumentError);
  if (ipv6) {
    await expect(createNode({ transport: { family: 6, host: '::1' }, security: 'none', bootstrap: '127.0.0.1:4000' })).rejects.toThrow(UnreachableAddressError);
    // A mixed list names only the entry that cannot be reached.
    await expect(createNode({ transport: { family: 6, host: '::1' }, security: 'none', bootstrap: ['[::1]:4000', '127.0.0.1:4000'] })).rejects.toThrow(/bootstrap 127\.0\.0\.1:4000 cannot/);
  }
  await settle();
  expect(udpSockets()).toBe(before);
});

test('a dual-stack IPv6 socket (bound to ::) is not refused an IPv4 bootstrap: it reaches IPv4 peers as ::ffff:a.b.c.d', async () => {
  if (!(await haveIpv6)) return;
  const dual = await createNode({ transport: { family: 6, host: '::' }, security: 'none', bootstrap: ['127.0.0.1:9'] });
  expect(dual.address.family).toBe(6);
  await dual.close();
});

test('a provider that resolves only unreachable addresses: a warning naming them, a counter, ALONE, retries', async () => {
  const net = new SimNetwork({ seed: 8 });
  const first = await createNode({ transport: net.createTransport(), clock: net.clock });
  let answer = [parseAddress('[2001:db8::5]:4000')];
  let calls = 0;
  const provider: BootstrapProvider = { name: 'dns', resolve: async () => (calls++, answer) };
  const { log, records } = capture();
  const node = await createNode({ transport: net.createTransport(), clock: net.clock, bootstrap: provider, log, joinRetryMs: 1_000 });
  for (let i = 0; i < 5; i++) {
    net.run(net.now + 1_100);
    await settle();
  }
  expect(node.status).toBe('ALONE');
  expect(calls).toBeGreaterThan(1);
  expect(node.stats.membership.bootstrapUnreachable).toBe(calls);
  const warnings = records().filter((r) => r.level === bunyan.WARN && /cannot reach/.test(r.msg));
  expect(warnings.length).toBe(calls);
  expect(warnings[0].unreachable).toEqual(['[2001:db8::5]:4000']);
  expect(warnings[0].msg).toMatch(/stays ALONE/);
  // The provider starts answering with a reachable address too: the node joins, counting the other.
  answer = [parseAddress('[2001:db8::5]:4000'), first.address];
  for (let i = 0; i < 5 && node.status !== 'ACTIVE'; i++) {
    net.run(net.now + 1_100);
    await settle();
  }
  expect(node.status).toBe('ACTIVE');
  expect(node.stats.membership.bootstrapUnreachable).toBe(calls);
  await Promise.all([node.close(), first.close()]);
});
