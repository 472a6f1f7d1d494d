/**
 * What the fuzz tests and bench/fuzz.ts share: the three decoders under attack, a seeded corpus of
 * valid encoded messages of every kind (from the fast-check arbitraries), a stream of hostile inputs
 * made from it, and `classify`, which runs one input and says how it ended, or throws when the
 * decoder broke its contract (anything thrown but a FrameDecodeError with a known reason, or an
 * accepted input that does not survive a second round trip).
 *
 * No jest import: the bench uses this too.
 */
import fc from 'fast-check';
import { decodeFrame, encodeFrame, FrameDecodeError, type DecodeReason } from '../../wire/codec';
import { decodeLocation, encodeLocation } from '../../wire/locationCodec';
import { decodeMembership, encodeMembership } from '../../wire/membershipCodec';
import { LOCATION_MODULE_ID } from '../../location/messages';
import { MEMBERSHIP_MODULE_ID } from '../../membership/messages';
import { WIRE_VERSION, type Frame } from '../../routing/messages';
import type { SeededRng } from '../../sim/random';
import { MUTATIONS, mutate, randomBytes, type Mutation } from './mutate';
import { frameOf, handle, locationOf, membershipOf, routeMsg, ID_WIDTHS, type IdBytes } from './wireArbitraries';

export type Target = 'frame' | 'location' | 'membership';
export const TARGETS: readonly Target[] = ['frame', 'location', 'membership'];

interface Codec {
  decode(bytes: Uint8Array, opts?: { idBytes?: IdBytes }): unknown;
  encode(msg: never): Uint8Array;
}
const CODECS: Record<Target, Codec> = {
  frame: { decode: decodeFrame, encode: encodeFrame },
  location: { decode: decodeLocation, encode: encodeLocation },
  membership: { decode: decodeMembership, encode: encodeMembership },
};

/** Every DecodeReason, checked against the union at compile time (a missing or unknown key fails). */
const REASONS = {
  tooLarge: 1, protobuf: 1, version: 1, missing: 1, emptyBody: 1, guid: 1, address: 1, ttl: 1, hops: 1, level: 1,
  fragment: 1, reply: 1, tag: 1, salt: 1, replicas: 1, lifetime: 1, latency: 1, payload: 1, count: 1, hole: 1, rtt: 1, nonce: 1,
} satisfies Record<DecodeReason, 1>;
export const KNOWN_REASONS = new Set<string>(Object.keys(REASONS));

/** The decoder broke its contract on `bytes`: the message says how, with the input in hex to replay. */
export class DecoderContractError extends Error {
  constructor(target: Target, bytes: Uint8Array, what: string, cause?: unknown) {
    super(`${target} decoder: ${what}; input (${bytes.length} bytes) hex ${Buffer.from(bytes).toString('hex')}`, { cause });
  }
}

/** Decodes `bytes` as `target`: 'ok' or the typed reason. Throws DecoderContractError for anything else. */
export function classify(target: Target, bytes: Uint8Array, idBytes?: IdBytes): 'ok' | DecodeReason {
  const codec = CODECS[target];
  const opts = idBytes ? { idBytes } : undefined;
  let msg: unknown;
  try {
    msg = codec.decode(bytes, opts);
  } catch (err) {
    if (!(err instanceof FrameDecodeError)) {
      throw new DecoderContractError(target, bytes, `threw ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`, err);
    }
    if (!KNOWN_REASONS.has(err.reason)) throw new DecoderContractError(target, bytes, `unknown reason '${err.reason}'`, err);
    return err.reason;
  }
  // An accepted input is a valid message: it must encode, and decode again to the same bytes.
  let encoded: Uint8Array;
  let again: Uint8Array;
  try {
    encoded = codec.encode(msg as never);
    again = codec.encode(codec.decode(encoded, opts) as never);
  } catch (err) {
    throw new DecoderContractError(target, bytes, `accepted, but its re-encoding failed: ${String(err)}`, err);
  }
  if (Buffer.compare(encoded, again) !== 0) throw new DecoderContractError(target, bytes, 'accepted, but did not survive a second round trip');
  return 'ok';
}

/** A valid encoded message and the id width it was built with. */
export interface Sample {
  readonly bytes: Uint8Array;
  readonly idBytes: IdBytes;
}
export type Corpus = Record<Target, Sample[]>;

/**
 * Valid encoded messages of every kind: `count` per target and id width (or only `widths`). Frames
 * include route frames carrying location and membership payloads under their module ids, so a live
 * node hands them on to its modules.
 */
export function validCorpus(seed: number, count: number, widths: readonly IdBytes[] = ID_WIDTHS): Corpus {
  const corpus: Corpus = { frame: [], location: [], membership: [] };
  for (const idBytes of widths) {
    const opts = (salt: number) => ({ seed: seed * 31 + idBytes + salt, numRuns: count });
    const wrapped = (payloads: Uint8Array[], moduleId: number) =>
      fc.sample(fc.tuple(handle(idBytes), routeMsg(idBytes)), opts(moduleId)).map(([sender, route], i): Frame => {
        const { fragment: _f, ...whole } = route;
        return { version: WIRE_VERSION, sender, messageId: i, body: { kind: 'route', route: { ...whole, moduleId, payload: payloads[i] } } };
      });
    const location = fc.sample(locationOf(idBytes), opts(1)).map(encodeLocation);
    const membership = fc.sample(membershipOf(idBytes), opts(2)).map(encodeMembership);
    corpus.location.push(...location.map((bytes) => ({ bytes, idBytes })));
    corpus.membership.push(...membership.map((bytes) => ({ bytes, idBytes })));
    const frames = [...fc.sample(frameOf(idBytes), opts(3)), ...wrapped(location, LOCATION_MODULE_ID), ...wrapped(membership, MEMBERSHIP_MODULE_ID)];
    for (const f of frames) {
      try {
        corpus.frame.push({ bytes: encodeFrame(f), idBytes });
      } catch {
        // MessageTooLargeError: a membership payload at its list limits may not fit one datagram.
      }
    }
  }
  return corpus;
}

/** How a hostile input was made. */
export type Origin = 'random' | Mutation;

export interface HostileInput {
  readonly bytes: Uint8Array;
  readonly origin: Origin;
  /** The width to tell the decoder: none, or (for a mutation) the width its message was built with. */
  readonly idBytes: IdBytes | undefined;
}

/** One hostile input for `target`: one in four random bytes, the rest a mutation of a corpus message. */
export function hostileInput(rng: SeededRng, corpus: Corpus, target: Target): HostileInput {
  const pool = corpus[target];
  if (rng.int(4) === 0) return { bytes: randomBytes(rng), origin: 'random', idBytes: [undefined, 20, 32][rng.int(3)] as IdBytes | undefined };
  const origin = MUTATIONS[rng.int(MUTATIONS.length)];
  const source = pool[rng.int(pool.length)];
  const bytes = mutate(rng, source.bytes, pool[rng.int(pool.length)].bytes, origin);
  // A decoder told the wrong width stops at the first GUID; told the right one (or none), the
  // mutation reaches the checks behind it.
  return { bytes, origin, idBytes: rng.int(2) === 0 ? undefined : source.idBytes };
}
