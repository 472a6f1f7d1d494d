/**
 * Signed DHT records, their pure parts: the codec carries a record's credential and signature and a
 * remove's signed removal (round trip, each limit refused by name); a record signed through a module's
 * security view verifies only as it was signed — every signed field changed, a credential standing for
 * another GUID, another key's signature are refused, while the lifetime (unsigned) may shrink; a
 * module's signatures never verify as the node's own or another module's; an owned record store
 * refuses another publisher until the owner's record lapses or is removed. The oracle is the real
 * ed25519 provider (node:crypto) and a second, independent derivation of each expectation.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { Identity } from '../../security/identity';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { noneProvider } from '../../security/noneProvider';
import { moduleSecurity } from '../../api/moduleContext';
import type { DhtMsg, DhtRecord } from '../../upcalls/dht/messages';
import { recordBytes, recordVerifies, removalVerifies, signRecord, signRemoval } from '../../upcalls/dht/recordSignature';
import { RecordStore } from '../../upcalls/dht/recordStore';
import { decodeDht, encodeDht } from '../../wire/dhtCodec';
import { decodeReason } from '../helpers/decodeReason';

const DHT_ID = 0xfe13;
const identity = (n: number) => Identity.fromSeed(new Uint8Array(32).fill(n));
const alice = identity(1);
const mallory = identity(2);
const aliceSec = moduleSecurity(new SignedSecurityProvider(alice), DHT_ID);
const mallorySec = moduleSecurity(new SignedSecurityProvider(mallory), DHT_ID);
const handle = (name: string): NodeHandle => ({ guid: Guid.fromName(name), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 7 } });
const plain = (m: unknown) => JSON.stringify(m, (_k, v) => (v instanceof Guid ? v.hex : v instanceof Uint8Array ? [...v] : v));
const key = Guid.fromName('the key');
const unsigned = (over: Partial<DhtRecord> = {}): DhtRecord => ({ value: Uint8Array.of(1, 2, 3), seq: 5, publisher: alice.guid(), ttlMs: 60_000, ...over });

describe('codec', () => {
  test('round-trips records with and without a proof, and removes with and without a signed removal', () => {
    const arb = fc.record({
      value: fc.uint8Array({ minLength: 1, maxLength: 300 }), seq: fc.integer({ min: 1, max: 0xffff_ffff }), ttl: fc.integer({ min: 1, max: DEFAULTS.dhtRecordLifetimeMs }),
      credential: fc.option(fc.uint8Array({ minLength: 1, maxLength: DEFAULTS.maxCredentialBytes })), signature: fc.uint8Array({ minLength: 1, maxLength: DEFAULTS.maxSignatureBytes }),
      kind: fc.constantFrom('put', 'store', 'cache', 'value', 'remove'), status: fc.constantFrom('notOwner', 'forged'),
    }).map((r): DhtMsg => {
      const proof = r.credential ? { credential: r.credential, signature: r.signature } : {};
      if (r.kind === 'remove') {
        return { kind: 'remove', key, salt: 1, requestId: 9, requester: handle('p'), ...(r.credential ? { removal: { seq: r.seq, credential: r.credential, signature: r.signature } } : {}) };
      }
      const requestId = r.kind === 'put' || r.kind === 'value' ? 9 : 0;
      return { kind: r.kind, key, salt: 0, requestId, ...(requestId ? { requester: handle('q') } : {}), record: { value: r.value, seq: r.seq, publisher: Guid.fromName('pub'), ttlMs: r.ttl, ...proof } };
    });
    fc.assert(fc.property(arb, (m) => expect(plain(decodeDht(encodeDht(m), { idBytes: 20 }))).toBe(plain(m))), { numRuns: 300 });
    const ack: DhtMsg = { kind: 'ack', key, salt: 0, requestId: 3, requester: handle('root'), status: 'notOwner' };
    expect(decodeDht(encodeDht(ack), { idBytes: 20 }).status).toBe('notOwner');
    expect(decodeDht(encodeDht({ ...ack, status: 'forged' }), { idBytes: 20 }).status).toBe('forged');
  });

  test('refuses each new limit by name', () => {
    const sig = new Uint8Array(64).fill(7);
    const cred = new Uint8Array(32).fill(9);
    const put: DhtMsg = { kind: 'put', key, salt: 0, requestId: 1, requester: handle('r'), record: unsigned({ credential: cred, signature: sig }) };
    const remove: DhtMsg = { kind: 'remove', key, salt: 0, requestId: 1, requester: handle('r'), removal: { seq: 3, credential: cred, signature: sig } };
    const reason = (m: DhtMsg) => decodeReason(() => decodeDht(encodeDht(m), { idBytes: 20 }));
    expect(reason({ ...put, record: unsigned({ credential: new Uint8Array(DEFAULTS.maxCredentialBytes + 1), signature: sig }) })).toBe('tooLarge');
    expect(reason({ ...put, record: unsigned({ credential: cred, signature: new Uint8Array(DEFAULTS.maxSignatureBytes + 1) }) })).toBe('tooLarge');
    expect(reason({ ...put, record: unsigned({ credential: cred }) })).toBe('missing');
    expect(reason({ ...put, record: unsigned({ signature: sig }) })).toBe('missing');
    expect(reason({ ...remove, removal: { seq: 3, credential: new Uint8Array(DEFAULTS.maxCredentialBytes + 1), signature: sig } })).toBe('tooLarge');
    expect(reason({ ...remove, removal: { seq: 3, credential: cred, signature: new Uint8Array(DEFAULTS.maxSignatureBytes + 1) } })).toBe('tooLarge');
    expect(reason({ ...remove, removal: { seq: 3, credential: new Uint8Array(0), signature: new Uint8Array(0) } })).toBe('missing');
    expect(reason({ ...remove, removal: { seq: 3, credential: cred, signature: new Uint8Array(0) } })).toBe('missing');
    expect(reason({ ...remove, removal: { seq: 0, credential: cred, signature: sig } })).toBe('missing');
    expect(reason({ ...put, removal: remove.removal })).toBe('payload');
    // At the limits exactly, both decode.
    expect(decodeDht(encodeDht({ ...put, record: unsigned({ credential: new Uint8Array(DEFAULTS.maxCredentialBytes), signature: new Uint8Array(DEFAULTS.maxSignatureBytes) }) }), { idBytes: 20 }).record?.signature).toHaveLength(DEFAULTS.maxSignatureBytes);
  });
});

describe('record signatures', () => {
  const signed = signRecord(aliceSec, key, unsigned());

  test('a record signed by its publisher verifies, with any lifetime (not signed), at any holder', () => {
    expect(signed.credential).toEqual(alice.publicKey);
    expect(recordVerifies(mallorySec, key, signed)).toBe(true);
    expect(recordVerifies(aliceSec, key, { ...signed, ttlMs: 1 })).toBe(true);
    // The bytes signed are the canonical encoding, in the DHT module's domain: the raw provider, over the bare bytes, refuses it.
    expect(new SignedSecurityProvider(mallory).verify(alice.publicKey, recordBytes(key, signed), signed.signature!)).toBe(false);
  });

  test('each signed field changed, a proof missing, another key\'s credential or signature: refused', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 0xffff_fffe }), (field, n) => {
      const changed: DhtRecord[] = [
        { ...signed, value: Uint8Array.of(1, 2, 3, n & 0xff) },
        { ...signed, seq: signed.seq === n ? n + 1 : n },
        { ...signed, publisher: mallory.guid() },
        { ...signed, credential: mallory.publicKey },
        { ...signed, signature: mallorySec.sign(recordBytes(key, signed)) },
        { ...signed, signature: Uint8Array.from(signed.signature!, (b, i) => (i === n % 64 ? b ^ 1 : b)) },
      ];
      expect(recordVerifies(aliceSec, key, changed[field])).toBe(false);
    }), { numRuns: 60 });
    expect(recordVerifies(aliceSec, Guid.fromName('another key'), signed)).toBe(false);
    expect(recordVerifies(aliceSec, key, unsigned())).toBe(false);
    // Mallory's own signature over a record naming Alice as publisher: the credential does not stand for Alice's GUID.
    expect(recordVerifies(aliceSec, key, signRecord(mallorySec, key, unsigned()))).toBe(false);
    // Mallory signing as herself verifies: the record is hers (whether a holder takes it is ownership's call).
    expect(recordVerifies(aliceSec, key, signRecord(mallorySec, key, unsigned({ publisher: mallory.guid() })))).toBe(true);
  });

  test('a removal verifies only for its publisher, key and version', () => {
    const removal = signRemoval(aliceSec, key, 9, alice.guid())!;
    expect(removalVerifies(mallorySec, key, alice.guid(), removal)).toBe(true);
    expect(removalVerifies(mallorySec, key, alice.guid(), { ...removal, seq: 10 })).toBe(false);
    expect(removalVerifies(mallorySec, Guid.fromName('other'), alice.guid(), removal)).toBe(false);
    expect(removalVerifies(mallorySec, key, mallory.guid(), signRemoval(mallorySec, key, 9, alice.guid()))).toBe(false);
    expect(removalVerifies(mallorySec, key, alice.guid(), signRemoval(mallorySec, key, 9, alice.guid()))).toBe(false);
    expect(removalVerifies(mallorySec, key, alice.guid(), undefined)).toBe(false);
    // A record's signature is not a removal's (different domains), even over the same key and version.
    expect(removalVerifies(mallorySec, key, alice.guid(), { seq: 5, credential: alice.publicKey, signature: signed.signature! })).toBe(false);
  });

  test('under `none` nothing is signed and everything passes, as before', () => {
    const none = moduleSecurity(noneProvider, DHT_ID);
    expect(signRecord(none, key, unsigned())).toEqual(unsigned());
    expect(signRemoval(none, key, 3, alice.guid())).toBeUndefined();
    expect(recordVerifies(none, key, unsigned({ signature: Uint8Array.of(1), credential: Uint8Array.of(2) }))).toBe(true);
    expect(removalVerifies(none, key, alice.guid(), undefined)).toBe(true);
  });
});

test('a module\'s signatures are in its own domain: not the node\'s, not another module\'s', () => {
  const provider = new SignedSecurityProvider(alice);
  const data = Uint8Array.of(5, 6, 7);
  const viaModule = aliceSec.sign(data);
  expect(aliceSec.verify(alice.publicKey, data, viaModule)).toBe(true);
  expect(provider.verify(alice.publicKey, data, viaModule)).toBe(false);
  expect(aliceSec.verify(alice.publicKey, data, provider.sign(data))).toBe(false);
  expect(moduleSecurity(provider, DHT_ID + 1).verify(alice.publicKey, data, viaModule)).toBe(false);
  expect(aliceSec.validateCredential(alice.publicKey, alice.guid())).toBe(true);
  expect(aliceSec.validateCredential(alice.publicKey, mallory.guid())).toBe(false);
  // The view hands out the credential, not the provider: no identity, no private key reachable from it.
  expect(Object.keys(aliceSec).sort()).toEqual(['authenticates', 'credential', 'name', 'sign', 'validateCredential', 'verify']);
  expect(Object.isFrozen(aliceSec)).toBe(true);
});

test('an owned record store refuses another publisher until the owner\'s record lapses or is removed (a model of one key)', () => {
  const a = unsigned({ publisher: alice.guid() });
  const m = unsigned({ publisher: mallory.guid(), seq: 99 });
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'm', 'removeA', 'removeM', 'wait'), fc.integer({ min: 1, max: 100 })), { maxLength: 30 }), (ops) => {
    const store = new RecordStore(8, true);
    let owner: { who: string; seq: number; until: number } | undefined;
    let now = 0;
    for (const [op, n] of ops) {
      now += op === 'wait' ? n * 1_000 : 1;
      const live = owner && owner.until > now ? owner : undefined;
      if (op === 'a' || op === 'm') {
        const rec = { ...(op === 'a' ? a : m), seq: (op === 'a' ? a : m).seq + n, ttlMs: 30_000 };
        const got = store.put('k', key, 0, rec, now);
        if (live && live.who !== op) expect(got).toBe('notOwner');
        else if (live && rec.seq < live.seq) expect(got).toBe('older');
        else if (live && rec.seq === live.seq) {
          expect(got).toBe('refreshed');
          live.until = Math.max(live.until, now + 30_000);
        } else {
          expect(got).toBe('stored');
          owner = { who: op, seq: rec.seq, until: now + 30_000 };
        }
      } else if (op === 'removeA' || op === 'removeM') {
        const who = op === 'removeA' ? 'a' : 'm';
        const got = store.remove('k', (who === 'a' ? alice : mallory).guid().hex);
        if (!owner) expect(got).toBe('none');
        else if (owner.who !== who) expect(got).toBe('notPublisher');
        else {
          expect(got).toBe('removed');
          owner = undefined;
        }
      }
    }
  }), { numRuns: 300 });
  // A removal's version bounds it: a replay of an old removal never drops a newer record.
  const store = new RecordStore(8, true);
  store.put('k', key, 0, { ...a, seq: 10 }, 0);
  expect(store.remove('k', alice.guid().hex, 9)).toBe('newer');
  expect(store.remove('k', alice.guid().hex, 10)).toBe('removed');
});
