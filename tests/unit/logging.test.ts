/**
 * Logging (issue 13): lifecycle records at info (started, alone and why, joined with neighbour
 * counts, left, closed) through the application's logger (`log`), per-datagram records at debug
 * only when asked for (`debug: true`), and TAPESTRY_LOG_LEVEL read from the environment, written to
 * stderr (never stdout), a bad value a warning rather than a crash.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import bunyan from 'bunyan';
import { createNode } from '../../api/node';
import { levelFromEnv } from '../../log';
import { SimNetwork } from '../../transport/simNetwork';

type Rec = Record<string, any>;

function capture(level: bunyan.LogLevel): { log: bunyan; records: Rec[] } {
  const ring = new bunyan.RingBuffer({ limit: 100_000 });
  const log = bunyan.createLogger({ name: 'app', level, streams: [{ type: 'raw', stream: ring }] });
  return { log, records: ring.records as Rec[] };
}

async function twoNodes(options: { level: bunyan.LogLevel; debug?: boolean }) {
  const { log, records } = capture(options.level);
  const net = new SimNetwork({ seed: 12 });
  const a = await createNode({ transport: net.createTransport(), clock: net.clock, log, debug: options.debug });
  const b = await createNode({ transport: net.createTransport(), clock: net.clock, log, debug: options.debug, bootstrap: [a.address] });
  net.run(net.now + 5_000);
  b.route(a.guid, 'hello');
  net.run(net.now + 1_000);
  const left = b.leave();
  net.run(net.now + 5_000);
  await left;
  await a.close();
  const of = (node: typeof a) => records.filter((r) => r.node === node.guid.hex.slice(0, 12));
  return { a: of(a), b: of(b), records, aGuid: a.guid, bTable: b.table.size };
}

test('lifecycle at info through the `log` option: started, alone (why), joined (neighbours by level), left, closed', async () => {
  const { a, b, records } = await twoNodes({ level: 'info' });
  const msgs = (rs: Rec[]) => rs.map((r) => r.msg);
  expect(records.every((r) => r.level >= bunyan.INFO)).toBe(true);
  expect(msgs(a)[0]).toBe('started');
  expect(a.find((r) => /^alone: no bootstrap given/.test(r.msg))).toBeDefined();
  expect(a.find((r) => r.msg === 'closed')).toBeDefined();
  const joined = b.find((r) => /^joined the mesh/.test(r.msg));
  expect(joined).toMatchObject({ level: bunyan.INFO, neighbours: 1, leafSet: 1 });
  // One neighbour, at the level of the digits b shares with a.
  expect(joined!.levels.reduce((s: number, n: number) => s + n, 0)).toBe(1);
  expect(b.find((r) => r.msg === 'left the mesh and closed')).toBeDefined();
  // a becomes ACTIVE when b joins, and ALONE again when b leaves: with the reason.
  expect(a.filter((r) => /^joined the mesh/.test(r.msg)).length).toBe(1);
  expect(a.find((r) => /^alone: every neighbour left or failed; retrying in \d+ ms/.test(r.msg))).toBeUndefined(); // a has no bootstrap
  expect(msgs(a).filter((m) => /^alone: no bootstrap given/.test(m)).length).toBe(2);
  // No per-datagram records at info.
  expect(records.some((r) => r.msg === 'received' || r.msg === 'sent')).toBe(false);
});

test('per-datagram records at debug only when asked for: debug: true on a node, or the logger at debug', async () => {
  const off = await twoNodes({ level: 'info' });
  expect(off.records.filter((r) => r.level < bunyan.INFO)).toEqual([]);
  const on = await twoNodes({ level: 'info', debug: true });
  const received = on.records.filter((r) => r.msg === 'received');
  const sent = on.records.filter((r) => r.msg === 'sent');
  expect(received.length).toBeGreaterThan(0);
  expect(sent.length).toBeGreaterThan(0);
  expect(received.every((r) => r.level === bunyan.DEBUG && typeof r.kind === 'string' && /^10\.\d+\.\d+\.\d+:1$/.test(r.from) && r.bytes > 0)).toBe(true);
  expect(received.map((r) => r.kind)).toEqual(expect.arrayContaining(['ping', 'pong', 'route']));
  // The same run with the logger itself at debug: the same records.
  const viaLevel = await twoNodes({ level: 'debug' });
  expect(viaLevel.records.filter((r) => r.msg === 'received').length).toBe(received.length);
});

test('TAPESTRY_LOG_LEVEL: level names and numbers are read; anything else is a warning and warn', () => {
  const warnings: string[] = [];
  const warn = (m: string) => void warnings.push(m);
  expect(levelFromEnv(undefined, warn)).toBe('warn');
  expect(levelFromEnv('', warn)).toBe('warn');
  expect(levelFromEnv('DEBUG', warn)).toBe('debug');
  expect(levelFromEnv(' info ', warn)).toBe('info');
  expect(levelFromEnv('20', warn)).toBe(20);
  expect(warnings).toEqual([]);
  expect(levelFromEnv('verbose', warn)).toBe('warn');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/TAPESTRY_LOG_LEVEL="verbose" is not a log level/);
});

function runChild(level: string) {
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../helpers/logProcess.ts')], {
    env: { ...process.env, TAPESTRY_LOG_LEVEL: level },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Rec);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines };
}

test('TAPESTRY_LOG_LEVEL=debug in a process: lifecycle and per-datagram records on stderr, nothing on stdout', () => {
  const debug = runChild('debug');
  expect(debug.status).toBe(0);
  expect(debug.stdout).toBe('');
  expect(debug.lines.some((r) => /^joined the mesh/.test(r.msg) && r.level === bunyan.INFO)).toBe(true);
  expect(debug.lines.some((r) => r.msg === 'received' && r.level === bunyan.DEBUG)).toBe(true);
  const quiet = runChild('warn');
  expect(quiet.status).toBe(0);
  expect(quiet.stdout).toBe('');
  expect(quiet.lines).toEqual([]);
  const bad = runChild('loud');
  expect(bad.status).toBe(0);
  expect(bad.stderr).toMatch(/TAPESTRY_LOG_LEVEL="loud" is not a log level/);
  expect(bad.lines).toEqual([]);
}, 120_000);
