/**
 * With the `signed` provider a publish or unpublish is acted on only when its server signed it:
 * forged records (another node named as server, a bad signature, a server GUID that is not the
 * key's hash, no signature) are never stored or served, and a replayed older record is refused by
 * every node that saw a newer one. The hostile frames are built by hand (tests/helpers/forger.ts).
 */
import { NotFoundError } from '../../errors';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { saltedRoot } from '../../location/saltedRoots';
import type { Pointer } from '../../location/pointerStore';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { signRecord } from '../../security/recordSigning';
import type { LocationRecord } from '../../security/records';
import { DEFAULTS } from '../../defaults';
import type { PublishMsg } from '../../location/messages';
import { collect } from '../helpers/collect';
import { Forger } from '../helpers/forger';

const N = 64;
const LIFETIME = 60_000;

function net(): Promise<Testnet> {
  return createTestnet({ nodes: N, frozen: true, seed: 5, security: 'signed', node: { republishMs: 0, pointerLifetimeMs: LIFETIME } });
}

/** Every node's pointers for the object. */
function holders(t: Testnet, object: Guid): Array<{ at: number; p: Pointer }> {
  return t.nodes.flatMap((n, at) => n.localLookup(object).map((p) => ({ at, p })));
}

async function locateFrom(t: Testnet, at: number, object: Guid): Promise<{ results: unknown[]; error?: unknown }> {
  const done = collect(t.nodes[at].locate(object));
  t.run(20_000);
  return done;
}

function sendToEveryRoot(t: Testnet, forger: Forger, via: readonly number[], publish: PublishMsg): void {
  for (const i of via) {
    for (let salt = 0; salt < DEFAULTS.salts; salt++) {
      forger.routeLocation(t.nodes[i].handle, saltedRoot(publish.object, salt), { kind: 'publish', publish: { ...publish, saltIndex: salt } });
    }
  }
}

function sum(t: Testnet, key: 'forgedRecords' | 'unsignedRecords' | 'replayedRecords' | 'publishesFromStrangers'): number {
  if (key === 'publishesFromStrangers') return t.nodes.reduce((s, n) => s + n.stats.location[key], 0);
  return t.nodes.reduce((s, n) => s + n.stats.security[key], 0);
}

test('forged publishes are never stored or served', async () => {
  const t = await net();
  const forger = new Forger(t.network, 11);
  const rng = new SeededRng(2);
  const object = () => Guid.random(() => rng.int(256));
  const via = [0, 17, 33, 50];
  const base = (o: Guid, server = forger.handle): PublishMsg => ({ object: o, server, tag: '', saltIndex: 0, sequence: 7, lifetimeMs: LIFETIME, pathLatency: 0, extra: false });
  const signed = (p: PublishMsg, key = forger.key): PublishMsg => {
    const record: LocationRecord = { kind: 'publish', object: p.object, server: p.server, tag: p.tag, sequence: p.sequence, lifetimeMs: p.lifetimeMs };
    return { ...p, publisherKey: key.credential(), signature: signRecord(key, record) };
  };

  // 1. An honest node named as server, signed with the forger's key.
  const o1 = object();
  sendToEveryRoot(t, forger, via, signed(base(o1, t.nodes[9].handle)));
  // 2. The forger's own record with one signature bit flipped.
  const o2 = object();
  const good = signed(base(o2));
  const flipped = Uint8Array.from(good.signature!);
  flipped[10] ^= 1;
  sendToEveryRoot(t, forger, via, { ...good, signature: flipped });
  // 3. A server GUID that is not the hash of the key, with a signature that verifies under that key.
  const o3 = object();
  sendToEveryRoot(t, forger, via, signed(base(o3, { guid: object(), address: forger.transport.local })));
  // 4. No signature at all.
  const o4 = object();
  sendToEveryRoot(t, forger, via, base(o4));
  t.run(5_000);

  for (const o of [o1, o2, o3, o4]) {
    expect(holders(t, o)).toEqual([]);
    const { error } = await locateFrom(t, 40, o);
    expect(error).toBeInstanceOf(NotFoundError);
  }
  expect(sum(t, 'forgedRecords')).toBeGreaterThanOrEqual(3 * via.length * DEFAULTS.salts);
  expect(sum(t, 'unsignedRecords')).toBeGreaterThanOrEqual(via.length * DEFAULTS.salts);

  // Oracle: the forger's correctly signed record of its own passes the signature checks (it is counted
  // as none of the above) and is refused only because the forger is no admitted peer of the first hop.
  const o5 = object();
  const before = { forged: sum(t, 'forgedRecords'), unsigned: sum(t, 'unsignedRecords'), strangers: sum(t, 'publishesFromStrangers') };
  sendToEveryRoot(t, forger, via, signed(base(o5)));
  t.run(5_000);
  expect({ forged: sum(t, 'forgedRecords'), unsigned: sum(t, 'unsignedRecords') }).toEqual({ forged: before.forged, unsigned: before.unsigned });
  expect(sum(t, 'publishesFromStrangers') - before.strangers).toBeGreaterThanOrEqual(via.length * DEFAULTS.salts);
  await t.close();
}, 60_000);

