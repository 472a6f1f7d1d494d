/** Named errors for misuse of the API and for expected failures. */
export class TapestryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** A caller passed an argument outside what the API accepts. */
export class InvalidArgumentError extends TapestryError {}
/**
 * A bootstrap address of a family the node's socket cannot reach: IPv6 from an IPv4 socket, IPv4
 * from an IPv6 socket that is not dual-stack (bound to a specific IPv6 address rather than `::`).
 */
export class UnreachableAddressError extends InvalidArgumentError {}
/** A frame could not be decoded; it is counted and dropped. */
export class DecodeError extends TapestryError {}
/** An operation was attempted on a closed node or transport. */
export class ClosedError extends TapestryError {}
/** A message is larger than DEFAULTS.maxMessageBytes. */
export class MessageTooLargeError extends TapestryError {}
/** The transport could not be opened (bind failure, bad address). */
export class TransportError extends TapestryError {}
/** An operation did not complete in its time limit. */
export class TimeoutError extends TapestryError {}
/** A bounded resource is full; the request was refused rather than queued without limit. */
export class LimitExceededError extends TapestryError {}
/** A locate reached every salted root of an object without finding a matching replica. */
export class NotFoundError extends TapestryError {}
/** The caller's AbortSignal ended the operation. */
export class AbortedError extends TapestryError {}
/** An exact request reached the root of a GUID that no node holds (that root said so). */
export class NoSuchNodeError extends TapestryError {}
/**
 * What a resolve-only node (createNode's `resolveOnly`) cannot do, or is not: publish (its objects
 * could only be reached by routing to it, and no routing table lists it), be added as a peer, start a
 * mesh without a bootstrap list; also what a full node's membership check reads when a resolve-only
 * node answered it. Its routes, requests and locates are all it sends.
 */
export class ResolveOnlyError extends TapestryError {}
/**
 * A resolve-only node has no gateway to hand a message to: every bootstrap address failed (it retries
 * them every `joinRetryMs`); the message was not sent.
 */
export class NoGatewayError extends TapestryError {}
/**
 * A message reached no node that would take it — no member of an anycast group, no proxy holding a
 * mobile node — and the sender was told so (a NACK, or every salted root answered without a member).
 */
export class UndeliverableError extends TapestryError {}
/**
 * A request reached a node that answered without a reply: `reason` says why — 'noModule' (no
 * module with a deliver upcall for the request's module id there), 'noReply' (deliver returned or
 * resolved nothing), 'failed' (deliver threw or rejected, or its reply was not bytes or a string, or
 * was too large), 'ttlExpired' (the TTL ran out before the destination).
 */
export class NoReplyError extends TapestryError {
  constructor(
    /** Why there is no reply (see the class comment). */
    readonly reason: 'noModule' | 'noReply' | 'failed' | 'ttlExpired',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A DHT record was refused by the nodes that store its key: `reason` says why — 'older' (they hold a
 * newer version of the key; a put never replaces it with an older one), 'full' (they hold as many
 * records as they may), 'notPublisher' (a remove from a node that did not publish the record),
 * 'invalid' (their validator refused the value); under the `signed` provider also 'notOwner' (another
 * publisher owns the key there) and 'forged' (the record's signature or credential did not verify).
 */
export class RecordRejectedError extends TapestryError {
  constructor(
    /** Why the record was refused (see the class comment). */
    readonly reason: 'older' | 'full' | 'notPublisher' | 'invalid' | 'notOwner' | 'forged',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one integer-range check: `value` if it is an integer in [min, max], else an
 * InvalidArgumentError naming `name`, the range and what was given.
 */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new InvalidArgumentError(`${name} must be an integer ${range}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
  return value;
}
