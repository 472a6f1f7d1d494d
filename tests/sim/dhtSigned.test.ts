/**
 * The DHT under the `signed` security provider, on a 60-node frozen mesh whose last node is hostile:
 * it runs a raw module under the DHT's id (a full member of the mesh, with a key of its own) and
 * crafts PUT, STORE, CACHE and VALUE frames by hand, and roots salt 0 of one key, where it answers
 * gets with whatever it likes. Honest puts and gets work; a record with a forged signature, one
 * naming another publisher's GUID, one signed by a different key, and a replayed older version are
 * refused by name at every node they reach and counted; a second publisher cannot take over an owned
 * key, nor remove it, and a replayed removal drops nothing put since. The oracle is what the honest publishers put: getValue from every honest node
 * must answer exactly that.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { dht, type Dht, type DhtStats } from '../../upcalls/dht';
import { Guid } from '../../routing/guid';
import { DEFAULTS } from '../../defaults';
import { RecordRejectedError } from '../../errors';
import { MODULE_IDS } from '../../upcalls/moduleIds';
import type { ModuleContext } from '../../upcalls/contract';
import { saltedRoot } from '../../location/saltedRoots';
import { bruteForceRoot } from '../../sim/oracle';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';
import type { DhtMsg, DhtRecord } from '../../upcalls/dht/messages';
import { recordBytes, signRecord } from '../../upcalls/dht/recordSignature';
import { virtualTime } from '../helpers/virtualTime';

const N = 60;
const HOSTILE = N - 1;
const SALTS = DEFAULTS.dhtSalts;
const LIFETIME = 60_000;
let net: Testnet;
let d: Dht[];
let raw: ModuleContext;
const rawGot: DhtMsg[] = [];
/** How the hostile node answers a get that ends at it (it roots salt 0 of `lyingKey`): a record to send back, or none. */
let lie: ((get: DhtMsg) => DhtRecord | undefined) | undefined;
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

/** Summed counters of every honest node. */
const total = (field: keyof DhtStats) => d.reduce((s, x) => s + x.stats()[field], 0);

const { advance, settle } = virtualTime(() => net, { step: 50, settleMs: 30_000 });

/** Every honest node's getValue of `key` (values as text; errors by name). */
async function readEverywhere(key: Guid, quorum = 1): Promise<string[]> {
  const got = await settle(Promise.allSettled(d.map((x) => x.getValue(key, { quorum }))));
  return got.map((g) => (g.status === 'fulfilled' ? text(g.value.value) : (g.reason as Error).name));
}

/** The hostile node's crafted puts to every salted root of `key`; resolves with the roots' acks. */
async function craftedPuts(key: Guid, record: DhtRecord, firstId: number): Promise<(string | undefined)[]> {
  for (let salt = 0; salt < SALTS; salt++) {
    raw.route(saltedRoot(key, salt), encodeDht({ kind: 'put', key, salt, requestId: firstId + salt, requester: raw.self, record }), { fuzzy: true });
  }
  await advance(3_000);
  return Array.from({ length: SALTS }, (_, salt) => rawGot.find((m) => m.kind === 'ack' && m.requestId === firstId + salt)?.status);
}

/** The hostile node's STORE of `record` (every salt) straight to every honest node. */
async function storeEverywhere(key: Guid, record: DhtRecord): Promise<void> {
  for (const n of net.nodes.slice(0, HOSTILE)) {
    for (let salt = 0; salt < SALTS; salt++) raw.send(n.handle, encodeDht({ kind: 'store', key, salt, requestId: 0, record }));
  }
  await advance(2_000);
}

/** The hostile node's CACHE of `record` (every salt) straight to every honest node: none awaited it. */
async function cacheEverywhere(key: Guid, record: DhtRecord): Promise<void> {
  for (const n of net.nodes.slice(0, HOSTILE)) {
    for (let salt = 0; salt < SALTS; salt++) raw.send(n.handle, encodeDht({ kind: 'cache', key, salt, requestId: 0, record }));
  }
  await advance(2_000);
}