test('an honest publish is located; a replay of it after unpublish is refused and never served', async () => {
  const t = await net();
  const forger = new Forger(t.network, 12);
  const object = Guid.fromName('replayed object');
  const publisher = t.nodes[3];
  publisher.publish(object, { tag: 'v1' });
  t.run(5_000);
  const found = await locateFrom(t, 45, object);
  expect(found.error).toBeUndefined();
  expect(found.results.length).toBe(1);

  // "Capture" the publish as it travelled: a pointer keeps the record's key and signature.
  const captured = holders(t, object).filter(({ p }) => !p.extra);
  expect(captured.length).toBeGreaterThan(0);
  const { p } = captured[0];
  const replay: PublishMsg = {
    object, server: p.server, tag: p.tag, saltIndex: 0, sequence: p.sequence, lifetimeMs: p.signed!.lifetimeMs, pathLatency: 0, extra: false,
    publisherKey: p.signed!.publisherKey, signature: p.signed!.signature,
  };
  const onPath = [...new Set(captured.map((c) => c.at))];

  publisher.unpublish(object);
  t.run(5_000);
  expect(holders(t, object)).toEqual([]);

  // Replayed into every node of the old publish paths, toward every salted root.
  sendToEveryRoot(t, forger, onPath, replay);
  t.run(5_000);
  expect(holders(t, object)).toEqual([]);
  expect(sum(t, 'replayedRecords')).toBeGreaterThanOrEqual(onPath.length);
  const after = await locateFrom(t, 45, object);
  expect(after.results).toEqual([]);
  expect(after.error).toBeInstanceOf(NotFoundError);
  await t.close();
}, 60_000);

test('a replay of an older publish does not displace the newer one, and each republish is a fresh record', async () => {
  const t = await createTestnet({ nodes: N, frozen: true, seed: 6, security: 'signed', node: { republishMs: 2_000, pointerLifetimeMs: LIFETIME } });
  const forger = new Forger(t.network, 13);
  const object = Guid.fromName('republished object');
  t.nodes[8].publish(object, { tag: 'v1' });
  t.run(1_000);
  const first = holders(t, object).filter(({ p }) => !p.extra);
  const old = first[0].p;
  t.run(4_000); // two republishes, each with a new sequence
  const now = holders(t, object);
  expect(now.length).toBeGreaterThan(0);
  expect(now.every(({ p }) => p.sequence > old.sequence)).toBe(true);

  const replay: PublishMsg = {
    object, server: old.server, tag: old.tag, saltIndex: 0, sequence: old.sequence, lifetimeMs: old.signed!.lifetimeMs, pathLatency: 0, extra: false,
    publisherKey: old.signed!.publisherKey, signature: old.signed!.signature,
  };
  sendToEveryRoot(t, forger, [...new Set(first.map((c) => c.at))], replay);
  t.run(500);
  expect(holders(t, object).every(({ p }) => p.sequence > old.sequence)).toBe(true);
  expect(sum(t, 'replayedRecords')).toBeGreaterThan(0);
  const found = await locateFrom(t, 30, object);
  expect(found.results.length).toBe(1);
  await t.close();
}, 60_000);
