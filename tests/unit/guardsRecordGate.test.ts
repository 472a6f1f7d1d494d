/**
 * Guard: the record gate verifies a record's signature before the replay guard remembers its
 * sequence. Otherwise anyone who knows a publisher's credential (it travels in every publish) could
 * send a record under that credential with a huge sequence and a bad signature: it would be refused,
 * but its sequence would stay as the newest, and every real record of that publisher for that object
 * would then be refused as a replay.
 */
import { RecordGate, publishRecord, unpublishRecord } from '../../location/recordGate';
import type { PublishMsg, UnpublishMsg } from '../../location/messages';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/messages';
import { Identity } from '../../security/identity';
import { signRecord } from '../../security/recordSigning';
import { SignedSecurityProvider } from '../../security/signedProvider';

const owner = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(7)));
const mallory = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(8)));
const server: NodeHandle = { guid: owner.identity.guid(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 7), port: 4007 } };
const object = Guid.fromName('guarded object');

function publish(sequence: number): PublishMsg {
  const p: PublishMsg = { object, server, tag: '', saltIndex: 0, sequence, lifetimeMs: 10_000, pathLatency: 0, extra: false };
  return { ...p, publisherKey: owner.credential(), signature: signRecord(owner, publishRecord(p)) };
}

function unpublish(sequence: number): UnpublishMsg {
  const u: UnpublishMsg = { object, server, saltIndex: 0, sequence, extra: false };
  return { ...u, publisherKey: owner.credential(), signature: signRecord(owner, unpublishRecord(u)) };
}

/** Forgeries under the owner's credential: a flipped bit of a real signature, or another key's signature. */
function forgedPublishes(sequence: number): PublishMsg[] {
  const real = publish(sequence);
  const flipped = Uint8Array.from(real.signature!);
  flipped[flipped.length - 1] ^= 0x80;
  const { publisherKey: _k, signature: _s, ...bare } = real;
  return [
    { ...real, signature: flipped },
    { ...real, signature: signRecord(mallory, publishRecord(bare)) },
    { ...real, signature: new Uint8Array(real.signature!.length) },
  ];
}

const admitPublish = (g: RecordGate, p: PublishMsg, now: number) => g.admit(p, publishRecord(p), now);
const admitUnpublish = (g: RecordGate, u: UnpublishMsg, now: number) => g.admit(u, unpublishRecord(u), now);

test.each([0xffff_ffff, 2 ** 31, 1_000])('forged publishes with sequence %i under the real credential lock nobody out', (huge) => {
  const g = new RecordGate(owner);
  expect(admitPublish(g, publish(1), 10)).toBe(10);
  const forged = forgedPublishes(huge);
  for (const f of forged) expect(admitPublish(g, f, 20)).toBeUndefined();
  expect(g.stats.forgedRecords).toBe(forged.length);
  // The real publisher goes on with its own, much smaller, sequence numbers.
  expect(admitPublish(g, publish(2), 30)).toBe(30);
  expect(admitPublish(g, publish(3), 40)).toBe(40);
  expect(admitUnpublish(g, unpublish(3), 50)).toBe(50);
  expect(admitPublish(g, publish(4), 60)).toBe(60);
  expect(g.stats.replayedRecords).toBe(0);
  // And a real replay is still one: the forgeries did not reset anything either.
  expect(admitPublish(g, publish(2), 70)).toBeUndefined();
  expect(g.stats.replayedRecords).toBe(1);
});

test('a forged unpublish with a huge sequence neither withdraws nor locks out the real records', () => {
  const g = new RecordGate(owner);
  const real = unpublish(0xffff_ffff);
  const sig = Uint8Array.from(real.signature!);
  sig[0] ^= 1;
  expect(admitUnpublish(g, { ...real, signature: sig }, 5)).toBeUndefined();
  expect(g.stats.forgedRecords).toBe(1);
  expect(admitPublish(g, publish(1), 6)).toBe(6);
  expect(g.stats.replayedRecords).toBe(0);
});

test('a forgery sent first, before any real record, locks nobody out', () => {
  const g = new RecordGate(owner);
  for (const f of forgedPublishes(0xffff_ffff)) expect(admitPublish(g, f, 1)).toBeUndefined();
  expect(admitPublish(g, publish(1), 2)).toBe(2);
});
