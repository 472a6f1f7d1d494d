import { Guid } from '../../routing/guid';

/**
 * A comparable picture of a decoded message, as the membership codec tests draw it: a Guid becomes
 * its hex and width, a byte array its numbers (so a Buffer and a Uint8Array with the same bytes
 * differ, and a class change is caught), and every key is kept, so `toStrictEqual` also says an
 * optional field left out stayed left out and tells -0 from 0.
 */
export function shape(x: unknown): unknown {
  if (x instanceof Guid) return { guid: x.hex, bits: x.bits };
  if (x instanceof Uint8Array) return { [x.constructor.name]: Array.from(x) };
  if (Array.isArray(x)) return x.map(shape);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]));
  return x;
}

/**
 * The two messages have the same shape. A cheap check first (jest's deep equality is slow on a
 * message of hundreds of handles, and property tests compare thousands), then jest's own on a
 * mismatch, for its diff: it fails the test.
 */
export function expectSameShape(actual: unknown, expected: unknown): void {
  if (canonical(actual) === canonical(expected)) return;
  expect(shape(actual)).toStrictEqual(shape(expected));
}

/** JSON of the shape with sorted keys, and what JSON would blur kept apart: -0, NaN, undefined. */
function canonical(x: unknown): string {
  return JSON.stringify(shape(x), (_k, v: unknown) => {
    if (typeof v === 'string') return `'${v}`; // so no string can pass for one of the markers below
    if (v === undefined) return '<undefined>';
    if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v))) return `<${Object.is(v, -0) ? '-0' : String(v)}>`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
    return v;
  });
}

/** Every byte array a decoded message holds, to check none shares the input's memory. */
export function bytesHeld(x: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (x instanceof Guid) out.push(x.bytes);
  else if (x instanceof Uint8Array) out.push(x);
  else if (Array.isArray(x)) for (const v of x) bytesHeld(v, out);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) bytesHeld(v, out);
  return out;
}
