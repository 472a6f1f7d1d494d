/**
 * The object-location half of the node facade (api/tapestryNode.ts): publish, which now answers
 * with a promise of its salted roots' acknowledgements, and the start of a locate or sendToObject.
 * Arguments are checked here, synchronously, before anything is sent; the work is the
 * ObjectLocator actor's.
 */
import type { AnyActorRef } from 'xstate';
import { DEFAULTS } from '../defaults';
import { AbortedError, LimitExceededError, ResolveOnlyError } from '../errors';
import type { IdSpace } from '../routing/guid';
import type { Guid } from '../routing/guid';
import type { LocateResult, LocatorRuntime, PublishResult, PublishWaiter } from '../actors/locatorRuntime';
import { Channel } from './channel';
import { toGuid, type LocateOptions, type PublishOptions } from './nodeOptions';
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
