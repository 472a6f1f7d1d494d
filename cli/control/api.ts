/**
 * The control API's endpoints: what a daemon's owner (and `tapestry <client command>`) can ask of
 * its node over HTTP + JSON. Each POST body has a strict schema (unknown fields and out-of-range
 * values are 400s naming the field). GUIDs are hex; any other string names an object, session or
 * group and is hashed to its GUID, which the answer echoes.
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { AbortedError, NotFoundError, TimeoutError } from '../../errors';
import type { TapestryNode } from '../../api/tapestryNode';
import { Guid } from '../../routing/guid';
import { parseAddress } from '../../transport/address';
import type { Anycast } from '../../upcalls/anycast';
import type { Bayeux } from '../../upcalls/bayeux';
import type { Dht } from '../../upcalls/dht';
import { parseHostPort } from '../node/config';
import { peerJson, type DaemonApp } from '../node/app';
import { dhtEndpoints } from './dht';
import type { EventHub } from './events';
import { HttpError, json, type Endpoint } from './http';

/** What the endpoints act on. */
export interface ControlContext {
  readonly node: TapestryNode;
  readonly app: DaemonApp;
  readonly events: EventHub;
  readonly multicast: Bayeux;
  readonly anycast: Anycast;
  /** The daemon's DHT module (the `/dht/...` calls). */
  readonly dht: Dht;
  readonly startedAt: number;
  /** Called with every locate's time and outcome (the metrics' histogram). */
  readonly onLocate: (seconds: number, outcome: 'found' | 'notFound' | 'timeout' | 'aborted' | 'error') => void;
}

const name = z.string().min(1).max(256);
const payload = z.string().max(DEFAULTS.maxMessageBytes).default('');
const timeoutMs = z.number().int().min(1).max(120_000);

/** A hex GUID of the node's width, or a name hashed to one. */
function guidOf(node: TapestryNode, text: string): Guid {
  const bits = node.guid.bits;
  if (text.length === bits / 4 && /^[0-9a-fA-F]+$/.test(text)) return Guid.fromHex(text.toLowerCase());
  return Guid.fromName(text, bits);
}

const endpoint = <S extends z.ZodType>(method: 'GET' | 'POST', body: S | undefined, handle: Endpoint<S>['handle']): Endpoint => ({ method, body, handle }) as Endpoint;

function status(c: ControlContext) {
  const n = c.node;
  const s = n.stats;
  return {
    status: n.status, guid: n.guid.hex, address: peerJson(n.handle).address, uptimeSeconds: Math.round((Date.now() - c.startedAt) / 1000),
    counts: {
      tableEntries: n.table.size, backpointers: n.table.backpointers().length, leafSet: n.leafSet.smaller.length + n.leafSet.larger.length,
      pointers: s.location.pointers, objects: s.location.objects, delivered: c.app.delivered, eventStreams: c.events.size,
      leavesReceived: s.membership.leavesReceived, failuresDetected: s.membership.failuresDetected,
    },
  };
}

