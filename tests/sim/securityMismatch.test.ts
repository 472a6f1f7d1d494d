/**
 * Security provider mismatch: a `none` node joining a `signed` mesh, and a `signed` node joining a
 * `none` mesh. Neither side can ever admit the other (the signed side wants proof of a GUID's key the
 * none side cannot give), so the joining node must not report ACTIVE at any moment, must end ALONE,
 * and must say why: a warning naming the mismatch, and the "alone" record giving it as the reason.
 * The mesh's tables are checked all along, not only at the end.
 */
import bunyan from 'bunyan';
import { createNode, type NodeStatus, type TapestryNode } from '../../api/node';
import type { Guid } from '../../routing/guid';
import { listedBy, SecureJoinNet } from '../helpers/signedNet';

type LogRecord = Record<string, any>;

/** A logger whose info-and-above records are kept (per-message debug stays off). */
function capture(): { log: bunyan; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = { write: (r: unknown) => void records.push(r as LogRecord) };
  const log = bunyan.createLogger({ name: 'mismatch', streams: [{ type: 'raw', stream, level: 'info' }] });
  return { log, records };
}


const WARN = 40;
const RETRY_MS = 3_000;

/** A joiner of the other provider through `via`; every status it reports, and the mesh's view checked each 100 ms. */
async function joinAcross(net: SecureJoinNet, security: 'none' | 'signed', via: TapestryNode, ms: number) {
  const { log, records } = capture();
  const joiner = await createNode({
    transport: net.network.createTransport(), clock: net.network.clock, security, log,
    bootstrap: [via.address], joinRetryMs: RETRY_MS,
  });
  const statuses: NodeStatus[] = [joiner.status];
  joiner.onStatus((s) => statuses.push(s));
  const listed = new Set<string>();
  for (let t = 0; t < ms; t += 100) {
    net.run(100);
    for (const w of listedBy(net.nodes, joiner.guid)) listed.add(w);
  }
  return { joiner, statuses, records, listed: [...listed] };
}

describe('a none node and a signed mesh', () => {
  for (const size of [1, 6]) {
    test(`the none node never goes ACTIVE, ends ALONE and warns naming the mismatch (signed mesh of ${size})`, async () => {
      const meshLog = capture();
      const net = new SecureJoinNet(31 + size, 'signed', { log: meshLog.log });
      await net.joinOneByOne(size, 300);
      if (size > 1) expect(net.nodes.every((n) => n.status === 'ACTIVE')).toBe(true);
      const { joiner, statuses, records, listed } = await joinAcross(net, 'none', net.nodes[size - 1], 20_000);

      expect(statuses).not.toContain('ACTIVE');
      expect(statuses).toContain('JOINING'); // it did try, more than once
      expect(joiner.status).toBe('ALONE');
      expect(joiner.table.size).toBe(0);
      expect(listed).toEqual([]);
      // The signed side did refuse it: it challenged and got no proof.
      expect(net.nodes.reduce((s, n) => s + n.stats.security.forgedCredentials, 0)).toBeGreaterThan(0);

      const warnings = records.filter((r) => r.level === WARN && /mismatch/.test(r.msg));
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0].msg).toMatch(/requires signed credentials/);
      expect(warnings[0].msg).toMatch(/security 'none'/);
      // Once per peer, however many join attempts were refused.
      const peers = new Set(warnings.map((w) => w.peer));
      expect(warnings.length).toBe(peers.size);
      for (const p of peers) expect(net.nodes.some((n) => n.guid.hex === p)).toBe(true);
      // The signed side says so too: the joiner answered its challenge with no credential at all.
      const meshWarnings = meshLog.records.filter((r) => r.level === WARN && /mismatch/.test(r.msg));
      expect(meshWarnings.length).toBeGreaterThan(0);
      expect(meshWarnings.every((w) => w.peer === joiner.guid.hex && /security 'none'/.test(w.msg))).toBe(true);
      // The "alone" record gives the mismatch as the reason.
      const alone = records.filter((r) => /^alone/.test(r.msg));
      expect(alone.length).toBeGreaterThan(0);
      expect(alone[alone.length - 1].why).toMatch(/mismatch.*requires signed credentials/);

      await joiner.close();
      await net.close();
    });
  }
});

describe('a signed node and a none mesh', () => {
  test('the signed node never goes ACTIVE, ends ALONE, warns naming the mismatch, and does not spin', async () => {
    const meshLog = capture();
    const net = new SecureJoinNet(41, 'none', { log: capture().log });
    await net.joinOneByOne(4, 300);
    // The gateway's own records: it too says why it will not list the signed node.
    const gateway = await createNode({
      transport: net.network.createTransport(), clock: net.network.clock, security: 'none', log: meshLog.log,
      bootstrap: [net.nodes[0].address],
    });
    net.nodes.push(gateway);
    for (let t = 0; gateway.status !== 'ACTIVE' && t < 100; t++) net.run(100);
    expect(gateway.status).toBe('ACTIVE');

    const runMs = 20_000;
    const { joiner, statuses, records, listed } = await joinAcross(net, 'signed', gateway, runMs);
    expect(statuses).not.toContain('ACTIVE');
    expect(statuses).not.toContain('FAULTED');
    expect(joiner.status).toBe('ALONE');
    expect(joiner.table.size).toBe(0);
    expect(listed).toEqual([]);

    const warnings = records.filter((r) => r.level === WARN && /mismatch/.test(r.msg));
    expect(warnings).toHaveLength(1); // one peer, one warning, however many retries
    expect(warnings[0].peer).toBe(gateway.guid.hex);
    expect(warnings[0].msg).toMatch(/runs without authentication \(security 'none'\)/);
    expect(warnings[0].msg).toMatch(/security 'signed'/);
    const alone = records.filter((r) => /^alone/.test(r.msg));
    expect(alone[alone.length - 1].why).toMatch(/mismatch/);
    // No spin: one challenged ping per join attempt (and its resends), attempts once per retry period.
    const attempts = statuses.filter((s) => s === 'JOINING').length;
    expect(attempts).toBeLessThanOrEqual(runMs / RETRY_MS + 1);
    expect(joiner.stats.router.pingsChallenged).toBeLessThanOrEqual(attempts);

    const gatewayWarnings = meshLog.records.filter((r) => r.level === WARN && /mismatch/.test(r.msg));
    expect(gatewayWarnings).toHaveLength(1);
    expect(gatewayWarnings[0].peer).toBe(joiner.guid.hex);
    expect(gatewayWarnings[0].msg).toMatch(/requires signed credentials/);

    await joiner.close();
    await net.close();
  });
});