beforeAll(async () => {
  net = await createTestnet({ nodes: N, seed: 1818, frozen: true, security: 'signed' });
  // Short lives, so that copies cached along get paths lapse within a test (a removal does not reach them).
  d = net.nodes.slice(0, HOSTILE).map((n) => n.register(dht({ recordLifetimeMs: LIFETIME, republishMs: LIFETIME / 3 })));
  net.nodes[HOSTILE].register({
    id: MODULE_IDS.dht, name: 'hostile', attach: (ctx) => void (raw = ctx),
    deliver: (m) => {
      const msg = decodeDht(m.payload, { idBytes: 20 });
      rawGot.push(msg);
      if (msg.kind !== 'get' || !lie) return;
      const record = lie(msg);
      raw.send(msg.requester!, encodeDht({ kind: 'value', key: msg.key, salt: msg.salt, requestId: msg.requestId, requester: raw.self, ...(record ? { record } : {}) }));
      // And a copy for the previous hop, which awaits one from this node: it must check it too.
      if (record && m.from) raw.send(m.from, encodeDht({ kind: 'cache', key: msg.key, salt: msg.salt, requestId: 0, record }));
    },
  });
});
afterAll(() => net.close());

test('the module context offers the provider read-only: credential, sign, verify, validateCredential — no key', () => {
  expect(raw.security.authenticates).toBe(true);
  expect(raw.security.name).toBe('signed');
  expect(raw.security.validateCredential(raw.security.credential(), raw.self.guid)).toBe(true);
  expect(raw.security.validateCredential(raw.security.credential(), net.nodes[0].guid)).toBe(false);
  const sig = raw.security.sign(bytes('x'));
  expect(raw.security.verify(raw.security.credential(), bytes('x'), sig)).toBe(true);
  expect(raw.security.verify(raw.security.credential(), bytes('y'), sig)).toBe(false);
  expect(JSON.stringify(Object.keys(raw.security))).not.toMatch(/identity|private|provider/i);
});

test('honest puts are signed, stored at every salted root and read back from every node', async () => {
  const keys = Array.from({ length: 8 }, (_, i) => `honest-${i}`);
  const put = await settle(Promise.all(keys.map((k, i) => d[(i * 7) % HOSTILE].putValue(k, `value of ${k}`))));
  expect(put.map((p) => p.stored)).toEqual(Array(keys.length).fill(SALTS));
  for (const k of keys) expect(new Set(await readEverywhere(d[0].keyGuid(k)))).toEqual(new Set([`value of ${k}`]));
  // Honest copies were awaited and taken along the get paths, and answered from there.
  for (let i = 0; i < 3; i++) expect(new Set(await readEverywhere(d[0].keyGuid(keys[0])))).toEqual(new Set([`value of ${keys[0]}`]));
  expect(total('cached')).toBeGreaterThan(0);
  expect(total('answeredOnPath')).toBeGreaterThan(0);
  expect(total('forged')).toBe(0);
  expect(total('unsolicitedCopies')).toBe(0);
}, 120_000);

