/**
 * What each options type accepts, written out by hand from DEFAULTS and the API's documented limits:
 * the independent oracle the options tests hold the schemas (api/options/) to. For each key, values
 * just outside its range and of the wrong type (which must be refused), and values inside it.
 */
import { DEFAULTS } from '../../defaults';
import { MAX_MODULE_ID } from '../../upcalls/contract';

export type Kind =
  | { readonly int: readonly [number, number?] }
  | { readonly num: readonly [number, number?]; readonly exclusiveMin?: boolean }
  | { readonly oneOf: readonly unknown[] }
  | { readonly bool: true }
  | { readonly text: number }
  /** A library object or union: the bad values are listed. */
  | { readonly bad: readonly unknown[]; readonly good?: readonly unknown[] };

export type Spec = Readonly<Record<string, Kind>>;

const int = (min: number, max?: number): Kind => ({ int: [min, max] });
const notObjects = [5, true, 'x', null, [], () => 1] as const;

export const NODE: Spec = {
  transport: { bad: [5, 'udp', null, { port: -1 }, { port: 65_536 }, { family: 5 }, { host: 4 }, { send: () => {} }] },
  clock: { bad: [5, 'now', null, {}, { now: () => 0 }] },
  guid: { bad: [5, true, null, {}, new Uint8Array(20)] },
  identity: { bad: [5, true, null, {}, ''] },
  security: { bad: [5, 'sined', 'None', null, {}, { name: 'x' }] },
  random: { bad: [5, 'x', null, {}] },
  idBits: { oneOf: [160, 256] },
  digitBits: { oneOf: [1, 2, 4, 8] },
  table: { bad: [5, 'x', null, {}, []] },
  mtu: int(DEFAULTS.minMtu, DEFAULTS.maxDatagramBytes),
  log: { bad: [5, 'x', null, {}, console] },
  debug: { bool: true },
  salts: int(1, DEFAULTS.maxSalts),
  republishMs: int(0),
  pointerLifetimeMs: int(1, DEFAULTS.maxPointerLifetimeMs),
  locateAttemptTimeoutMs: int(1),
  locateFanout: int(1, DEFAULTS.maxSalts),
  bootstrap: { bad: [42, true, null, {}, { resolve: 'not a function' }, [7], ''] },
  joinRetryMs: int(1),
  // true needs `bootstrap` too (a combination the resolve-only tests check), so only false is good on its own.
  resolveOnly: { bad: ['true', 1, 0, null, {}], good: [false] },
  repairMs: int(0),
  heartbeatMs: int(0),
  hopAcks: { bool: true },
  peerRateLimit: { bad: [true, 5, 'x', null, { perSec: 0, burst: 1 }, { perSec: 1, burst: 0.5 }, { perSec: 1 }, { perSec: 1, burst: 1, extra: 1 }], good: [false, { perSec: 1, burst: 1 }] },
  extraPointers: { bad: [5, null, { backups: -1, neighbours: 0, hops: 0 }, { backups: 0, neighbours: 0.5, hops: 0 }, { backups: 0, neighbours: 0 }], good: [{ backups: 1, neighbours: 2, hops: 3 }] },
};

/** Nested keys: the path the message must name for a bad value inside the option. */
export const NODE_NESTED: ReadonlyArray<{ path: string; options: Record<string, unknown> }> = [
  { path: 'peerRateLimit.perSec', options: { peerRateLimit: { perSec: 0, burst: 1 } } },
  { path: 'peerRateLimit.burst', options: { peerRateLimit: { perSec: 1, burst: 0.999 } } },
  { path: 'extraPointers.hops', options: { extraPointers: { backups: 0, neighbours: 0, hops: -1 } } },
  { path: 'transport.port', options: { transport: { port: 65_536 } } },
];

