/**
 * The DHT's validator and progress events on a 60-node frozen mesh: the publisher refuses a value the
 * validator refuses, a root refuses one crafted past it (and it is never served), `select` chooses
 * among the roots' answers, and an operation reports sent / answer / done in that order.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { dht, type Dht, type DhtProgress } from '../../upcalls/dht';
import { InvalidArgumentError, NotFoundError } from '../../errors';
import { MODULE_IDS } from '../../upcalls/moduleIds';
import type { ModuleContext } from '../../upcalls/contract';
import { saltedRoot } from '../../location/saltedRoots';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';
import type { DhtMsg } from '../../upcalls/dht/messages';
import { DEFAULTS } from '../../defaults';

let net: Testnet;
let d: Dht[];
let raw: ModuleContext;
const rawGot: DhtMsg[] = [];
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const validator = {
  validate: (_key: unknown, value: Uint8Array) => text(value).startsWith('ok:'),
  // The longest value wins (whatever its version): select is the application's rule.
  select: (_key: unknown, values: readonly Uint8Array[]) => values.reduce((best, v, i) => (v.length > values[best].length ? i : best), 0),
};

async function settle<T>(p: Promise<T>, ms = 30_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let t = 0; t < ms && !done; t += 50) {
    net.run(50);
    await new Promise((r) => setImmediate(r));
  }
  return watched;
}

beforeAll(async () => {
  net = await createTestnet({ nodes: 60, seed: 3, frozen: true });
  d = net.nodes.slice(0, 59).map((n) => n.register(dht({ validator })));
  net.nodes[59].register({ id: MODULE_IDS.dht, name: 'raw', attach: (ctx) => void (raw = ctx), deliver: (m) => void rawGot.push(decodeDht(m.payload, { idBytes: 20 })) });
});
afterAll(() => net.close());

test('the publisher refuses what the validator refuses; a root refuses it too, and it is never served', async () => {
  await expect(d[1].putValue('k', 'not ok')).rejects.toBeInstanceOf(InvalidArgumentError);
  const key = d[1].keyGuid('crafted');
  for (let salt = 0; salt < DEFAULTS.dhtSalts; salt++) {
    raw.route(saltedRoot(key, salt), encodeDht({
      kind: 'put', key, salt, requestId: 1 + salt, requester: raw.self,
      record: { value: new TextEncoder().encode('bad value'), seq: 9, publisher: raw.self.guid, ttlMs: 60_000 },
    }), { fuzzy: true });
  }
  for (let t = 0; t < 3_000; t += 50) {
    net.run(50);
    await new Promise((r) => setImmediate(r));
  }
  expect(rawGot.filter((m) => m.key.equals(key)).map((m) => m.status)).toEqual(Array(DEFAULTS.dhtSalts).fill('invalid'));
  await expect(settle(d[2].getValue(key))).rejects.toBeInstanceOf(NotFoundError);
});

test('select chooses among the answers, and progress comes as sent, one answer per root, done', async () => {
  // Two roots hold different values: salt 0 an older, longer one; salt 1 a newer, shorter one.
  const key = d[3].keyGuid('pick');
  const put = (salt: number, value: string, seq: number) => raw.route(saltedRoot(key, salt), encodeDht({
    kind: 'put', key, salt, requestId: 100 + salt, requester: raw.self, record: { value: new TextEncoder().encode(value), seq, publisher: raw.self.guid, ttlMs: 60_000 },
  }), { fuzzy: true });
  put(0, 'ok:a much longer value', 50);
  put(1, 'ok:short', 100);
  for (let t = 0; t < 3_000; t += 50) {
    net.run(50);
    await new Promise((r) => setImmediate(r));
  }
  const events: DhtProgress[] = [];
  const got = await settle(d[5].getValue('pick', { quorum: 2, onProgress: (e) => events.push(e) }));
  // Newest-first would answer 'ok:short'; the validator's select picks the longest.
  expect(text(got.value)).toBe('ok:a much longer value');
  expect(got.seq).toBe(50);
  expect(events[0]).toEqual({ type: 'sent', salts: DEFAULTS.dhtSalts });
  expect(events.filter((e) => e.type === 'answer')).toHaveLength(DEFAULTS.dhtSalts);
  expect(events.at(-1)).toMatchObject({ type: 'done', answers: DEFAULTS.dhtSalts, timedOut: false });
});