export function controlEndpoints(c: ControlContext): Map<string, Endpoint> {
  const n = c.node;
  return new Map<string, Endpoint>([
    ['/status', endpoint('GET', undefined, () => json(status(c)))],
    ['/table', endpoint('GET', undefined, () => {
      const levels = [];
      for (let level = 0; level < n.table.levels; level++) {
        const slots = [];
        for (let digit = 0; digit < n.table.base; digit++) {
          const entries = n.table.slot(level, digit).map((e) => ({ ...peerJson(e.handle), latencyMs: e.latency }));
          if (entries.length) slots.push({ digit, entries });
        }
        if (slots.length) levels.push({ level, slots });
      }
      return json({ guid: n.guid.hex, size: n.table.size, levels, backpointers: n.table.backpointers().map(peerJson) });
    })],
    ['/leafset', endpoint('GET', undefined, () => json({ smaller: n.leafSet.smaller.map(peerJson), larger: n.leafSet.larger.map(peerJson) }))],
    ['/inbox', endpoint('GET', undefined, () => json({ delivered: c.app.delivered, inbox: c.app.inbox }))],
    ['/events', endpoint('GET', undefined, (_b, url) => {
      if (c.events.full) throw new HttpError(429, 'too many event streams open');
      return { kind: 'sse', start: (res, req) => c.events.open(res, req, url.searchParams.get('trace') === '1', [['status', status(c)]]) };
    })],
    ['/route', endpoint('POST', z.strictObject({ dest: name, payload, fuzzy: z.boolean().default(false), ttl: z.number().int().min(1).max(DEFAULTS.maxTtl).optional() }), (b) => {
      const dest = guidOf(n, b.dest);
      n.route(dest, b.payload, { fuzzy: b.fuzzy, ...(b.ttl ? { ttl: b.ttl } : {}) });
      return json({ sent: true, dest: dest.hex }, 202);
    })],
    ['/request', endpoint('POST', z.strictObject({ dest: name, payload, fuzzy: z.boolean().default(false), timeoutMs: timeoutMs.default(10_000) }), async (b) => {
      const dest = guidOf(n, b.dest);
      const r = await n.request(dest, b.payload, { fuzzy: b.fuzzy, timeoutMs: b.timeoutMs });
      return json({ dest: dest.hex, from: peerJson(r.from), hops: r.hops, rttMs: r.rttMs, reply: Buffer.from(r.payload).toString('utf8') });
    })],
    // Both answer once every salted root acknowledged (a TimeoutError otherwise: the publish stays
    // in soft state), so a locate issued after the answer finds the object.
    ['/publish', endpoint('POST', z.strictObject({ object: name, tag: z.string().max(DEFAULTS.maxTagBytes).optional() }), async (b) => {
      const object = guidOf(n, b.object);
      const r = await n.publish(object, b.tag ? { tag: b.tag } : {});
      return json({ published: object.hex, acknowledged: r.acknowledged, roots: r.roots.map((h) => peerJson(h)) });
    })],
    ['/unpublish', endpoint('POST', z.strictObject({ object: name }), async (b) => {
      const object = guidOf(n, b.object);
      const r = await n.unpublish(object);
      return json({ unpublished: object.hex, acknowledged: r.acknowledged, roots: r.roots.map((h) => peerJson(h)) });
    })],
    ['/locate', endpoint('POST', z.strictObject({
      object: name, replicas: z.number().int().min(1).max(DEFAULTS.maxReplicas).default(1), query: z.string().max(DEFAULTS.maxTagBytes).optional(), timeoutMs: timeoutMs.default(10_000),
    }), (b) => ({ kind: 'lines', items: locateLines(c, guidOf(n, b.object), b.replicas, b.query, b.timeoutMs) }))],
    ['/ping', endpoint('POST', z.strictObject({ address: z.string().min(1).max(64), timeoutMs: timeoutMs.default(5_000) }), async (b) => {
      let to;
      try {
        const hp = parseHostPort(b.address, 'address');
        to = parseAddress(hp.host, hp.port);
      } catch (err) {
        throw new HttpError(400, (err as Error).message, 'address');
      }
      return json({ address: b.address, rttMs: await n.ping(to, { timeoutMs: b.timeoutMs }) });
    })],
    ['/multicast/create', endpoint('POST', z.strictObject({ session: name, replicas: z.number().int().min(1).max(DEFAULTS.bayeuxMaxReplicas).default(1) }), async (b) => {
      const s = await c.multicast.createSession(b.session, { replicas: b.replicas });
      return json({ session: s.guid.hex, roots: s.roots.map(peerJson) });
    })],
    ['/multicast/join', endpoint('POST', z.strictObject({ session: name }), async (b) => {
      await c.multicast.join(b.session, { onMessage: (p, info) => c.app.record(info.session.hex, info.source.guid.hex, p, 'multicast') });
      return json({ joined: c.multicast.sessionGuid(b.session).hex });
    })],
    ['/multicast/leave', endpoint('POST', z.strictObject({ session: name }), async (b) => {
      await c.multicast.leave(b.session);
      return json({ left: c.multicast.sessionGuid(b.session).hex });
    })],
    ['/multicast/send', endpoint('POST', z.strictObject({ session: name, payload }), (b) => json({ session: c.multicast.sessionGuid(b.session).hex, seq: c.multicast.multicast(b.session, b.payload) }))],
    ['/anycast/announce', endpoint('POST', z.strictObject({ group: name }), async (b) => {
      await c.anycast.announce(b.group);
      return json({ announced: c.anycast.groupGuid(b.group).hex });
    })],
    ['/anycast/join', endpoint('POST', z.strictObject({ group: name }), async (b) => {
      await c.anycast.join(b.group, { onMessage: (p, info) => c.app.record(info.group.hex, info.sender.guid.hex, p, 'anycast') });
      return json({ joined: c.anycast.groupGuid(b.group).hex });
    })],
    ['/anycast/leave', endpoint('POST', z.strictObject({ group: name }), async (b) => {
      await c.anycast.leave(b.group);
      return json({ left: c.anycast.groupGuid(b.group).hex });
    })],
    ['/anycast/send', endpoint('POST', z.strictObject({ group: name, payload }), async (b) => {
      const member = await c.anycast.send(b.group, b.payload);
      return json({ group: c.anycast.groupGuid(b.group).hex, member: peerJson(member) });
    })],
    ...dhtEndpoints(c),
  ]);
}

/** A locate as JSON lines: each replica found, then a last line with the outcome. */
async function* locateLines(c: ControlContext, object: Guid, replicas: number, query: string | undefined, ms: number): AsyncGenerator<unknown> {
  const started = Date.now();
  const signal = AbortSignal.timeout(ms);
  let found = 0;
  let outcome: 'found' | 'notFound' | 'timeout' | 'aborted' | 'error' = 'found';
  try {
    for await (const r of c.node.locate(object, { replicas, signal, ...(query ? { query } : {}) })) {
      found++;
      const line = { object: object.hex, server: peerJson(r.server), tag: r.tag, hops: r.hops, elapsedMs: r.elapsedMs };
      c.events.publish('locate', line);
      yield line;
    }
  } catch (err) {
    outcome = err instanceof NotFoundError ? 'notFound' : err instanceof TimeoutError ? 'timeout' : err instanceof AbortedError ? (found ? 'found' : 'timeout') : 'error';
    if (outcome === 'error') throw err;
  }
  if (found === 0 && outcome === 'found') outcome = 'notFound';
  c.onLocate((Date.now() - started) / 1000, outcome);
  yield { done: true, object: object.hex, found, outcome };
}
