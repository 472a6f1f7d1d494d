/**
 * Object ownership and authenticated locate answers, without a network: the owner book against a
 * brute-force model of trust on first use, self-certifying GUIDs, grants, the answer statement, the
 * record's owner part, the codec's limits on the new fields, and the pointer intake with a real
 * `signed` provider (a squatter refused, a grant honoured, an expired grant refused, a proven owner
 * taking an object over).
 */
import fc from 'fast-check';
import { OwnerBook, type CheckedClaim } from '../../location/ownership';
import { certifiesObject, encodeGrant, nameHash, ownedObjectGuid, signGrant, verifyGrant } from '../../security/ownership';
import { encodeAnswer, signAnswer, verifyAnswer, type LocateAnswer } from '../../security/locateAnswer';
import { decodeRecord, encodeRecord, type PublishRecord } from '../../security/records';
import { signRecord } from '../../security/recordSigning';
import { Identity } from '../../security/identity';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { RoutingTable } from '../../routing/routingTable';
import { idSpace } from '../../routing/guid';
import { RecordGate, publishRecord } from '../../location/recordGate';
import { PointerIntake } from '../../actors/pointerIntake';
import type { LocatorStats } from '../../actors/locatorStats';
import type { PublishMsg } from '../../location/messages';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import { decodeReason } from '../helpers/decodeReason';

const key = (seed: number) => new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(seed)));
const addr = (i: number) => ({ family: 4 as const, ip: Uint8Array.of(10, 0, 0, i), port: 4000 + i });
const handleOf = (p: SignedSecurityProvider, i: number): NodeHandle => ({ guid: p.identity.guid(), address: addr(i) });

describe('owner book: trust on first use against a brute-force model', () => {
  type Ev = { kind: 'publish'; key?: number; proven: boolean } | { kind: 'lastPointerGone' };
  const ev = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('publish' as const), key: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), proven: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'lastPointerGone' as const }) },
  );

  /**
   * The model, from the whole history at once: within the window since the object last had no
   * pointer, a publish is accepted iff no earlier accepted publish of the window fixes a different
   * owner — where the owner is the key of the latest accepted proven claim if any, else the first
   * accepted publish's key (or open). Computed by rescanning the window for every event.
   */
  function model(events: Ev[]): boolean[] {
    const accepted: boolean[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.kind !== 'publish') {
        accepted.push(false);
        continue;
      }
      let start = 0;
      for (let j = i - 1; j >= 0; j--) if (events[j].kind === 'lastPointerGone') { start = j + 1; break; }
      const before = events.slice(start, i).filter((x, k) => x.kind === 'publish' && accepted[start + k]) as Array<Extract<Ev, { kind: 'publish' }>>;
      if (before.length === 0) { accepted.push(true); continue; }
      const provenOwner = [...before].reverse().find((x) => x.key !== undefined && x.proven);
      const first = before[0];
      const claimed = e.key !== undefined;
      let ok: boolean;
      if (provenOwner) ok = claimed && e.key === provenOwner.key;
      else if (first.key === undefined) ok = true; // open: anyone (a proven claim takes it over)
      else ok = (claimed && e.key === first.key) || (claimed && e.proven);
      accepted.push(ok);
    }
    return accepted;
  }

  test('admit accepts exactly what the model accepts (2,000 histories)', () => {
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 40 }), (events) => {
        const book = new OwnerBook(10);
        let live = false;
        const got = events.map((e) => {
          if (e.kind === 'lastPointerGone') {
            live = false;
            return false;
          }
          const claim: CheckedClaim = e.key === undefined ? { proven: false } : { keyHex: `k${e.key}`, proven: e.proven && true };
          const v = book.admit('obj', e.key === undefined ? { proven: false } : claim, live);
          const ok = v === 'accept' || v === 'takeover';
          if (ok) live = true;
          return ok;
        });
        // An open publish never claims proof: the model sees it as unproven.
        const normalised = events.map((e) => (e.kind === 'publish' && e.key === undefined ? { ...e, proven: false } : e));
        expect(got).toEqual(model(normalised));
      }),
      { numRuns: 2_000 },
    );
  });

  test('bounded: a new object past the limit is refused and counted; sweep frees records without pointers', () => {
    const book = new OwnerBook(3);
    for (const o of ['a', 'b', 'c']) expect(book.admit(o, { keyHex: 'k', proven: false }, false)).toBe('accept');
    expect(book.admit('d', { keyHex: 'k', proven: false }, false)).toBe('full');
    expect(book.stats.ownersFull).toBe(1);
    expect(book.sweep((hex) => hex === 'a')).toBe(2);
    expect(book.size).toBe(1);
    expect(book.admit('d', { keyHex: 'k', proven: false }, false)).toBe('accept');
  });
});

