/**
 * fast-check arbitraries for every domain message the wire codecs carry (the rooms' messages.ts): frames with
 * each body kind, the location payloads and the membership payloads. Every value they make is valid,
 * i.e. within the limits messages.proto writes beside each field (DEFAULTS in defaults.ts), so a
 * decoder must accept it and give it back unchanged.
 *
 * Two deliberate shapes: optional keys are left out rather than set to undefined (a decoded message
 * has only the keys it was sent with), and the route fields the wire cannot tell from "absent"
 * (ackWanted false, routeId 0) are never generated; the round-trip test checks that normalisation
 * on its own. Lists are mostly short (cheap runs) but sometimes exactly at their limit, so every
 * bound is reached.
 *
 * Which kinds exist is read from messages.proto (each body oneof's members), so the round-trip test
 * can tell when the schema gains a kind the arbitraries do not make. Kinds and fields that the
 * schema may or may not have yet (DirectMsg, NeighbourRequest.per_slot) are made only when it has
 * them, so these arbitraries fit the schema both before and after they land.
 *
 * No jest import: bench/fuzz.ts builds its corpus from these too.
 */
import fc from 'fast-check';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { Address } from '../../transport/types';
import { schema } from '../../wire/fields';
import { WIRE_VERSION, type Body, type Frame, type NodeHandle, type RouteMsg } from '../../routing/messages';
import { type LocationMsg, type PublishMsg } from '../../location/messages';
import { type MembershipMsg } from '../../membership/messages';

export type IdBytes = 20 | 32;
export const ID_WIDTHS: readonly IdBytes[] = [20, 32];

export const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
/** Milliseconds the codecs accept: finite and >= 0, -0 and the subnormals included. */
export const ms = fc.double({ min: -0, max: Number.MAX_VALUE, noNaN: true, noDefaultInfinity: true });

/** Mostly short lists, one run in `edgeWeight + 1` exactly `max` long: the bound itself is exercised. */
function list<T>(item: fc.Arbitrary<T>, max: number, edgeWeight = 8): fc.Arbitrary<T[]> {
  return fc.oneof(
    { arbitrary: fc.array(item, { maxLength: Math.min(max, 6) }), weight: edgeWeight },
    { arbitrary: fc.array(item, { minLength: max, maxLength: max }), weight: 1 },
  );
}

const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });

export const guid = (idBytes: IdBytes): fc.Arbitrary<Guid> => bytes(idBytes, idBytes).map((b) => Guid.fromBytes(b));

const address: fc.Arbitrary<Address> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), ip: bytes(4, 4), port: fc.integer({ min: 1, max: 65_535 }) }),
  fc.record({ family: fc.constant(6 as const), ip: bytes(16, 16), port: fc.integer({ min: 1, max: 65_535 }) }),
);

export const handle = (idBytes: IdBytes): fc.Arbitrary<NodeHandle> => fc.record({ guid: guid(idBytes), address });

/**
 * A code point of 1, 2, 3 or 4 UTF-8 bytes, never a surrogate. (Built from integers rather than
 * fc.string: its full-Unicode units build a table of every code point first, about a second per
 * test file.)
 */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xffff }),
  fc.integer({ min: 0x1_0000, max: 0x10_ffff }),
);

/**
 * A tag or query: well-formed text of at most maxTagBytes UTF-8 bytes (a lone surrogate has no UTF-8
 * form and is sent as U+FFFD, so it could not come back equal). Sometimes padded to exactly the limit.
 */
export const tag: fc.Arbitrary<string> = fc
  .oneof(
    // 64 code points of at most 4 bytes each stay within 256 bytes whatever they are.
    fc.array(codePoint, { maxLength: DEFAULTS.maxTagBytes / 4 }).map((cps) => String.fromCodePoint(...cps)),
    fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: DEFAULTS.maxTagBytes }).map((cps) => String.fromCodePoint(...cps)),
    fc.constantFrom('', '\uFEFFbom', 'nul\u0000inside', '😀'),
  )
  .chain((s) => fc.constantFrom(s, s + 'x'.repeat(DEFAULTS.maxTagBytes - Buffer.byteLength(s))));

// ---- Frames (wire/codec.ts) -------------------------------------------------------------------

