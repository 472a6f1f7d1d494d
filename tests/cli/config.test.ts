/**
 * The daemon's settings: host:port parsing against a brute-force table, --config JSON merged under the
 * flags, every bad value named by its key, and the control API kept on loopback unless allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONTROL_PORT, formatHostPort, isLoopback, loadDaemonConfig, parseHostPort } from '../../cli/node/config';

const dir = mkdtempSync(join(tmpdir(), 'tapestry-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('host:port: IPv4 and bracketed IPv6 literals parse and print back; anything else is refused', () => {
  for (const text of ['127.0.0.1:4000', '0.0.0.0:0', '[::1]:65535', '[fe80::1]:7766']) expect(formatHostPort(parseHostPort(text, 'x'))).toBe(text);
  for (const text of ['localhost:4000', '127.0.0.1', '127.0.0.1:65536', '::1:4000', '[::1]', '1.2.3:4', ':4000', '127.0.0.1:-1']) {
    expect(() => parseHostPort(text, 'listen')).toThrow(/^listen: expected host:port/);
  }
});

test('loopback: 127/8, ::1 and IPv4-mapped 127/8; nothing else', () => {
  expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
  expect(['0.0.0.0', '10.0.0.1', '::', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false]);
});

test('defaults, --config under the flags, and each bad value named', () => {
  expect(loadDaemonConfig({})).toEqual({
    listen: { host: '127.0.0.1', port: 0 }, bootstrap: [], dataDir: undefined, security: 'signed', logLevel: 'warn',
    control: { host: '127.0.0.1', port: DEFAULT_CONTROL_PORT }, metrics: undefined, allowPublicControl: false,
  });
  const cfg = file('a.json', JSON.stringify({ listen: '127.0.0.1:4000', bootstrap: ['127.0.0.1:4001'], security: 'none', metrics: '127.0.0.1:9464', logLevel: 'info' }));
  const merged = loadDaemonConfig({ config: cfg, listen: ['[::1]:5000'], logLevel: 'debug' });
  expect(merged).toMatchObject({ listen: { host: '::1', port: 5000 }, bootstrap: ['127.0.0.1:4001'], security: 'none', logLevel: 'debug', metrics: { host: '127.0.0.1', port: 9464 } });
  const bad: Array<[Parameters<typeof loadDaemonConfig>[0], RegExp]> = [
    [{ config: file('b.json', '{"colour":"red"}') }, /colour/],
    [{ config: file('c.json', '{"listen":"nowhere"}') }, /^listen: /],
    [{ config: file('d.json', '{"security":"maybe"}') }, /^security: /],
    [{ config: file('e.json', '{not json') }, /not valid JSON/],
    [{ config: join(dir, 'missing.json') }, /cannot read/],
    [{ listen: ['127.0.0.1:1', '[::1]:2'] }, /one UDP socket/],
    [{ control: '0.0.0.0:7766' }, /allow-public-control/],
  ];
  for (const [flags, message] of bad) expect(() => loadDaemonConfig(flags)).toThrow(message);
  expect(loadDaemonConfig({ control: '0.0.0.0:7766', allowPublicControl: true }).control).toEqual({ host: '0.0.0.0', port: 7766 });
});