export const TESTNET: Spec = {
  nodes: int(1, DEFAULTS.simMaxEndpoints),
  seed: { bad: ['1', null, 1.5, true] },
  latency: { bad: [5, 'x', null, {}] },
  lossRate: { num: [0, 1] },
  idBits: { oneOf: [160, 256] },
  digitBits: { oneOf: [1, 2, 4, 8] },
  mtu: int(DEFAULTS.minMtu, DEFAULTS.maxDatagramBytes),
  guids: { bad: [5, 'x', null, {}, ['00'], [5]] },
  security: { oneOf: ['none', 'signed'] },
  frozen: { bool: true },
  node: { bad: [5, 'x', null, { salts: 0 }, { mtu: 1200 }, { hopAcks: 1 }] },
};

export const ROUTE: Spec = {
  fuzzy: { bool: true },
  ttl: int(1, DEFAULTS.maxTtl),
  module: int(0, MAX_MODULE_ID),
};

export const PUBLISH: Spec = {
  tag: { text: DEFAULTS.maxTagBytes },
  owner: { bad: [5, true, 'x', null, {}, { object: 1 }] },
  name: { text: DEFAULTS.maxTagBytes },
};

export const LOCATE: Spec = {
  query: { text: DEFAULTS.maxTagBytes },
  replicas: int(1, DEFAULTS.maxReplicas),
  signal: { bad: [5, 'x', null, {}, { aborted: false }] },
};

export const SEND_TO_OBJECT: Spec = { ...LOCATE, module: int(0, MAX_MODULE_ID) };

export const MODULE: Spec = {
  id: int(0, MAX_MODULE_ID),
  name: { bad: ['', 5, null, {}, true] },
  attach: { bad: notObjects.filter((v) => typeof v !== 'function') },
  forward: { bad: notObjects.filter((v) => typeof v !== 'function') },
  deliver: { bad: notObjects.filter((v) => typeof v !== 'function') },
  update: { bad: notObjects.filter((v) => typeof v !== 'function') },
  leaving: { bad: notObjects.filter((v) => typeof v !== 'function') },
};

const wrongTypes = ['x', true, null, {}, [], NaN];

/** Values a key must refuse: just outside each bound, not an integer, of another type. */
export function badValues(kind: Kind): unknown[] {
  if ('int' in kind) {
    const [min, max] = kind.int;
    return [min - 1, ...(max !== undefined ? [max + 1] : [Infinity]), min + 0.5, ...wrongTypes];
  }
  if ('num' in kind) {
    const [min, max] = kind.num;
    return [kind.exclusiveMin ? min : min - 1e-9, ...(max !== undefined ? [max + 1e-9] : []), ...wrongTypes, Infinity];
  }
  if ('oneOf' in kind) {
    const numeric = typeof kind.oneOf[0] === 'number';
    return [...(numeric ? [0, 3, 128, 512, '160'] : ['NONE', 'x', 1]), true, null, {}];
  }
  if ('bool' in kind) return ['true', 1, 0, null, {}];
  if ('text' in kind) return ['a'.repeat(kind.text + 1), 'é'.repeat(kind.text / 2 + 1), 5, true, null, {}];
  return [...kind.bad];
}

/** Values a key accepts (undefined: a library object, tested elsewhere). */
export function goodValues(kind: Kind): unknown[] {
  if ('int' in kind) {
    const [min, max] = kind.int;
    return max !== undefined ? [min, max, Math.floor((min + max) / 2)] : [min, min + 1, 60_000];
  }
  if ('num' in kind) return [kind.num[0] + (kind.exclusiveMin ? 1e-9 : 0), kind.num[1] ?? kind.num[0] + 1];
  if ('oneOf' in kind) return [...kind.oneOf];
  if ('bool' in kind) return [true, false];
  if ('text' in kind) return ['', 'v2', 'a'.repeat(kind.text), 'é'.repeat(kind.text / 2)];
  return [...(kind.good ?? [])];
}

/** Levenshtein distance, written out (the oracle for the suggested key). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** One edit of `key`: a letter deleted, replaced, inserted, or two neighbours swapped. */
export function oneEdit(key: string, op: number, at: number, letter: string): string {
  const i = at % key.length;
  switch (op % 4) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1);
    case 1:
      return key.slice(0, i) + letter + key.slice(i + 1);
    case 2:
      return key.slice(0, i) + letter + key.slice(i);
    default:
      return i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : key + letter;
  }
}