const fragment = fc
  .integer({ min: 2, max: DEFAULTS.maxFragments })
  .chain((count) => fc.record({ messageId: uint32, index: fc.integer({ min: 0, max: count - 1 }), count: fc.constant(count) }));

/** Small payloads keep runs cheap; the frame limit (maxDatagramBytes) is tested by codec.test.ts. */
export const routeMsg = (idBytes: IdBytes): fc.Arbitrary<RouteMsg> =>
  fc.integer({ min: 1, max: DEFAULTS.maxTtl }).chain((ttl) =>
    fc.record(
      {
        source: handle(idBytes),
        dest: guid(idBytes),
        fuzzy: fc.boolean(),
        ttl: fc.constant(ttl),
        hops: fc.integer({ min: 0, max: ttl }),
        level: fc.integer({ min: 0, max: idBytes * 8 }),
        moduleId: uint32,
        payload: bytes(0, 1_500),
        fragment,
        ackWanted: fc.constant(true as const),
        routeId: fc.integer({ min: 1, max: 0xffff_ffff }),
      },
      { requiredKeys: ['source', 'dest', 'fuzzy', 'ttl', 'hops', 'level', 'moduleId', 'payload'] },
    ),
  );

/** The kinds of a body oneof in messages.proto ('Frame', 'LocationMsg', 'MembershipMsg'): the domain kinds have the same names. */
export function schemaKinds(message: 'Frame' | 'LocationMsg' | 'MembershipMsg'): string[] {
  return schema.lookupType(`tapestry.${message}`).oneofs.body.oneof;
}

const FRAME_KINDS = new Set(schemaKinds('Frame'));

/**
 * A DirectMsg body, when the schema has it (typed loosely: the domain type may not exist yet). Its
 * limits: hops 0 .. maxTtl, a fragment as a route's, any uint32 destCheck and moduleId.
 */
const direct = (): fc.Arbitrary<Body> =>
  fc
    .record(
      { destCheck: uint32, moduleId: uint32, payload: bytes(0, 1_500), fragment, hops: fc.integer({ min: 0, max: DEFAULTS.maxTtl }) },
      { requiredKeys: ['destCheck', 'moduleId', 'payload', 'hops'] },
    )
    .map((d) => ({ kind: 'direct', direct: d }) as unknown as Body);

export const body = (idBytes: IdBytes): fc.Arbitrary<Body> =>
  fc.oneof(
    routeMsg(idBytes).map((route): Body => ({ kind: 'route', route })),
    uint32.map((nonce): Body => ({ kind: 'ping', ping: { nonce } })),
    uint32.map((nonce): Body => ({ kind: 'pong', pong: { nonce } })),
    uint32.map((frameId): Body => ({ kind: 'ack', ack: { frameId } })),
    ...(FRAME_KINDS.has('direct') ? [direct()] : []),
  );

export const frameOf = (idBytes: IdBytes): fc.Arbitrary<Frame> =>
  fc.record({ version: fc.constant(WIRE_VERSION), sender: handle(idBytes), messageId: uint32, body: body(idBytes) });

// ---- Location payloads (wire/locationCodec.ts) ------------------------------------------------

const saltIndex = fc.integer({ min: 0, max: DEFAULTS.maxSalts - 1 });

export const publishMsg = (idBytes: IdBytes): fc.Arbitrary<PublishMsg> =>
  fc.record({
    object: guid(idBytes),
    server: handle(idBytes),
    tag,
    saltIndex,
    sequence: uint32,
    lifetimeMs: fc.integer({ min: 1, max: DEFAULTS.maxPointerLifetimeMs }),
    pathLatency: ms,
    extra: fc.boolean(),
  });

