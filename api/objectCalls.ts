/**
 * The object-location half of the node facade (api/tapestryNode.ts): publish and unpublish, which
 * answer with a promise of their salted roots' acknowledgements, and the start of a locate or sendToObject.
 * Arguments are checked here, synchronously, before anything is sent; the work is the
 * ObjectLocator actor's.
 */
import type { AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { AbortedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError, ResolveOnlyError } from '../errors';
import type { IdSpace } from '../routing/guid';
import type { Guid } from '../routing/guid';
import type { LocateResult, LocatorRuntime, PublishResult, PublishWaiter, UnpublishResult } from '../actors/locatorRuntime';
import type { OwnerGrant } from '../actors/ownerClaims';
import { Channel } from './channel';
import { toGuid, type LocateOptions, type PublishOptions, type SendToObjectOptions } from './nodeOptions';
import { sendToObjectOptionsSchema } from './options/locateOptions';
import { publishOptionsSchema } from './options/publishOptions';
import { parseOptions } from './options/schema';

/** What the calls need from their node. */
export interface ObjectCallsNode {
  readonly space: IdSpace;
  readonly locator: LocatorRuntime;
  readonly locatorActor: AnyActorRef;
  /** Salted roots a plain locate tries at once. */
  readonly fanout: number;
  /** Throws ClosedError after close(). */
  assertOpen(): void;
  /** Throws NoGatewayError on a resolve-only node without an answering gateway. */
  assertGateway(): void;
  /** A resolve-only node cannot publish. */
  readonly resolveOnly: boolean;
}

/**
 * node.publish(): validation errors are thrown at once; the returned promise resolves when every
 * salted root acknowledged and rejects with TimeoutError, LimitExceededError or ClosedError. A
 * caller may ignore it: the promise carries a handler of its own, so a rejection nobody awaits is
 * never reported as unhandled, while one who awaits it still sees the rejection.
 */
export function publishObject(node: ObjectCallsNode, object: Guid | string, opts: PublishOptions): Promise<PublishResult> {
  node.assertOpen();
  // A server is reached by routing to it, and no table lists a resolve-only node: its replicas could never be found.
  if (node.resolveOnly) throw new ResolveOnlyError('a resolve-only node cannot publish: no routing table lists it, so no locate could reach it');
  const guid = toGuid(object, node.space);
  const { tag, owner, name } = parseOptions(publishOptionsSchema, opts, 'publish');
  const claim = node.locator.claims.claimFor(guid, { owner, name });
  let waiter!: PublishWaiter;
  const done = new Promise<PublishResult>((resolve, reject) => (waiter = { resolve, reject }));
  done.catch(() => undefined);
  node.locatorActor.send({ type: 'publish', object: guid, tag, owner: claim, waiter });
  return done;
}

/**
 * node.unpublish(): a bad GUID or a closed node throws at once; the returned promise resolves when
 * every salted root acknowledged that the unpublish reached it (every pointer on the path to it
 * removed), at once with `tried` 0 for an object this node does not publish, and rejects with
 * TimeoutError, LimitExceededError or ClosedError. Ignoring it is safe, as for publish.
 */
export function unpublishObject(node: ObjectCallsNode, object: Guid | string): Promise<UnpublishResult> {
  node.assertOpen();
  const guid = toGuid(object, node.space);
  let waiter!: PublishWaiter;
  const done = new Promise<UnpublishResult>((resolve, reject) => (waiter = { resolve, reject }));
  done.catch(() => undefined);
  node.locatorActor.send({ type: 'unpublish', object: guid, waiter });
  return done;
}

/** A locate's (or sendToObject's) channel: `opts` as the locate schema gave them (defaults applied). */
export function startLocate(
  node: ObjectCallsNode,
  object: Guid | string,
  opts: Required<Omit<LocateOptions, 'signal'>> & LocateOptions,
  moduleId: number,
  payload: Uint8Array,
): Channel<LocateResult> {
  node.assertOpen();
  node.assertGateway();
  const guid = toGuid(object, node.space);
  const { query, replicas, owned } = opts;
  if (node.locator.inFlight >= DEFAULTS.maxLocatesInFlight) {
    throw new LimitExceededError(`at most ${DEFAULTS.maxLocatesInFlight} locates in flight`);
  }
  const sink = new Channel<LocateResult>();
  const signal = opts.signal;
  if (signal?.aborted) {
    sink.fail(new AbortedError('locate aborted before it started'));
    return sink;
  }
  let id = 0;
  node.locatorActor.send({
    type: 'locate',
    // sendToObject goes one salted root at a time: parallel paths could each hand the message to a different replica.
    request: { object: guid, query, replicas, moduleId, payload, sink, fanout: payload.length > 0 ? 1 : node.fanout, owned },
    reply: (assigned: number) => (id = assigned),
  });
  signal?.addEventListener(
    'abort',
    () => node.locatorActor.send({ type: 'abort', id, reason: new AbortedError('locate aborted') }),
    { once: true },
  );
  return sink;
}

/** node.sendToObject(): the payload rides a locate, one salted root at a time; resolves with the replicas reached. */
export async function sendToObject(node: ObjectCallsNode, object: Guid | string, payload: Uint8Array | string, opts: SendToObjectOptions): Promise<LocateResult[]> {
  const { module: moduleId, ...locate } = parseOptions(sendToObjectOptionsSchema, opts, 'sendToObject');
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidArgumentError('payload must be a non-empty Uint8Array or string');
  if (bytes.length > DEFAULTS.maxInlineObjectPayload) {
    throw new MessageTooLargeError(`sendToObject carries at most ${DEFAULTS.maxInlineObjectPayload} bytes, got ${bytes.length}`);
  }
  const results: LocateResult[] = [];
  for await (const r of startLocate(node, object, locate, moduleId, bytes)) results.push(r);
  return results;
}

/** node.grantPublish(): the owner's grant for `server` to publish `object` for `expiresInMs` (whole seconds of wall clock). */
export function grantPublish(node: ObjectCallsNode, object: Guid | string, server: Guid | string, opts: { expiresInMs: number; name?: string }): OwnerGrant {
  node.assertOpen();
  if (!(opts.expiresInMs > 0 && opts.expiresInMs <= 0xffff_ffff * 1000)) throw new InvalidArgumentError(`expiresInMs must be > 0, got ${opts.expiresInMs}`);
  const expiresAt = node.locator.wallSeconds() + Math.ceil(opts.expiresInMs / 1000);
  return node.locator.claims.grant(toGuid(object, node.space), toGuid(server, node.space), expiresAt, opts.name);
}