describe('self-certifying GUIDs and grants', () => {
  const owner = key(1);
  const other = key(2);

  test('the GUID is the domain-tagged hash of key and name, at the asked width, and certifies only its own pair', () => {
    const g = ownedObjectGuid(owner.credential(), 'film');
    expect(g.bits).toBe(160);
    expect(ownedObjectGuid(owner.credential(), 'film', 256).bits).toBe(256);
    expect(ownedObjectGuid(owner.credential(), 'film').equals(g)).toBe(true);
    // Independent second path: the 160-bit GUID is the first 20 bytes of the 256-bit one.
    expect(Buffer.from(ownedObjectGuid(owner.credential(), 'film', 256).bytes.slice(0, 20)).equals(Buffer.from(g.bytes))).toBe(true);
    expect(ownedObjectGuid(owner.credential(), 'film2').equals(g)).toBe(false);
    expect(ownedObjectGuid(other.credential(), 'film').equals(g)).toBe(false);
    expect(g.equals(Guid.fromName('film'))).toBe(false);
    expect(certifiesObject(g, owner.credential(), nameHash('film'))).toBe(true);
    expect(certifiesObject(g, other.credential(), nameHash('film'))).toBe(false);
    expect(certifiesObject(g, owner.credential(), nameHash('other'))).toBe(false);
    expect(certifiesObject(g, owner.credential(), new Uint8Array(31))).toBe(false);
  });

  test('a grant verifies only for its owner, object, server and expiry', () => {
    const object = ownedObjectGuid(owner.credential(), 'film');
    const server = other.identity.guid();
    const sig = signGrant(owner, object, server, 1000);
    expect(verifyGrant(owner, owner.credential(), object, server, 1000, sig)).toBe(true);
    expect(verifyGrant(owner, other.credential(), object, server, 1000, sig)).toBe(false);
    expect(verifyGrant(owner, owner.credential(), object, server, 1001, sig)).toBe(false);
    expect(verifyGrant(owner, owner.credential(), Guid.fromName('x'), server, 1000, sig)).toBe(false);
    expect(verifyGrant(owner, owner.credential(), object, owner.identity.guid(), 1000, sig)).toBe(false);
    expect(encodeGrant(object, server, 1000)).not.toEqual(encodeRecord({ kind: 'unpublish', object, server: { guid: server, address: addr(1) }, sequence: 1000 }));
  });
});

describe('locate answers', () => {
  const server = key(3);
  const forger = key(4);
  const origin = Guid.fromName('origin');
  const a: LocateAnswer = { locateId: 0xdeadbeef, locateKey: 7, object: Guid.fromName('o'), server: handleOf(server, 3), tag: 't' };

  test('the server signature verifies for that answer only', () => {
    const sig = signAnswer(server, a, origin);
    expect(verifyAnswer(server, server.credential(), a, origin, sig)).toBe(true);
    for (const changed of [
      { ...a, locateId: a.locateId ^ 1 }, { ...a, locateKey: 8 }, { ...a, object: Guid.fromName('p') }, { ...a, tag: 'u' },
      { ...a, server: { ...a.server, address: addr(9) } },
    ]) expect(verifyAnswer(server, server.credential(), changed, origin, sig)).toBe(false);
    expect(verifyAnswer(server, server.credential(), a, Guid.fromName('other origin'), sig)).toBe(false);
    // The forger's own key does not stand for the server's GUID, whatever it signs.
    expect(verifyAnswer(server, forger.credential(), a, origin, signAnswer(forger, a, origin))).toBe(false);
    expect(encodeAnswer(a, origin)).not.toEqual(encodeAnswer({ ...a, locateKey: 0 }, origin));
  });
});