export const locationOf = (idBytes: IdBytes): fc.Arbitrary<LocationMsg> =>
  fc.oneof(
    publishMsg(idBytes).map((publish): LocationMsg => ({ kind: 'publish', publish })),
    fc
      .record({ object: guid(idBytes), server: handle(idBytes), saltIndex, sequence: uint32, extra: fc.boolean() })
      .map((unpublish): LocationMsg => ({ kind: 'unpublish', unpublish })),
    fc
      .record({
        locateId: uint32,
        object: guid(idBytes),
        origin: handle(idBytes),
        query: tag,
        wanted: fc.integer({ min: 1, max: DEFAULTS.maxReplicas }),
        exclude: list(guid(idBytes), DEFAULTS.maxReplicas),
        saltIndex,
        pathLatency: ms,
        moduleId: uint32,
        payload: bytes(0, DEFAULTS.maxInlineObjectPayload),
        diverted: fc.boolean(),
      })
      // locateKey 0 draws nothing and encodes to nothing: the fuzz corpus sampled from here is unchanged.
      .map((locate): LocationMsg => ({ kind: 'locate', locate: { ...locate, locateKey: 0 } })),
    fc
      .record({ locateId: uint32, object: guid(idBytes), server: handle(idBytes), tag, hops: uint32, pathLatency: ms })
      .map((found): LocationMsg => ({ kind: 'found', found: { ...found, locateKey: 0 } })),
    fc
      .record({ locateId: uint32, object: guid(idBytes), saltIndex, diverted: list(guid(idBytes), DEFAULTS.maxReplicas), hops: uint32 })
      .map((notFound): LocationMsg => ({ kind: 'notFound', notFound: { ...notFound, locateKey: 0 } })),
  );

/**
 * Every location kind, the pointer hand-over included. `locationOf` above leaves the hand-over out
 * because the fuzz corpus (fuzzCorpus.ts) is sampled from it, and a new branch would change every
 * input the fuzz bench draws; the hand-over's hostile inputs come from tests/unit/locationCodec.test.ts.
 */
export const locationAllKindsOf = (idBytes: IdBytes): fc.Arbitrary<LocationMsg> =>
  fc.oneof(
    locationOf(idBytes),
    fc
      .record({ pointers: list(publishMsg(idBytes), DEFAULTS.maxHandOverPointers) })
      .map((handOver): LocationMsg => ({ kind: 'handOver', handOver })),
    // Issue 15's fields: the locate id's second half, a signed answer, ownership claims, owner notices.
    fc.tuple(locationOf(idBytes), uint32).map(([m, locateKey]): LocationMsg => {
      if (m.kind === 'locate') return { kind: 'locate', locate: { ...m.locate, locateKey, ...(locateKey % 2 ? { owned: true } : {}) } };
      if (m.kind === 'notFound') return { kind: 'notFound', notFound: { ...m.notFound, locateKey } };
      return m;
    }),
    fc
      .record({ m: locationOf(idBytes), locateKey: uint32, serverKey: bytes(1, 64), signature: bytes(1, 64), owner: ownerClaim })
      .map(({ m, locateKey, serverKey, signature, owner }): LocationMsg => {
        if (m.kind !== 'found') return m;
        return { kind: 'found', found: { ...m.found, locateKey, serverKey, signature, ...(owner ? { owner } : {}) } };
      }),
    fc
      .record({ p: publishMsg(idBytes), publisherKey: bytes(1, 64), signature: bytes(1, 64), owner: ownerClaim, notice: fc.boolean() })
      .map(({ p, publisherKey, signature, owner, notice }): LocationMsg => {
        const record: PublishMsg = { ...p, publisherKey, signature, ...(owner ? { owner } : {}) };
        return notice && owner ? { kind: 'ownerNotice', notice: { record } } : { kind: 'publish', publish: record };
      }),
    // The awaitable publish: a first publish asks for an acknowledgement, and its root answers.
    fc.record({ p: publishMsg(idBytes), ackNonce: bytes(8, 8) }).map(({ p, ackNonce }): LocationMsg => ({ kind: 'publish', publish: { ...p, ackNonce } })),
    fc
      .record({ object: guid(idBytes), saltIndex, nonce: bytes(8, 8) })
      .map((ack): LocationMsg => ({ kind: 'publishAck', ack })),
    // The awaitable unpublish asks its roots the same way.
    fc
      .record({ object: guid(idBytes), server: handle(idBytes), saltIndex, sequence: uint32, extra: fc.boolean(), ackNonce: bytes(8, 8) })
      .map((unpublish): LocationMsg => ({ kind: 'unpublish', unpublish })),
  );

/** An ownership claim (or none): key, maybe a 32-byte name hash, maybe a grant. */
const ownerClaim = fc.option(
  fc
    .record({ key: bytes(1, 64), nameHash: fc.option(bytes(32, 32), { nil: undefined }), grant: fc.option(fc.record({ expiresAt: fc.integer({ min: 1, max: 0xffff_ffff }), signature: bytes(1, 64) }), { nil: undefined }) })
    .map((o) => ({ key: o.key, ...(o.nameHash ? { nameHash: o.nameHash } : {}), ...(o.grant ? { grant: o.grant } : {}) })),
  { nil: undefined },
);

