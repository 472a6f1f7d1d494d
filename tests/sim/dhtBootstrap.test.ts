/**
 * dht.bootstrap() (IPFS routing's Bootstrap) on a simulated mesh. Oracles: the node's own view
 * (status, routing table, leaf set) read through a second path, node.table and node.leafSet; the
 * module's counters for what it pushes; a get from another node for the value.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { createNode } from '../../api/node';
import { dht, type Dht } from '../../upcalls/dht';
import { DEFAULTS } from '../../defaults';
import { AbortedError, ClosedError, InvalidArgumentError, TimeoutError } from '../../errors';
import { virtualTime } from '../helpers/virtualTime';

let net: Testnet;
let kv: Dht[];

const { advance, settle } = virtualTime(() => net, { settleMs: 60_000 });

beforeAll(async () => {
  net = await createTestnet({ nodes: 40, seed: 909 });
  kv = net.nodes.map((n) => n.register(dht()));
  await advance(2_000);
}, 120_000);
afterAll(() => net.close());

test('a joining node\'s bootstrap resolves once it knows neighbours, with how many (its table and leaf set)', async () => {
  const node = await createNode({ transport: net.network.createTransport(), clock: net.network.clock, bootstrap: [net.nodes[3].address] });
  const d = node.register(dht());
  let answered: number | undefined;
  const ready = d.bootstrap().then((n) => (answered = n));
  // Nothing yet: the join needs round trips on the virtual clock.
  await new Promise((r) => setImmediate(r));
  expect(answered).toBeUndefined();
  await settle(ready);
  // The count is what the node lists, read through its own API.
  const listed = node.table.size + node.leafSet.smaller.length + node.leafSet.larger.length;
  expect(answered).toBeGreaterThan(0);
  expect(answered).toBeLessThanOrEqual(listed);
  // A node that knows neighbours answers at once, with the count at that moment.
  // (read before any virtual time passes: the node goes on learning neighbours as it runs)
  const now = node.table.size + new Set([...node.leafSet.smaller, ...node.leafSet.larger].map((h) => h.guid.hex)).size;
  expect(await d.bootstrap()).toBe(now);
  d.close();
  await node.close();
}, 120_000);

test('bootstrap pushes what the node holds to the other replica holders, and republishes what it published', async () => {
  await settle(kv[5].putValue('boot-key', 'v1'));
  // Let the put's replication and any join's re-replication finish: from here nothing is pushed unasked.
  await advance(5_000);
  const holders = kv.map((d, i) => [i, d.stats()] as const).filter(([i, s]) => s.records > 0 && i !== 5);
  expect(holders.length).toBeGreaterThan(1);
  const [holder, held] = holders[0];
  const sent = () => kv[holder].stats().replicationsSent;
  // Maintenance moves neighbours now and then, and each move re-replicates a second later: compare
  // one millisecond of virtual time without bootstrap with one right after it.
  let mark = sent();
  net.run(1);
  expect(sent() - mark).toBe(0);
  mark = sent();
  await kv[holder].bootstrap(); // it knows neighbours: answered without waiting
  net.run(1);
  // Every record the holder keeps went to at least one other replica holder.
  expect(sent() - mark).toBeGreaterThanOrEqual(held.records);
  // Root answers come from puts alone (republishing is every 20 minutes): none for 2 s, then the
  // publisher's bootstrap republishes to each salted root (DEFAULTS.dhtSalts of them).
  const rootAnswers = () => kv.reduce((sum, d) => sum + d.stats().storedAsRoot + d.stats().refusedOlder, 0);
  const answers = rootAnswers();
  await advance(2_000);
  expect(rootAnswers()).toBe(answers);
  await settle(kv[5].bootstrap());
  await advance(1_000);
  expect(rootAnswers() - answers).toBeGreaterThanOrEqual(DEFAULTS.dhtSalts);
  const got = await settle(kv[20].getValue('boot-key'));
  expect(Buffer.from(got.value).toString()).toBe('v1');
}, 120_000);

test('a node that reaches nobody: bootstrap times out, aborts and closes by name; a bad timeout is refused', async () => {
  const lonely = await createNode({ transport: net.network.createTransport(), clock: net.network.clock });
  const d = lonely.register(dht());
  const timedOut = d.bootstrap({ timeoutMs: 2_000 });
  timedOut.catch(() => undefined);
  await advance(2_500);
  await expect(timedOut).rejects.toThrow(TimeoutError);
  const ac = new AbortController();
  const aborted = d.bootstrap({ signal: ac.signal });
  ac.abort();
  await expect(aborted).rejects.toThrow(AbortedError);
  await expect(d.bootstrap({ timeoutMs: 0 })).rejects.toThrow(InvalidArgumentError);
  const waiting = d.bootstrap({ timeoutMs: 60_000 });
  waiting.catch(() => undefined);
  d.close();
  await advance(200);
  await expect(waiting).rejects.toThrow(ClosedError);
  await lonely.close();
});
