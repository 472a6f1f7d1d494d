/**
 * The wire edge of the Bayeux module: bytes <-> BayeuxMsg (upcalls/bayeux/messages.ts), the payload
 * of a route or direct message carrying MODULE_IDS.bayeux. Decoding checks every limit written beside
 * BayeuxMsg in messages.proto and throws FrameDecodeError with a reason (the module counts and drops
 * the message), and copies the payload it keeps.
 */
import { DEFAULTS } from '../defaults';
import type { DecodeOptions, WireHandle } from './codec';
import { checkIdBytesOption, decodePayload, fail, guidFromWire, handleToWire, requiredHandle, schema } from './fields';
import type { BayeuxKind, BayeuxMsg } from '../upcalls/bayeux/messages';

const BayeuxType = schema.lookupType('tapestry.BayeuxMsg');

/** Wire kinds, 1-based in this order. */
const KINDS: readonly BayeuxKind[] = ['create', 'join', 'tree', 'data', 'prune', 'leave', 'teardown'];

interface WireBayeux {
  kind: number;
  session: Uint8Array;
  replica: number;
  node: WireHandle | null;
  seq: number;
  payload: Uint8Array;
  replicas: number;
  relayed: boolean;
}

/** Encodes a Bayeux message (a module payload). */
export function encodeBayeux(msg: BayeuxMsg): Uint8Array {
  const wire: WireBayeux = {
    kind: KINDS.indexOf(msg.kind) + 1, session: msg.session.bytes, replica: msg.replica, node: handleToWire(msg.node), seq: msg.seq, payload: msg.payload,
    replicas: msg.replicas, relayed: msg.relayed,
  };
  return BayeuxType.encode(wire).finish();
}

/**
 * Decodes and validates a Bayeux message. Throws FrameDecodeError (a DecodeError) with a reason for
 * anything malformed, never another exception for bad input. The result shares no memory with `bytes`.
 */
export function decodeBayeux(bytes: Uint8Array, opts?: DecodeOptions): BayeuxMsg {
  checkIdBytesOption(opts?.idBytes);
  const w = decodePayload<WireBayeux>(BayeuxType, bytes, 'bayeux message');
  if (!(w.kind >= 1 && w.kind <= KINDS.length)) fail('emptyBody', `unknown bayeux kind ${w.kind}`);
  const kind = KINDS[w.kind - 1];
  const session = guidFromWire(w.session, opts?.idBytes ?? w.session.length, 'session');
  if (w.replica >= DEFAULTS.bayeuxMaxReplicas) fail('replicas', `replica ${w.replica} is not below ${DEFAULTS.bayeuxMaxReplicas}`);
  const node = requiredHandle(w.node, session.bytes.length, 'bayeux message names no node');
  if (kind === 'data') {
    if (w.seq === 0) fail('missing', 'a multicast without a sequence number');
    if (w.payload.length > DEFAULTS.bayeuxMaxPayloadBytes) fail('payload', `${w.payload.length} payload bytes exceed ${DEFAULTS.bayeuxMaxPayloadBytes}`);
  } else if (w.seq !== 0 || w.payload.length > 0 || w.relayed) {
    fail('payload', `a bayeux ${kind} carries a sequence number, payload or relay flag`);
  }
  if (kind === 'create') {
    if (!(w.replicas >= 1 && w.replicas <= DEFAULTS.bayeuxMaxReplicas && w.replica < w.replicas)) {
      fail('replicas', `a session of ${w.replicas} replicas (replica ${w.replica}) is not within 1..${DEFAULTS.bayeuxMaxReplicas}`);
    }
  } else if (w.replicas !== 0) {
    fail('replicas', `a bayeux ${kind} carries a replica count`);
  }
  return { kind, session, replica: w.replica, node, seq: w.seq, payload: Uint8Array.from(w.payload), replicas: w.replicas, relayed: w.relayed };
}
