/**
 * The wire edge of the DRT module: bytes <-> DrtMsg (upcalls/drt/messages.ts). Decoding checks every
 * limit written beside DrtMsg in messages.proto and throws FrameDecodeError with a reason (the module
 * counts and drops the message), and copies every bytes field it keeps. DRT keys are 256-bit, so every
 * key is 32 bytes whatever the node's id width; node handles have the node's width.
 */
import { DEFAULTS } from '../defaults';
import type { DecodeOptions, WireHandle } from './codec';
import { checkCount, checkIdBytesOption, decodePayload, fail, guidFromWire, handleToWire, requiredHandle, schema } from './fields';
import type { DrtEntry, DrtKind, DrtMsg, DrtStatus, DrtWalkMode } from '../upcalls/drt/messages';

const DrtType = schema.lookupType('tapestry.DrtMsg');

const KINDS: readonly DrtKind[] = ['register', 'update', 'unregister', 'ack', 'search', 'found', 'handoff'];
const STATUSES: readonly DrtStatus[] = ['ok', 'full', 'taken', 'unknown', 'tooLarge'];
const MODES: readonly DrtWalkMode[] = ['exact', 'up', 'down'];
const KEY_BYTES = 32;
const EMPTY = new Uint8Array(0);

interface WireEntry {
  key: Uint8Array;
  appData: Uint8Array;
  publisher: WireHandle | null;
  ttlMs: number;
}
interface WireDrt {
  kind: number;
  cursor: Uint8Array;
  requestId: number;
  requester: WireHandle | null;
  appData: Uint8Array;
  ttlMs: number;
  status: number;
  mode: number;
  end: Uint8Array;
  remaining: number;
  iterative: boolean;
  walking: boolean;
  hops: number;
  entries: WireEntry[];
  next: WireHandle | null;
  done: boolean;
  responder: WireHandle | null;
  part: number;
  leaving: boolean;
}

/** Encodes a DRT message (a module payload). */
export function encodeDrt(msg: DrtMsg): Uint8Array {
  return DrtType.encode({
    kind: KINDS.indexOf(msg.kind) + 1,
    cursor: msg.cursor.bytes,
    requestId: msg.requestId,
    requester: msg.requester ? handleToWire(msg.requester) : null,
    appData: msg.appData ?? EMPTY,
    ttlMs: msg.ttlMs ?? 0,
    status: msg.status ? STATUSES.indexOf(msg.status) + 1 : 0,
    mode: msg.mode ? MODES.indexOf(msg.mode) + 1 : 0,
    end: msg.end?.bytes ?? EMPTY,
    remaining: msg.remaining ?? 0,
    iterative: msg.iterative ?? false,
    walking: msg.walking ?? false,
    hops: msg.hops,
    entries: (msg.entries ?? []).map((e) => ({ key: e.key.bytes, appData: e.appData, publisher: handleToWire(e.publisher), ttlMs: e.ttlMs })),
    next: msg.next ? handleToWire(msg.next) : null,
    done: msg.done ?? false,
    responder: msg.responder ? handleToWire(msg.responder) : null,
    part: msg.part ?? 0,
    leaving: msg.leaving ?? false,
  }).finish();
}

const OPS: ReadonlySet<DrtKind> = new Set(['register', 'update', 'unregister']);
const WITH_DATA: ReadonlySet<DrtKind> = new Set(['register', 'update']);
const WALKS: ReadonlySet<DrtKind> = new Set(['search', 'found']);

function checkAppData(data: Uint8Array, what: string): Uint8Array {
  if (data.length === 0 || data.length > DEFAULTS.drtMaxAppDataBytes) fail('payload', `${what} of ${data.length} bytes is not within 1..${DEFAULTS.drtMaxAppDataBytes}`);
  return Uint8Array.from(data);
}

function checkTtl(ttlMs: number, what: string): number {
  if (!(ttlMs >= 1 && ttlMs <= DEFAULTS.drtMaxLifetimeMs)) fail('lifetime', `${what} of ${ttlMs} ms is not within 1..${DEFAULTS.drtMaxLifetimeMs}`);
  return ttlMs;
}