describe('an owned key under attack', () => {
  const OWNER = 1;
  const SECOND = 2;
  let key: Guid;
  let first: DhtRecord;
  let current: DhtRecord;
  const owner = () => net.nodes[OWNER].guid;
  /** The hostile node reads the key's record at salt 0's root (no honest node gets it: none awaits a copy of it yet). */
  const rawRead = async (requestId: number): Promise<DhtRecord> => {
    raw.route(saltedRoot(key, 0), encodeDht({ kind: 'get', key, salt: 0, requestId, requester: raw.self }), { fuzzy: true });
    await advance(2_000);
    return rawGot.find((m) => m.kind === 'value' && m.requestId === requestId)!.record!;
  };

  beforeAll(async () => {
    key = d[OWNER].keyGuid('owned');
    await settle(d[OWNER].putValue(key, 'first'));
    // The owner's genuine first version (signed), to replay later.
    first = await rawRead(500);
    expect(text(first.value)).toBe('first');
    await advance(1_500); // the next version's seq is a later second
    await settle(d[OWNER].putValue(key, 'second'));
    current = await rawRead(501);
    expect(text(current.value)).toBe('second');
  }, 60_000);

  /** Crafted records: each is refused, and why. */
  const crafted = (): [string, DhtRecord, 'forged' | 'older' | 'notOwner'][] => {
    const next = { value: bytes('evil'), seq: current.seq + 1_000, publisher: owner(), ttlMs: 60_000 };
    return [
      ['a forged signature', { ...next, credential: first.credential, signature: new Uint8Array(64).fill(0x5a) }, 'forged'],
      ['the hostile key naming the owner\'s GUID', signRecord(raw.security, key, next), 'forged'],
      ['the owner\'s credential with the hostile key\'s signature', { ...next, credential: first.credential, signature: raw.security.sign(recordBytes(key, next)) }, 'forged'],
      ['the owner\'s genuine older version, replayed', { ...first, ttlMs: 60_000 }, 'older'],
      ['a valid record of another publisher (the hostile itself)', signRecord(raw.security, key, { ...next, publisher: raw.self.guid }), 'notOwner'],
    ];
  };

  test('crafted CACHE copies nobody awaited are refused at every node and never served', async () => {
    // Every variant before any honest node reads the key, so no node awaits a copy of it from anyone.
    const unsolicited = total('unsolicitedCopies');
    for (const [, record] of crafted()) await cacheEverywhere(key, record);
    expect(total('unsolicitedCopies') - unsolicited).toBe(crafted().length * HOSTILE * SALTS);
    expect(new Set(await readEverywhere(key))).toEqual(new Set(['second']));
  }, 180_000);

  test('crafted puts are refused by every salted root with a named status, and counted', async () => {
    let id = 1_000;
    for (const [what, record, status] of crafted()) {
      const before = { forged: total('forged'), older: total('refusedOlder'), notOwner: total('refusedNotOwner') };
      const acks = await craftedPuts(key, record, (id += 10));
      expect([what, acks]).toEqual([what, Array(SALTS).fill(status)]);
      const after = { forged: total('forged'), older: total('refusedOlder'), notOwner: total('refusedNotOwner') };
      const counted = status === 'forged' ? after.forged - before.forged : status === 'older' ? after.older - before.older : after.notOwner - before.notOwner;
      expect([what, counted]).toEqual([what, SALTS]);
    }
    expect(new Set(await readEverywhere(key))).toEqual(new Set(['second']));
  }, 120_000);

  test('crafted STOREs to every node: forged ones refused at every node; the rest never served', async () => {
    for (const [what, record, status] of crafted()) {
      const forged = total('forged');
      await storeEverywhere(key, record);
      // A forged record is refused wherever it arrives: every honest node, every salt.
      if (status === 'forged') expect([what, total('forged') - forged]).toEqual([what, HOSTILE * SALTS]);
      expect([what, new Set(await readEverywhere(key))]).toEqual([what, new Set(['second'])]);
    }
    expect(total('refusedNotOwner')).toBeGreaterThan(0); // the holders of the owner's copies refused the other publisher's
  }, 180_000);

  test('a second publisher cannot take the key over, nor remove it; once the owner removes it, it can', async () => {
    const taken = await settle(d[SECOND].putValue(key, 'takeover').catch((e: unknown) => e));
    expect(taken).toBeInstanceOf(RecordRejectedError);
    expect((taken as RecordRejectedError).reason).toBe('notOwner');
    const removed = await settle(d[SECOND].removeValue(key).catch((e: unknown) => e));
    expect(removed).toBeInstanceOf(RecordRejectedError);
    expect((removed as RecordRejectedError).reason).toBe('notPublisher');
    // A remove crafted in the owner's name without its signed removal: refused as forged at each root.
    const forged = total('forged');
    for (let salt = 0; salt < SALTS; salt++) {
      raw.route(saltedRoot(key, salt), encodeDht({ kind: 'remove', key, salt, requestId: 2_000 + salt, requester: { guid: owner(), address: raw.self.address } }), { fuzzy: true });
    }
    await advance(3_000);
    expect(total('forged') - forged).toBe(SALTS);
    expect(new Set(await readEverywhere(key))).toEqual(new Set(['second']));
    // The owner removes its record; the key is free, and the second publisher now owns it.
    await settle(d[OWNER].removeValue(key));
    await settle(d[SECOND].putValue(key, 'now mine'));
    await advance(LIFETIME); // copies of the owner's record cached along get paths lapse (a removal does not reach them)
    expect(new Set(await readEverywhere(key))).toEqual(new Set(['now mine']));
    const got = await settle(d[7].getValue(key));
    expect(got.publisher.equals(net.nodes[SECOND].guid)).toBe(true);
  }, 180_000);
});

