/**
 * node.request(): its options, their check, and the glue from a call to the router's request
 * runtime (actors/requestRuntime.ts). Every misuse rejects with a named error before anything is
 * sent; the outcome of a request that was sent is the reply, or a rejection with TimeoutError,
 * AbortedError, ClosedError, NoSuchNodeError or NoReplyError.
 */
import { DEFAULTS } from '../defaults';
import { AbortedError, checkInteger, ClosedError, InvalidArgumentError, LimitExceededError, MessageTooLargeError } from '../errors';
import type { Guid, IdSpace } from '../routing/guid';
import type { RouterRuntime } from '../actors/routerRuntime';
import type { DatagramPath } from '../actors/datagramPath';
import type { RequestReply, RequestWaiter } from '../actors/requestRuntime';
import { REQUEST_DEFAULTS, requestOptionsSchema } from './options/requestOptions';
import { isEmpty } from './options/routeOptions';
import { parseOptions } from './options/schema';
import { toGuid } from './nodeOptions';

export type { RequestReply } from '../actors/requestRuntime';

/** The options of node.request(); checked at run time (api/options/requestOptions.ts). */
export interface RequestOptions {
  /** true: the request goes to the GUID's surrogate root (the live node that roots it); false (default): only to the node holding exactly this GUID. */
  readonly fuzzy?: boolean;
  /** How long to wait for the reply (ms, 1 .. 2^31 - 1). Default DEFAULTS.requestTimeoutMs. */
  readonly timeoutMs?: number;
  /** Ends the wait with AbortedError (at once if it is already aborted). */
  readonly signal?: AbortSignal;
  /** The upcall module that answers it at the destination (0 .. MAX_MODULE_ID). Default 0, the application's default module. */
  readonly module?: number;
  /** Most hops the request may take (1 .. DEFAULTS.maxTtl). Default DEFAULTS.defaultTtl. */
  readonly ttl?: number;
}

/** RequestOptions with every default filled in; InvalidArgumentError for an unknown key, a wrong type or a value out of range (api/options/requestOptions.ts). */
export function checkRequestOptions(opts: unknown): { fuzzy: boolean; timeoutMs: number; signal?: AbortSignal; moduleId: number; ttl: number } {
  // No options (the hot path) skips the schema for the defaults it would give, as route() does.
  const o = opts === undefined || isEmpty(opts) ? REQUEST_DEFAULTS : parseOptions(requestOptionsSchema, opts ?? {}, 'request');
  return { fuzzy: o.fuzzy, timeoutMs: o.timeoutMs, signal: o.signal, moduleId: o.module, ttl: o.ttl };
}

/** What sendRequest needs of its node. */
export interface RequestParts {
  readonly core: RouterRuntime;
  /** The plain-call path into the router core: a request started outside any event runs on it. */
  readonly path: DatagramPath;
  readonly space: IdSpace;
  /** Throws ClosedError when the node is closed. */
  assertOpen(): void;
}

/** Sends a request and waits for its reply (see TapestryNode.request). */
export async function sendRequest(parts: RequestParts, dest: Guid | string, payload: Uint8Array | string, opts?: RequestOptions): Promise<RequestReply> {
  parts.assertOpen();
  const o = checkRequestOptions(opts);
  const destGuid = toGuid(dest, parts.space);
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
  if (bytes.length > DEFAULTS.maxMessageBytes) throw new MessageTooLargeError(`payload of ${bytes.length} bytes exceeds ${DEFAULTS.maxMessageBytes}`);
  if (o.signal?.aborted) throw new AbortedError('request aborted before it started');
  const { core } = parts;
  if (core.requests.table.full) throw new LimitExceededError(`at most ${DEFAULTS.maxRequestsInFlight} requests in flight`);
  return new Promise<RequestReply>((resolve, reject) => {
    let id: number | undefined;
    let settled = false;
    const onAbort = (): void => {
      if (id !== undefined) core.requests.abort(id, new AbortedError('request aborted'));
    };
    const waiter: RequestWaiter = {
      resolve: (reply) => finish(() => resolve(reply)),
      reject: (err) => finish(() => reject(err)),
    };
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      settle();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const start = (): void => {
      id = core.requests.start({ dest: destGuid, payload: bytes, fuzzy: o.fuzzy, ttl: o.ttl, moduleId: o.moduleId }, o.timeoutMs, waiter);
      if (id === undefined) waiter.reject(new LimitExceededError(`at most ${DEFAULTS.maxRequestsInFlight} requests in flight`));
    };
    // Inside one of the router's events (a module's upcall) it starts at once; otherwise in a plain
    // call on the datagram path, as the idle router actor would have run it at once (no actor event).
    if (core.inEvent) start();
    else parts.path.call(start);
    // An idle actor handles the event at once: a request not started by now never will be (the router stopped).
    if (id === undefined && !settled) waiter.reject(new ClosedError('the node is not running'));
  });
}