// ---- Membership payloads (wire/membershipCodec.ts) --------------------------------------------

/** A routing level of this id width: 0 .. one per bit (1-bit digits give the most levels). */
const level = (idBytes: IdBytes) => fc.integer({ min: 0, max: idBytes * 8 });
/** A join hole, level * base + digit: below the most levels times the widest base (256). */
const hole = (idBytes: IdBytes) => fc.integer({ min: 0, max: idBytes * 8 * 256 - 1 });

/** per_slot: 0 is "all the slot holds" and travels as absent, so a present one is 1 or more. */
const HAS_PER_SLOT = 'perSlot' in schema.lookupType('tapestry.NeighbourRequest').fields;

const neighbourRequest = (idBytes: IdBytes): fc.Arbitrary<MembershipMsg> =>
  fc
    .record(
      {
        requestId: uint32, level: level(idBytes), ...(HAS_PER_SLOT ? { perSlot: fc.integer({ min: 1, max: 0xffff_ffff }) } : {}),
        cookie: fc.uint8Array({ minLength: 1, maxLength: 64 }), padding: fc.integer({ min: 1, max: 1024 }),
      },
      { requiredKeys: ['requestId', 'level'] },
    )
    .map((neighbourRequest) => ({ kind: 'neighbourRequest', neighbourRequest }) as MembershipMsg);

export const membershipOf = (idBytes: IdBytes): fc.Arbitrary<MembershipMsg> =>
  fc.oneof(
    fc.record({ joining: handle(idBytes), joinId: uint32 }).map((joinRequest): MembershipMsg => ({ kind: 'joinRequest', joinRequest })),
    fc
      .record({
        joining: handle(idBytes),
        joinId: uint32,
        level: level(idBytes),
        multicastId: uint32,
        holes: list(hole(idBytes), DEFAULTS.maxJoinHoles),
      })
      .map((multicast): MembershipMsg => ({ kind: 'multicast', multicast })),
    fc
      .record({ multicastId: uint32, reached: list(handle(idBytes), DEFAULTS.maxJoinReached, 16) })
      .map((multicastAck): MembershipMsg => ({ kind: 'multicastAck', multicastAck })),
    fc
      .record({ joinId: uint32, surrogate: handle(idBytes), level: level(idBytes), neighbours: list(handle(idBytes), DEFAULTS.maxJoinReached, 16) })
      .map((joinReply): MembershipMsg => ({ kind: 'joinReply', joinReply })),
    neighbourRequest(idBytes),
    fc
      .record({ requestId: uint32, level: level(idBytes), nodes: list(handle(idBytes), DEFAULTS.maxNeighbourReply, 16) })
      .map((neighbourReply): MembershipMsg => ({ kind: 'neighbourReply', neighbourReply })),
    fc.record({ rttMs: ms, listsYou: fc.boolean(), answer: fc.constant(true as const) }, { requiredKeys: ['rttMs', 'listsYou'] }).map((adopt): MembershipMsg => ({ kind: 'adopt', adopt })),
    fc
      .record({ leaving: handle(idBytes), replacement: handle(idBytes) }, { requiredKeys: ['leaving'] })
      .map((leave): MembershipMsg => ({ kind: 'leave', leave })),
    fc.record({ nodes: list(handle(idBytes), DEFAULTS.maxJoinCandidates, 16) }).map((candidates): MembershipMsg => ({ kind: 'candidates', candidates })),
    fc.record({ requestId: uint32, cookie: fc.uint8Array({ minLength: 1, maxLength: 64 }) }).map((neighbourRetry): MembershipMsg => ({ kind: 'neighbourRetry', neighbourRetry })),
  );

/** A message of either id width, with the width it was built for (the decoder may be told it or not). */
export function withWidth<T>(of: (idBytes: IdBytes) => fc.Arbitrary<T>): fc.Arbitrary<{ idBytes: IdBytes; msg: T }> {
  return fc.constantFrom(...ID_WIDTHS).chain((idBytes) => of(idBytes).map((msg) => ({ idBytes, msg })));
}
