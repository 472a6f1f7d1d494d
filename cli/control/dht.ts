/**
 * The control API's DHT calls (`/dht/...`), on the daemon's one DHT module (default options). A key
 * is a hex GUID of the node's width or a name the DHT hashes; values are UTF-8 strings, as the other
 * calls' payloads are (a value some other program stored as bytes that are not UTF-8 reads back with
 * U+FFFD in their place). A get answers once: the value, or a 404 whose `code` is `notFound`;
 * providers answer as /locate does, one JSON line each and then a `done` line.
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { AbortedError, NotFoundError, TimeoutError } from '../../errors';
import type { TapestryNode } from '../../api/tapestryNode';
import { Guid } from '../../routing/guid';
import type { Dht } from '../../upcalls/dht';
import { peerJson } from '../node/app';
import { HttpError, json, type Endpoint } from './http';

/** What the DHT calls act on. */
export interface DhtControlContext {
  readonly node: TapestryNode;
  readonly dht: Dht;
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** A key: the DHT hashes names of up to this many UTF-8 bytes (its own limit, checked here to name the field). */
const key = z.string().min(1).refine((s) => utf8Bytes(s) <= DEFAULTS.anycastMaxGroupNameBytes, `at most ${DEFAULTS.anycastMaxGroupNameBytes} UTF-8 bytes`);
const value = z.string().min(1).refine((s) => utf8Bytes(s) <= DEFAULTS.dhtMaxValueBytes, `at most ${DEFAULTS.dhtMaxValueBytes} UTF-8 bytes`);
const timeoutMs = z.number().int().min(1).max(120_000);

const endpoint = <S extends z.ZodType>(body: S, handle: Endpoint<S>['handle']): Endpoint => ({ method: 'POST', body, handle }) as Endpoint;

/** A hex GUID of the node's width is that key; any other string is a name the DHT hashes. */
function keyOf(node: TapestryNode, text: string): string | Guid {
  const bits = node.guid.bits;
  return text.length === bits / 4 && /^[0-9a-fA-F]+$/.test(text) ? Guid.fromHex(text.toLowerCase()) : text;
}

export function dhtEndpoints(c: DhtControlContext): Array<[string, Endpoint]> {
  const { node, dht } = c;
  return [
    ['/dht/put', endpoint(z.strictObject({ key, value }), async (b) => {
      const r = await dht.putValue(keyOf(node, b.key), b.value);
      return json({ key: r.key.hex, stored: r.stored });
    })],
    ['/dht/get', endpoint(z.strictObject({ key, quorum: z.number().int().min(1).max(DEFAULTS.dhtSalts).default(1), timeoutMs: timeoutMs.default(10_000) }), async (b) => {
      const k = dht.keyGuid(keyOf(node, b.key));
      try {
        const v = await dht.getValue(k, { quorum: b.quorum, signal: AbortSignal.timeout(b.timeoutMs) });
        return json({ key: k.hex, value: Buffer.from(v.value).toString('utf8'), seq: v.seq, publisher: v.publisher.hex, from: peerJson(v.from) });
      } catch (err) {
        // The one answer scripts branch on gets its own code; other failures map as every call's do.
        if (err instanceof NotFoundError) throw new HttpError(404, `not found: no value under key ${k.hex}`, undefined, 'notFound');
        throw err;
      }
    })],
    ['/dht/remove', endpoint(z.strictObject({ key }), async (b) => {
      const k = dht.keyGuid(keyOf(node, b.key));
      await dht.removeValue(k);
      return json({ removed: k.hex });
    })],
    ['/dht/provide', endpoint(z.strictObject({ key }), async (b) => {
      const k = dht.keyGuid(keyOf(node, b.key));
      await dht.provide(k);
      return json({ providing: k.hex });
    })],
    ['/dht/unprovide', endpoint(z.strictObject({ key }), async (b) => {
      const k = dht.keyGuid(keyOf(node, b.key));
      await dht.unprovide(k);
      return json({ unprovided: k.hex });
    })],
    ['/dht/providers', endpoint(z.strictObject({ key, count: z.number().int().min(1).max(DEFAULTS.maxReplicas).default(20), timeoutMs: timeoutMs.default(10_000) }), (b) => (
      { kind: 'lines', items: providerLines(c, dht.keyGuid(keyOf(node, b.key)), b.count, b.timeoutMs) }
    ))],
  ];
}

/** findProviders as JSON lines: each provider, nearest first, then a last line with the outcome. */
async function* providerLines(c: DhtControlContext, k: Guid, count: number, ms: number): AsyncGenerator<unknown> {
  let found = 0;
  let outcome: 'found' | 'notFound' | 'timeout' = 'found';
  try {
    for await (const p of c.dht.findProviders(k, { count, signal: AbortSignal.timeout(ms) })) {
      found++;
      yield { key: k.hex, provider: peerJson(p.peer), hops: p.hops, elapsedMs: p.elapsedMs };
    }
  } catch (err) {
    // The time ran out: what was found so far is the answer.
    if (!(err instanceof AbortedError) && !(err instanceof TimeoutError)) throw err;
    if (found === 0) outcome = 'timeout';
  }
  if (found === 0 && outcome === 'found') outcome = 'notFound';
  yield { done: true, key: k.hex, found, outcome };
}
