/**
 * The pieces that gate admission and records: ProvenPeers (bounded, bound to the address a proof came
 * from) and RecordGate (signature, key-to-server binding, replay order, the duplicate lifetime cap).
 */
import { RecordGate, publishRecord, unpublishRecord } from '../../location/recordGate';
import { Guid } from '../../routing/guid';
import { Identity } from '../../security/identity';
import { noneProvider } from '../../security/noneProvider';
import { ProvenPeers } from '../../security/provenPeers';
import { signRecord } from '../../security/recordSigning';
import { SignedSecurityProvider } from '../../security/signedProvider';
import type { NodeHandle } from '../../routing/messages';
import type { PublishMsg, UnpublishMsg } from '../../location/messages';

const address = (port: number) => ({ family: 4 as const, ip: Uint8Array.of(10, 0, 0, 1), port });

describe('ProvenPeers', () => {
  test('a proof counts only at the address it was made from, and the oldest proof goes first', () => {
    const peers = new ProvenPeers(2);
    const a: NodeHandle = { guid: Guid.fromName('a'), address: address(1) };
    peers.add(a);
    expect(peers.has(a)).toBe(true);
    expect(peers.has({ ...a, address: address(2) })).toBe(false);
    peers.add({ guid: Guid.fromName('b'), address: address(1) });
    peers.add({ guid: Guid.fromName('c'), address: address(1) });
    expect(peers.size).toBe(2);
    expect(peers.has(a)).toBe(false);
  });
});

describe('RecordGate', () => {
  const owner = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(1)));
  const other = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(2)));
  const server: NodeHandle = { guid: owner.identity.guid(), address: address(7) };
  const object = Guid.fromName('object');
  const publish = (sequence: number, by = owner): PublishMsg => {
    const p: PublishMsg = { object, server, tag: '', saltIndex: 0, sequence, lifetimeMs: 1000, pathLatency: 0, extra: false };
    return { ...p, publisherKey: by.credential(), signature: signRecord(by, publishRecord(p)) };
  };
  const unpublish = (sequence: number): UnpublishMsg => {
    const u: UnpublishMsg = { object, server, saltIndex: 0, sequence, extra: false };
    return { ...u, publisherKey: owner.credential(), signature: signRecord(owner, unpublishRecord(u)) };
  };
  const admit = (g: RecordGate, p: PublishMsg, now: number) => g.admit(p, publishRecord(p), now);

  test('fresh, duplicate (with the first copy\'s time), replay after an unpublish, newer again', () => {
    const g = new RecordGate(owner);
    expect(admit(g, publish(5), 100)).toBe(100);
    expect(admit(g, publish(5), 600)).toBe(100); // a duplicate keeps the first copy's clock
    expect(g.admit(unpublish(5), unpublishRecord(unpublish(5)), 700)).toBe(700);
    expect(admit(g, publish(5), 800)).toBeUndefined(); // withdrawn: a replay
    expect(admit(g, publish(4), 800)).toBeUndefined();
    expect(admit(g, publish(6), 900)).toBe(900);
    expect(g.stats).toEqual({ unsignedRecords: 0, forgedRecords: 0, replayedRecords: 2 });
  });

  test('another key, a flipped bit, a missing signature are refused and counted; a forgery locks nobody out', () => {
    const g = new RecordGate(owner);
    expect(admit(g, publish(1_000_000, other), 1)).toBeUndefined();
    const bad = publish(2);
    const sig = Uint8Array.from(bad.signature!);
    sig[0] ^= 1;
    expect(admit(g, { ...bad, signature: sig }, 1)).toBeUndefined();
    const { publisherKey: _k, signature: _s, ...unsigned } = publish(3);
    expect(admit(g, unsigned, 1)).toBeUndefined();
    expect(g.stats).toEqual({ unsignedRecords: 1, forgedRecords: 2, replayedRecords: 0 });
    expect(admit(g, publish(3), 2)).toBe(2);
  });

  test('with none every record passes unchecked', () => {
    const g = new RecordGate(noneProvider);
    const { publisherKey: _k, signature: _s, ...unsigned } = publish(3);
    expect(admit(g, unsigned, 5)).toBe(5);
    expect(g.sign(publishRecord(unsigned))).toBeUndefined();
  });
});
