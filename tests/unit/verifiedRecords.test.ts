/**
 * The cache of checked record signatures (security/verifiedRecords.ts) and how RecordGate uses it:
 * a hit only for the exact (signed bytes, signature, credential) that verified before; forged,
 * re-keyed and replayed records are still refused with the cache warm; an unchanged copy renews a
 * pointer only within the renew window. Oracle: the real ed25519 verification, called through a
 * counting spy, and the lifetime rule written out case by case.
 */
import fc from 'fast-check';
import { RecordGate, publishRecord } from '../../location/recordGate';
import type { PublishMsg } from '../../location/messages';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/messages';
import { Identity } from '../../security/identity';
import { signRecord } from '../../security/recordSigning';
import { encodeRecord } from '../../security/records';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { VerifiedRecords } from '../../security/verifiedRecords';

const owner = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(1)));
const other = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(2)));
const server: NodeHandle = { guid: owner.identity.guid(), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 7 } };

function publish(object: Guid, sequence: number, tag = '', by = owner, lifetimeMs = 1000): PublishMsg {
  const p: PublishMsg = { object, server, tag, saltIndex: 0, sequence, lifetimeMs, pathLatency: 0, extra: false };
  return { ...p, publisherKey: by.credential(), signature: signRecord(by, publishRecord(p)) };
}

describe('VerifiedRecords', () => {
  test('property: a hit only for the triple that verified; any changed byte, or a byte moved between parts, misses', () => {
    const part = fc.uint8Array({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(part, part, part, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 3 }), (bytes, sig, cred, at, flip, which) => {
        const cache = new VerifiedRecords(16);
        let calls = 0;
        const ok = () => (calls++, true);
        expect(cache.check(bytes, sig, cred, ok)).toBe(true);
        expect(cache.check(Uint8Array.from(bytes), Uint8Array.from(sig), Uint8Array.from(cred), ok)).toBe(true);
        expect(calls).toBe(1); // the same triple again: answered from the cache
        const parts = [Uint8Array.from(bytes), Uint8Array.from(sig), Uint8Array.from(cred)];
        if (which < 3) {
          parts[which][at % parts[which].length] ^= flip; // one changed byte in one part
        } else {
          // The same bytes in all, split differently: the last byte of the record moves into the signature.
          parts[1] = Uint8Array.of(parts[0][parts[0].length - 1], ...parts[1]);
          parts[0] = parts[0].subarray(0, parts[0].length - 1);
        }
        const refuse = () => (calls++, false);
        expect(cache.check(parts[0], parts[1], parts[2], refuse)).toBe(false);
        expect(calls).toBe(2); // a miss: the verification was asked, and its refusal stands
        expect(cache.check(parts[0], parts[1], parts[2], ok)).toBe(true);
        expect(calls).toBe(3); // a refusal is never remembered
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  test('bounded: least recently used goes first', () => {
    const cache = new VerifiedRecords(2);
    const t = (i: number) => [Uint8Array.of(i), Uint8Array.of(0), Uint8Array.of(0)] as const;
    let calls = 0;
    const ok = () => (calls++, true);
    cache.check(...t(1), ok);
    cache.check(...t(2), ok);
    cache.check(...t(1), ok); // 1 is now the most recently used
    cache.check(...t(3), ok); // evicts 2
    expect([cache.size, cache.evictions, calls]).toEqual([2, 1, 3]);
    cache.check(...t(1), ok);
    expect(calls).toBe(3);
    cache.check(...t(2), ok);
    expect(calls).toBe(4);
  });
});

describe('RecordGate with the cache', () => {
  const object = Guid.fromName('cached object');

  function counting(): { gate: RecordGate; verifies: () => number } {
    const provider = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(9)));
    let n = 0;
    const verify = provider.verify.bind(provider);
    provider.verify = (c, d, s) => (n++, verify(c, d, s));
    return { gate: new RecordGate(provider), verifies: () => n };
  }
  const admit = (g: RecordGate, p: PublishMsg, now: number) => g.admit(p, publishRecord(p), now);

  test('the same record is verified once; forged, re-keyed, altered and replayed copies are refused with the cache warm', () => {
    const { gate, verifies } = counting();
    const p5 = publish(object, 5, 'tag');
    expect(admit(gate, p5, 100)).toBe(100);
    expect(admit(gate, p5, 200)).toBe(100);
    expect(admit(gate, { ...p5, saltIndex: 2, pathLatency: 9 }, 300)).toBe(100); // per-hop fields are not signed
    expect(verifies()).toBe(1);

    const forged = Uint8Array.from(p5.signature!);
    forged[10] ^= 1;
    expect(admit(gate, { ...p5, signature: forged }, 300)).toBeUndefined();
    // Another key's valid signature of the same record: that key does not stand for the server.
    expect(admit(gate, publish(object, 5, 'tag', other), 300)).toBeUndefined();
    // The record changed under the old signature (another tag, another lifetime).
    expect(admit(gate, { ...p5, tag: 'other' }, 300)).toBeUndefined();
    expect(admit(gate, { ...p5, lifetimeMs: 2000 }, 300)).toBeUndefined();
    expect(gate.stats.forgedRecords).toBe(4);

    expect(admit(gate, publish(object, 6, 'tag'), 400)).toBe(400);
    // The older record verified before and is still cached: refused as a replay all the same.
    expect(admit(gate, p5, 500)).toBeUndefined();
    expect(gate.stats.replayedRecords).toBe(1);
  });

  test("the node's own records are known good without a verification", () => {
    const provider = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(4)));
    let n = 0;
    const verify = provider.verify.bind(provider);
    provider.verify = (c, d, s) => (n++, verify(c, d, s));
    const gate = new RecordGate(provider);
    const me: NodeHandle = { guid: provider.identity.guid(), address: server.address };
    const p: PublishMsg = { object, server: me, tag: '', saltIndex: 0, sequence: 3, lifetimeMs: 1000, pathLatency: 0, extra: false };
    const signed = { ...p, ...gate.sign(publishRecord(p))! };
    expect(gate.verified.size).toBe(1);
    expect(admit(gate, signed, 0)).toBe(0);
    expect(n).toBe(0);
    expect(provider.verify(signed.publisherKey, encodeRecord(publishRecord(p)), signed.signature)).toBe(true);
  });

  test('lifetimeLeft: a fresh record its whole lifetime; a copy renews within the window, never past it', () => {
    const gate = new RecordGate(owner, { renewMs: 60_000 });
    for (const lifetime of [1_000, 25_000, 60_000, 90_000]) {
      for (const firstAt of [0, 5_000]) {
        for (let now = firstAt; now <= firstAt + 100_000; now += 2_500) {
          // The rule, case by case: the window caps a copy unless the lifetime is longer (then the first copy's lifetime caps it).
          const cap = firstAt + (lifetime >= 60_000 ? lifetime : 60_000);
          const expected = Math.min(lifetime, cap - now);
          expect(gate.lifetimeLeft(lifetime, firstAt, now)).toBe(expected);
          expect(firstAt + gate.lifetimeLeft(lifetime, firstAt, now) <= cap || now + lifetime <= cap).toBe(true);
        }
      }
      expect(gate.lifetimeLeft(lifetime, 7, 7)).toBe(lifetime);
    }
    // A window no longer than the lifetime keeps the old rule: a copy never outlives the first.
    const old = new RecordGate(owner, { renewMs: 0 });
    expect(old.lifetimeLeft(1_000, 100, 600)).toBe(500);
  });
});