describe('records and the codec', () => {
  test("a record's owner part round-trips, and a record without one has its old bytes", () => {
    const base: PublishRecord = { kind: 'publish', object: Guid.fromName('o'), server: { guid: Guid.fromName('s'), address: addr(1) }, tag: 't', sequence: 5, lifetimeMs: 9 };
    const plain = encodeRecord(base);
    expect(decodeRecord(plain)).toEqual(base);
    const owned = { ...base, owner: { key: new Uint8Array(32).fill(1), nameHash: new Uint8Array(32).fill(2) } };
    const bytes = encodeRecord(owned);
    expect(Buffer.from(bytes.slice(0, plain.length)).equals(Buffer.from(plain))).toBe(true);
    expect(decodeRecord(bytes)).toEqual(owned);
    expect(decodeRecord(encodeRecord({ ...base, owner: { key: new Uint8Array(3) } }))).toEqual({ ...base, owner: { key: new Uint8Array(3) } });
    expect(() => decodeRecord(Uint8Array.from([...bytes, 0]))).toThrow();
  });

  const p: PublishMsg = {
    object: Guid.fromName('o'), server: { guid: Guid.fromName('s'), address: addr(1) }, tag: '', saltIndex: 0, sequence: 1, lifetimeMs: 10,
    pathLatency: 0, extra: false, publisherKey: new Uint8Array(32), signature: new Uint8Array(64),
  };
  const reason = (m: Parameters<typeof encodeLocation>[0]) => decodeReason(() => decodeLocation(encodeLocation(m)));

  test('limits on the new fields', () => {
    expect(reason({ kind: 'publish', publish: { ...p, owner: { key: new Uint8Array(32), nameHash: new Uint8Array(31) } } })).toBe('tooLarge');
    expect(reason({ kind: 'publish', publish: { ...p, owner: { key: new Uint8Array(1025) } } })).toBe('tooLarge');
    expect(reason({ kind: 'publish', publish: { ...p, owner: { key: new Uint8Array(32), grant: { expiresAt: 1, signature: new Uint8Array(1025) } } } })).toBe('tooLarge');
    const { publisherKey: _k, signature: _s, ...unsigned } = p;
    expect(reason({ kind: 'publish', publish: { ...unsigned, owner: { key: new Uint8Array(32) } } })).toBe('missing');
    expect(reason({ kind: 'ownerNotice', notice: { record: p } })).toBe('missing');
    const f = { locateId: 1, locateKey: 2, object: p.object, server: p.server, tag: '', hops: 1, pathLatency: 0 };
    expect(reason({ kind: 'found', found: { ...f, owner: { key: new Uint8Array(32) } } })).toBe('missing');
    expect(reason({ kind: 'found', found: { ...f, serverKey: new Uint8Array(1025), signature: new Uint8Array(64) } })).toBe('tooLarge');
    // Round trips keep every new field.
    const found = { ...f, locateKey: 0xffff_ffff, serverKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2), owner: { key: new Uint8Array(32).fill(3), nameHash: new Uint8Array(32).fill(4), grant: { expiresAt: 0xffff_ffff, signature: new Uint8Array(64).fill(5) } } };
    expect(decodeLocation(encodeLocation({ kind: 'found', found }))).toEqual({ kind: 'found', found });
  });
});