/** Decodes and validates a DRT message; FrameDecodeError with a reason for anything malformed. */
export function decodeDrt(bytes: Uint8Array, opts?: DecodeOptions): DrtMsg {
  checkIdBytesOption(opts?.idBytes);
  const w = decodePayload<WireDrt>(DrtType, bytes, 'drt message');
  if (!(w.kind >= 1 && w.kind <= KINDS.length)) fail('emptyBody', `unknown drt kind ${w.kind}`);
  const kind = KINDS[w.kind - 1];
  const idBytes = opts?.idBytes ?? KEY_BYTES;
  const cursor = guidFromWire(w.cursor, KEY_BYTES, 'cursor');
  if (kind === 'handoff' ? w.requestId !== 0 : w.requestId === 0) fail('missing', `a drt ${kind} ${kind === 'handoff' ? 'with' : 'without'} a request id`);
  const requester = kind === 'handoff' ? undefined : requiredHandle(w.requester, idBytes, `a drt ${kind} names no requester`);
  if (kind === 'handoff' && w.requester) fail('payload', 'a drt handoff names a requester');
  if (w.hops > DEFAULTS.drtMaxSearchHops) fail('hops', `${w.hops} drt steps exceed ${DEFAULTS.drtMaxSearchHops}`);
  if (w.part > DEFAULTS.drtMaxSearchHops) fail('hops', `drt part ${w.part} exceeds ${DEFAULTS.drtMaxSearchHops}`);
  if (kind === 'ack' && w.walking) fail('payload', 'a drt ack is walking');
  if (kind !== 'handoff' && w.leaving) fail('payload', `a drt ${kind} says its sender is leaving`);

  let appData: Uint8Array | undefined;
  let ttlMs: number | undefined;
  if (WITH_DATA.has(kind)) {
    appData = checkAppData(w.appData, 'appData');
    ttlMs = checkTtl(w.ttlMs, 'a registration lifetime');
  } else if (w.appData.length > 0 || w.ttlMs !== 0) {
    fail('payload', `a drt ${kind} carries appData or a lifetime`);
  }

  let status: DrtStatus | undefined;
  if (kind === 'ack') {
    if (!(w.status >= 1 && w.status <= STATUSES.length)) fail('reply', `unknown drt ack status ${w.status}`);
    status = STATUSES[w.status - 1];
  } else if (w.status !== 0) {
    fail('reply', `a drt ${kind} carries a status`);
  }

  let mode: DrtWalkMode | undefined;
  let end: ReturnType<typeof guidFromWire> | undefined;
  if (WALKS.has(kind)) {
    if (!(w.mode >= 1 && w.mode <= MODES.length)) fail('emptyBody', `unknown drt search mode ${w.mode}`);
    mode = MODES[w.mode - 1];
    if (mode !== 'exact') end = guidFromWire(w.end, KEY_BYTES, 'end');
    else if (w.end.length > 0) fail('payload', 'an exact drt search names an end');
    const least = kind === 'search' ? 1 : 0;
    if (!(w.remaining >= least && w.remaining <= DEFAULTS.drtMaxEndpoints)) fail('count', `drt remaining ${w.remaining} is not within ${least}..${DEFAULTS.drtMaxEndpoints}`);
  } else if (w.mode !== 0 || w.end.length > 0 || w.remaining !== 0 || w.iterative || w.part !== 0) {
    fail('payload', `a drt ${kind} carries search fields`);
  }

  checkCount(w.entries.length, DEFAULTS.drtMaxEndpoints, 'count', 'drt entries');
  if (w.entries.length > 0 && kind !== 'found' && kind !== 'handoff') fail('payload', `a drt ${kind} carries entries`);
  if (kind === 'handoff' && w.entries.length === 0) fail('missing', 'a drt handoff without entries');
  const entries: DrtEntry[] = w.entries.map((e) => ({
    key: guidFromWire(e.key, KEY_BYTES, 'entry key'),
    appData: checkAppData(e.appData, 'entry appData'),
    publisher: requiredHandle(e.publisher, idBytes, 'a drt entry names no publisher'),
    ttlMs: checkTtl(e.ttlMs, 'an entry lifetime'),
  }));

  if (kind !== 'found' && (w.next || w.done)) fail('payload', `a drt ${kind} carries next or done`);
  if (kind === 'found' && w.done && w.next) fail('payload', 'a finished drt walk names a next node');
  const next = w.next ? requiredHandle(w.next, idBytes, 'next') : undefined;
  const answers = kind === 'ack' || kind === 'found';
  if (!answers && w.responder) fail('payload', `a drt ${kind} names a responder`);
  const responder = answers ? requiredHandle(w.responder, idBytes, `a drt ${kind} names no responder`) : undefined;

  return {
    kind, cursor, requestId: w.requestId, hops: w.hops,
    ...(w.walking ? { walking: true } : {}),
    ...(w.leaving ? { leaving: true } : {}),
    ...(requester ? { requester } : {}),
    ...(appData ? { appData, ttlMs } : {}),
    ...(status ? { status } : {}),
    ...(mode ? { mode, remaining: w.remaining, iterative: w.iterative, part: w.part } : {}),
    ...(end ? { end } : {}),
    ...(entries.length > 0 || kind === 'found' || kind === 'handoff' ? { entries } : {}),
    ...(next ? { next } : {}),
    ...(kind === 'found' ? { done: w.done } : {}),
    ...(responder ? { responder } : {}),
  };
}
