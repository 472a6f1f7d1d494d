/**
 * Maintenance under real load (issue 14): 300 nodes on UDP sockets in this process, every one with
 * createNode's defaults (heartbeats, table repair, hop acknowledgements), while a second process
 * burns a core. For 2 minutes one exact route goes every 200 ms between random nodes, each sent
 * after the last one arrived; every one must arrive at the node holding its GUID, and no node may
 * take a live neighbour for failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createNode, type TapestryNode } from '../../api/node';
import { introduceAll } from '../../api/introduce';
import { SeededRng } from '../../sim/random';

/**
 * Measured on a shared 2-core machine with the fixed timeouts the liveness checks replaced: 581/581
 * routes, 0 false failures, route median 4 ms, max 354 ms (at 300 nodes the old detector held too;
 * it collapsed at 1,000). With them: 598/598 routes, 0 false failures, 0 hop failovers, median
 * 3 ms, max 333 ms; 3 minutes of wall time with the mesh's set-up.
 */
const LOAD_FIXED = true;

const N = 300;
const RUN_MS = 120_000;
const ROUTE_EVERY_MS = 200;
/** A route not delivered within this long counts as lost. */
const ROUTE_WAIT_MS = 5_000;
/** The burner's own limit: it stops by itself after this long even if this test never kills it. */
const BURN_LIMIT_MS = RUN_MS + 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second Node process spinning one core, bounded by BURN_LIMIT_MS twice (its own loop and spawn's timeout). */
function burnCore(): ChildProcess {
  const code = `const end = Date.now() + ${BURN_LIMIT_MS}; let x = 0; while (Date.now() < end) x = (x * 1103515245 + 12345) | 0;`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore', timeout: BURN_LIMIT_MS + 5_000, killSignal: 'SIGKILL' });
  child.unref();
  return child;
}

(LOAD_FIXED ? describe : describe.skip)('300 UDP nodes with default maintenance while another process burns a core', () => {
  const nodes: TapestryNode[] = [];
  let burner: ChildProcess | undefined;

  beforeAll(async () => {
    for (let i = 0; i < N; i++) nodes.push(await createNode({ transport: { family: 4, host: '127.0.0.1', port: 0 } }));
    await introduceAll(nodes);
    // About 30 s on an idle machine; a fresh-clone run beside other heavy work took over 120 s.
  }, 300_000);

  afterAll(async () => {
    burner?.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.close()));
  });

  test('2 minutes of sequential routes: all arrive, no false failure', async () => {
    burner = burnCore();
    const rng = new SeededRng(300);
    let expected = '';
    let at: number[] = [];
    nodes.forEach((n, i) => n.register({ id: 9, name: 'loadProbe', deliver: (d) => void (Buffer.from(d.payload).toString() === expected && at.push(i)) }));
    const started = Date.now();
    let sent = 0;
    let arrived = 0;
    const late: number[] = [];
    while (Date.now() - started < RUN_MS) {
      const tick = Date.now();
      const src = rng.int(N);
      const dst = rng.int(N);
      expected = `load ${sent++}`;
      at = [];
      nodes[src].route(nodes[dst].guid, expected, { module: 9 });
      while (at.length === 0 && Date.now() - tick < ROUTE_WAIT_MS) await sleep(2);
      if (at.length === 1 && at[0] === dst) arrived++;
      late.push(Date.now() - tick);
      await sleep(Math.max(0, ROUTE_EVERY_MS - (Date.now() - tick)));
    }
    const failures = nodes.reduce((s, n) => s + n.stats.membership.failuresDetected, 0);
    const hopFailovers = nodes.reduce((s, n) => s + n.stats.router.hopFailovers, 0);
    late.sort((a, b) => a - b);
    console.log(
      `udp load: routes ${arrived}/${sent}, false failures ${failures}, hop failovers ${hopFailovers}, ` +
        `route time median ${late[late.length >> 1]} ms, max ${late[late.length - 1]} ms`,
    );
    expect(failures).toBe(0);
    expect(arrived).toBe(sent);
  }, RUN_MS + 60_000);
});