describe('pointer intake under signed', () => {
  const space = idSpace();
  const me = key(10);
  const realServer = key(11);
  const squatter = key(12);
  const granted = key(13);
  const self: NodeHandle = { guid: me.identity.guid(), address: addr(10) };
  const stats = (): LocatorStats => ({
    publishesAcknowledged: 0, publishesUnacknowledged: 0, publishAcksSent: 0, publishAcksUnmatched: 0, publishRecordsResent: 0,
    unpublishesAcknowledged: 0, unpublishesUnacknowledged: 0, unpublishAcksSent: 0, unpublishRecordsResent: 0, publishesWithdrawnWaiting: 0,
    published: 0, republished: 0, pointersStored: 0, pointersRefused: 0, extraPointersSent: 0, locatesStarted: 0, locatesDiverted: 0, locatesFound: 0,
    locatesNotFound: 0, locatesTimedOut: 0, attemptsTimedOut: 0, staleReplies: 0, forgedAnswers: 0, staleDiverts: 0, malformed: 0, pointersHandedOver: 0,
    pointersTakenOver: 0, ownerClaimsInvalid: 0, publishesFromStrangers: 0, answersWithheld: 0, ownerRefused: 0, ownersTakenOver: 0, ownersFull: 0, ownerNoticesSent: 0, ownerNoticesTaken: 0, ownerNoticesRefused: 0,
  });
  let wall = 100;
  const intake = (s: LocatorStats, table = new RoutingTable(self, space)) => new PointerIntake(
    { self, table, now: () => 1_000, wallSeconds: () => wall, pointersHeld: () => {} }, new RecordGate(me), s, true,
  );
  const publish = (signer: SignedSecurityProvider, i: number, object: Guid, owner?: PublishMsg['owner'], sequence = 1): PublishMsg => {
    const base: PublishMsg = { object, server: handleOf(signer, i), tag: '', saltIndex: 0, sequence, lifetimeMs: 60_000, pathLatency: 0, extra: false, ...(owner ? { owner } : {}) };
    return { ...base, publisherKey: signer.credential(), signature: signRecord(signer, publishRecord(base)) };
  };

  test('first use fixes the owner; a squatter is refused before and after the owner republishes; a grant is honoured until it expires', () => {
    const s = stats();
    const it = intake(s);
    const object = Guid.fromName('x');
    expect(it.take(publish(realServer, 1, object, { key: realServer.credential() }), undefined)).toBe('stored');
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }), undefined)).toBe('owned');
    expect(it.take(publish(squatter, 2, object), undefined)).toBe('owned'); // open claim: still someone else's object
    expect(it.take(publish(realServer, 1, object, { key: realServer.credential() }, 2), undefined)).toBe('stored');
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }, 3), undefined)).toBe('owned');
    expect(it.store.get(object, 1_000).map((p) => p.server.guid.hex)).toEqual([realServer.identity.guid().hex]);
    // A grant from the owner to another server, until wall second 200.
    const grant = { expiresAt: 200, signature: signGrant(realServer, object, granted.identity.guid(), 200) };
    expect(it.take(publish(granted, 3, object, { key: realServer.credential(), grant }), undefined)).toBe('stored');
    // The same grant shown by the squatter (another server GUID) does not hold.
    expect(it.take(publish(squatter, 2, object, { key: realServer.credential(), grant }, 4), undefined)).toBe('refused');
    wall = 200;
    expect(it.take(publish(granted, 3, object, { key: realServer.credential(), grant }, 2), undefined)).toBe('refused');
    wall = 100;
    expect(s.ownerRefused).toBe(3);
    expect(s.ownerClaimsInvalid).toBe(2);
    expect(it.notices).toEqual([]);
  });

  test('a publish handed on by a hop that is no admitted peer (neither listed nor a backpointer) is refused', () => {
    const s = stats();
    const table = new RoutingTable(self, space);
    const it = intake(s, table);
    const object = Guid.fromName('stranger object');
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }), handleOf(squatter, 2))).toBe('refused');
    expect(s.publishesFromStrangers).toBe(1);
    // The same record from the same peer once it lists this node (a backpointer) is taken.
    table.addBackpointer(handleOf(squatter, 2));
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }), handleOf(squatter, 2))).toBe('stored');
    // A peer claiming a listed GUID at another address is no admitted peer.
    const elsewhere = { guid: realServer.identity.guid(), address: handleOf(squatter, 2).address };
    table.add(handleOf(realServer, 1), 5);
    expect(it.take(publish(realServer, 1, Guid.fromName('other'), { key: realServer.credential() }), elsewhere)).toBe('refused');
    expect(s.publishesFromStrangers).toBe(2);
  });

  test('a self-certifying claim beats a squatter who came first, and drops its pointer', () => {
    const s = stats();
    const table = new RoutingTable(self, space);
    // The squatter is an admitted peer here (it lists this node): only ownership stops it.
    table.addBackpointer(handleOf(squatter, 2));
    const it = intake(s, table);
    const object = ownedObjectGuid(realServer.credential(), 'film');
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }), handleOf(squatter, 2))).toBe('stored');
    // The squatter cannot claim the name: its key does not give the GUID.
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential(), nameHash: nameHash('film') }, 2), undefined)).toBe('refused');
    expect(it.take(publish(realServer, 1, object, { key: realServer.credential(), nameHash: nameHash('film') }), undefined)).toBe('stored');
    expect(it.store.get(object, 1_000).map((p) => p.server.guid.hex)).toEqual([realServer.identity.guid().hex]);
    expect(s.ownersTakenOver).toBe(1);
    expect(it.take(publish(squatter, 2, object, { key: squatter.credential() }, 3), undefined)).toBe('owned');
    // The squatter's pointer came straight from the squatter: its previous hop is told (the runtime sends only to table members).
    expect(it.notices.map((n) => n.to.guid.hex)).toEqual([squatter.identity.guid().hex]);
  });
});