describe('a lying root', () => {
  let key: Guid;
  let genuine: DhtRecord;

  beforeAll(async () => {
    // A key whose salt-0 root is the hostile node and whose other roots are honest (brute force over names).
    const guids = net.nodes.map((n) => n.guid);
    const rootOf = (k: Guid, salt: number) => bruteForceRoot(guids, saltedRoot(k, salt), net.space);
    let i = 0;
    do key = d[0].keyGuid(`lied-about-${i++}`);
    while (!(rootOf(key, 0) === HOSTILE && Array.from({ length: SALTS - 1 }, (_, s) => rootOf(key, s + 1)).every((r) => r !== HOSTILE)));
    await settle(d[3].putValue(key, 'old truth'));
    genuine = rawGot.find((m) => m.kind === 'put' && m.key.equals(key))!.record!;
    await advance(1_500);
    await settle(d[3].putValue(key, 'truth'));
  }, 60_000);
  afterAll(() => void (lie = undefined));

  test('its forged answers (VALUE, and CACHE copies to the previous hop) are refused by every getter and cache, and never served', async () => {
    const next = (): DhtRecord => ({ value: bytes('lie'), seq: genuine.seq + 5_000, publisher: genuine.publisher, ttlMs: 60_000 });
    const lies: [string, () => DhtRecord][] = [
      ['a forged signature', () => ({ ...next(), credential: genuine.credential, signature: new Uint8Array(64).fill(1) })],
      ['the hostile key naming the publisher', () => signRecord(raw.security, key, next())],
      ['the publisher\'s credential with the hostile key\'s signature', () => ({ ...next(), credential: genuine.credential, signature: raw.security.sign(recordBytes(key, next())) })],
    ];
    const gets = () => rawGot.filter((m) => m.kind === 'get' && m.key.equals(key)).length;
    for (const [what, record] of lies) {
      lie = () => record();
      const refused = total('forged') + total('unsolicitedCopies');
      const before = gets();
      // Each getter hears every root: it checks the liar's answer, whatever came first.
      expect([what, new Set(await readEverywhere(key, SALTS))]).toEqual([what, new Set(['truth'])]);
      // Each get that reached the liar: its answer refused at the getter, its copy refused at the previous hop.
      const lied = gets() - before;
      expect(lied).toBeGreaterThan(0);
      expect([what, total('forged') + total('unsolicitedCopies') - refused]).toEqual([what, 2 * lied]);
      // Read again, one answer enough: no node took the lie on the way, so every answer is still the truth.
      expect([what, new Set(await readEverywhere(key))]).toEqual([what, new Set(['truth'])]);
    }
  }, 180_000);

  test('its replay of the genuine older version loses to the newer one at every getter that hears every root', async () => {
    lie = () => ({ ...genuine, ttlMs: 60_000 });
    expect(new Set(await readEverywhere(key, SALTS))).toEqual(new Set(['truth']));
  }, 120_000);

  test('a replay of the publisher\'s signed removal, after it put again, drops nothing', async () => {
    lie = () => undefined; // the liar now answers that it holds nothing
    await settle(d[3].removeValue(key));
    const removal = rawGot.find((m) => m.kind === 'remove' && m.key.equals(key))!;
    expect(removal.removal).toBeDefined();
    await advance(1_500);
    await settle(d[3].putValue(key, 'after removal'));
    const older = total('refusedOlder');
    for (let salt = 1; salt < SALTS; salt++) {
      raw.route(saltedRoot(key, salt), encodeDht({ ...removal, salt, requestId: 3_000 + salt }), { fuzzy: true });
    }
    await advance(3_000);
    expect(total('refusedOlder') - older).toBe(SALTS - 1);
    await advance(LIFETIME); // copies of 'truth' cached along get paths lapse (a removal does not reach them)
    expect(new Set(await readEverywhere(key))).toEqual(new Set(['after removal']));
  }, 180_000);
});
