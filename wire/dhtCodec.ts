/**
 * The wire edge of the DHT module: bytes <-> DhtMsg (upcalls/dht/messages.ts). Decoding checks every
 * limit written beside DhtMsg in messages.proto and throws FrameDecodeError with a reason (the module
 * counts and drops the message), and copies every bytes field it keeps.
 */
import { DEFAULTS } from '../defaults';
import type { DecodeOptions, WireHandle } from './codec';
import { checkIdBytesOption, decodePayload, fail, guidFromWire, handleToWire, requiredHandle, schema } from './fields';
import type { AckStatus, DhtKind, DhtMsg, DhtRecord, DhtRemoval } from '../upcalls/dht/messages';

const DhtType = schema.lookupType('tapestry.DhtMsg');

const KINDS: readonly DhtKind[] = ['put', 'store', 'get', 'value', 'remove', 'ack', 'ping', 'pong', 'cache'];
const STATUSES: readonly AckStatus[] = ['stored', 'older', 'full', 'removed', 'notPublisher', 'invalid', 'notOwner', 'forged'];

interface WireRecord {
  value: Uint8Array;
  seq: number;
  publisher: Uint8Array;
  ttlMs: number;
  credential: Uint8Array | null;
  signature: Uint8Array | null;
}
interface WireRemoval {
  seq: number;
  credential: Uint8Array | null;
  signature: Uint8Array | null;
}
interface WireDht {
  kind: number;
  key: Uint8Array;
  salt: number;
  requestId: number;
  requester: WireHandle | null;
  record: WireRecord | null;
  status: number;
  removal: WireRemoval | null;
}

/** Encodes a DHT message (a module payload). */
export function encodeDht(msg: DhtMsg): Uint8Array {
  const r = msg.record;
  return DhtType.encode({
    kind: KINDS.indexOf(msg.kind) + 1, key: msg.key.bytes, salt: msg.salt, requestId: msg.requestId,
    requester: msg.requester ? handleToWire(msg.requester) : null,
    record: r ? { value: r.value, seq: r.seq, publisher: r.publisher.bytes, ttlMs: r.ttlMs, credential: r.credential ?? null, signature: r.signature ?? null } : null,
    status: msg.status ? STATUSES.indexOf(msg.status) + 1 : 0,
    removal: msg.removal ?? null,
  }).finish();
}

/** Which kinds carry what. */
const NEEDS_RECORD: ReadonlySet<DhtKind> = new Set(['put', 'store', 'cache']);
const ANSWERED: ReadonlySet<DhtKind> = new Set(['put', 'get', 'ping', 'pong']);

/** Decodes and validates a DHT message; FrameDecodeError with a reason for anything malformed. */
export function decodeDht(bytes: Uint8Array, opts?: DecodeOptions): DhtMsg {
  checkIdBytesOption(opts?.idBytes);
  const w = decodePayload<WireDht>(DhtType, bytes, 'dht message');
  if (!(w.kind >= 1 && w.kind <= KINDS.length)) fail('emptyBody', `unknown dht kind ${w.kind}`);
  const kind = KINDS[w.kind - 1];
  const idBytes = opts?.idBytes ?? w.key.length;
  const key = guidFromWire(w.key, idBytes, 'key');
  if (w.salt >= DEFAULTS.dhtMaxSalts) fail('salt', `salt ${w.salt} is not below ${DEFAULTS.dhtMaxSalts}`);
  // A put or get always wants an answer; a remove does when it comes from the publisher (not from a root passing it on).
  if (ANSWERED.has(kind) && w.requestId === 0) fail('missing', `a dht ${kind} without a request id`);
  const requester = w.requestId !== 0 || w.requester ? requiredHandle(w.requester, idBytes, `a dht ${kind} with a request id names no requester`) : undefined;
  let record: DhtRecord | undefined;
  if (w.record) {
    const r = w.record;
    if (r.value.length === 0 || r.value.length > DEFAULTS.dhtMaxValueBytes) fail('payload', `a value of ${r.value.length} bytes is not within 1..${DEFAULTS.dhtMaxValueBytes}`);
    if (r.seq === 0) fail('missing', 'a record without a version');
    if (!(r.ttlMs >= 1 && r.ttlMs <= DEFAULTS.dhtRecordLifetimeMs)) fail('lifetime', `a record lifetime of ${r.ttlMs} ms is not within 1..${DEFAULTS.dhtRecordLifetimeMs}`);
    const proof = signatureFields(r.credential, r.signature, 'a record');
    record = { value: Uint8Array.from(r.value), seq: r.seq, publisher: guidFromWire(r.publisher, idBytes, 'publisher'), ttlMs: r.ttlMs, ...proof };
  }
  let removal: DhtRemoval | undefined;
  if (w.removal) {
    if (kind !== 'remove') fail('payload', `a dht ${kind} carries a removal`);
    if (w.removal.seq === 0) fail('missing', 'a removal without a version');
    const proof = signatureFields(w.removal.credential, w.removal.signature, 'a removal');
    if (!proof.credential) fail('missing', 'a removal without its credential and signature');
    removal = { seq: w.removal.seq, credential: proof.credential, signature: proof.signature! };
  }
  if (NEEDS_RECORD.has(kind) && !record) fail('missing', `a dht ${kind} without a record`);
  if (!NEEDS_RECORD.has(kind) && kind !== 'value' && record) fail('payload', `a dht ${kind} carries a record`);
  let status: AckStatus | undefined;
  if (kind === 'ack') {
    if (!(w.status >= 1 && w.status <= STATUSES.length)) fail('reply', `unknown ack status ${w.status}`);
    status = STATUSES[w.status - 1];
  } else if (w.status !== 0) {
    fail('reply', `a dht ${kind} carries a status`);
  }
  return { kind, key, salt: w.salt, requestId: w.requestId, ...(requester ? { requester } : {}), ...(record ? { record } : {}), ...(status ? { status } : {}), ...(removal ? { removal } : {}) };
}

/** A credential and signature: both absent (provider `none`) or both present within their limits; copied. */
function signatureFields(credential: Uint8Array | null, signature: Uint8Array | null, what: string): { credential?: Uint8Array; signature?: Uint8Array } {
  const c = credential ?? EMPTY;
  const sig = signature ?? EMPTY;
  if (c.length === 0 && sig.length === 0) return {};
  if (c.length === 0 || sig.length === 0) fail('missing', `${what} carries a credential and a signature together or neither`);
  if (c.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `${what}'s credential of ${c.length} bytes is over ${DEFAULTS.maxCredentialBytes}`);
  if (sig.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `${what}'s signature of ${sig.length} bytes is over ${DEFAULTS.maxSignatureBytes}`);
  return { credential: Uint8Array.from(c), signature: Uint8Array.from(sig) };
}

const EMPTY = new Uint8Array(0);
