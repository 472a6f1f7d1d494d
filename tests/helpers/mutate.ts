/**
 * Seeded mutations of valid encoded messages, and random byte strings: the hostile inputs the fuzz
 * tests and bench/fuzz.ts feed the decoders. Byte-level edits (bit flips, truncation, extension,
 * insertion, deletion, splicing two messages) mostly die in the protobuf layer; the field-aware ones
 * (length lies, extreme values, duplicated, dropped, grown and unknown fields) parse the message, edit one
 * field at any depth and recompute every enclosing length, so the bytes get past the parser to the
 * field checks behind it, where the interesting rules live.
 *
 * No jest import: the bench uses these too.
 */
import type { SeededRng } from '../../sim/random';

export const MUTATIONS = [
  'bitFlip',
  'truncate',
  'extend',
  'insertByte',
  'deleteByte',
  'overwrite',
  'lengthLie',
  'extremeValue',
  'duplicateField',
  'dropField',
  'growField',
  'unknownField',
  'splice',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Random bytes, mostly short (where the protobuf parser's branches are) but sometimes a few KB. */
export function randomBytes(rng: SeededRng): Uint8Array {
  const n = rng.int(10) === 0 ? rng.int(4_000) : rng.int(300);
  const out = new Uint8Array(n);
  // Four bytes per draw: the generator, not the decoder, was most of the cost of a random case.
  for (let i = 0; i < n; i += 4) {
    const word = Math.floor(rng.next() * 0x1_0000_0000);
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (word >>> (8 * k)) & 0xff;
  }
  return out;
}

/** One mutation of `valid` (never changed in place); `other` is a second valid message to splice from. */
export function mutate(rng: SeededRng, valid: Uint8Array, other: Uint8Array, kind: Mutation): Uint8Array {
  const n = valid.length;
  switch (kind) {
    case 'bitFlip': {
      const out = Uint8Array.from(valid);
      const flips = 1 + rng.int(3);
      for (let i = 0; i < flips && n > 0; i++) out[rng.int(n)] ^= 1 << rng.int(8);
      return out;
    }
    case 'truncate':
      return valid.slice(0, rng.int(n));
    case 'extend': {
      const extra = new Uint8Array(1 + rng.int(64));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
      return concat(valid, extra);
    }
    case 'insertByte': {
      const at = rng.int(n + 1);
      return concat(valid.subarray(0, at), Uint8Array.of(rng.int(256)), valid.subarray(at));
    }
    case 'deleteByte': {
      const at = rng.int(Math.max(n, 1));
      return concat(valid.subarray(0, at), valid.subarray(at + 1));
    }
    case 'overwrite': {
      const out = Uint8Array.from(valid);
      const edits = 1 + rng.int(4);
      for (let i = 0; i < edits && n > 0; i++) out[rng.int(n)] = rng.int(256);
      return out;
    }
    case 'lengthLie':
    case 'extremeValue':
    case 'duplicateField':
    case 'dropField':
    case 'growField':
    case 'unknownField':
      return fieldEdit(rng, valid, kind);
    case 'splice': {
      const a = rng.int(n + 1);
      const b = rng.int(other.length + 1);
      return concat(valid.subarray(0, a), other.subarray(b));
    }
  }
}

/**
 * One protobuf field as parsed for editing. A length-delimited value that parses as whole fields is
 * taken as a sub-message (`children`); a blob that happens to parse is harmless to treat so, since it
 * is written back byte for byte unless edited.
 */
interface Field {
  /** The whole field as it was on the wire: written back as is unless `dirty`. */
  readonly raw: Uint8Array;
  /** The tag varint as it was on the wire. */
  readonly tag: Uint8Array;
  readonly wireType: number;
  /** The value: for wire type 2 its content without the length prefix. */
  value: Uint8Array;
  children?: Field[];
  readonly parent?: Field;
  /** This field or one inside it was edited: it is rebuilt, lengths recomputed. */
  dirty?: boolean;
  /** Set by an edit: the length written for this field instead of the true one. */
  lie?: number[];
}

function parse(bytes: Uint8Array, parent?: Field, depth = 0): Field[] | undefined {
  const fields: Field[] = [];
  let p = 0;
  while (p < bytes.length) {
    const tag = readVarint(bytes, p, bytes.length);
    if (!tag || tag.value < 8) return undefined;
    const wireType = tag.value & 7;
    let start = tag.next;
    let end: number;
    if (wireType === 0) {
      const v = readVarint(bytes, start, bytes.length);
      if (!v) return undefined;
      end = v.next;
    } else if (wireType === 1) end = start + 8;
    else if (wireType === 5) end = start + 4;
    else if (wireType === 2) {
      const len = readVarint(bytes, start, bytes.length);
      if (!len) return undefined;
      start = len.next;
      end = start + len.value;
    } else return undefined;
    if (end > bytes.length) return undefined;
    const field: Field = { raw: bytes.subarray(p, end), tag: bytes.subarray(p, tag.next), wireType, value: bytes.subarray(start, end), parent };
    if (wireType === 2 && depth < 6 && field.value.length > 0) field.children = parse(field.value, field, depth + 1);
    fields.push(field);
    p = end;
  }
  return fields;
}

/** Marks a field and every field around it for rebuilding. */
function touch(f: Field | undefined): void {
  for (; f; f = f.parent) f.dirty = true;
}

/**
 * Collects the bytes of `fields` into `parts` and returns their length. Untouched fields go out as
 * they came in; an edited one is rebuilt with every enclosing length recomputed, so an edit deep
 * inside keeps the framing around it.
 */
function emit(fields: readonly Field[], parts: Uint8Array[]): number {
  let n = 0;
  for (const f of fields) {
    if (!f.dirty) {
      parts.push(f.raw);
      n += f.raw.length;
      continue;
    }
    parts.push(f.tag);
    n += f.tag.length;
    if (f.wireType !== 2) {
      parts.push(f.value);
      n += f.value.length;
      continue;
    }
    const inner: Uint8Array[] = [];
    const len = f.children ? emit(f.children, inner) : (inner.push(f.value), f.value.length);
    const prefix = Uint8Array.from(f.lie ?? varint(len));
    parts.push(prefix);
    for (const part of inner) parts.push(part);
    n += prefix.length + len;
  }
  return n;
}

/** Every field list in the tree with the field that holds it (none for the top level), for picking where to edit. */
function lists(fields: Field[], owner?: Field, out: { owner?: Field; fields: Field[] }[] = []) {
  out.push({ owner, fields });
  for (const f of fields) if (f.children) lists(f.children, f, out);
  return out;
}

function fieldEdit(rng: SeededRng, valid: Uint8Array, kind: 'lengthLie' | 'extremeValue' | 'duplicateField' | 'dropField' | 'growField' | 'unknownField'): Uint8Array {
  const root = parse(valid);
  if (!root) return Uint8Array.from(valid);
  const all = lists(root);
  const { owner, fields: where } = all[rng.int(all.length)];
  const fields = all.flatMap((l) => l.fields);
  switch (kind) {
    case 'lengthLie': {
      // The lie is local: enclosing lengths are recomputed around it, so the parser reaches it.
      const delimited = fields.filter((f) => f.wireType === 2);
      if (delimited.length === 0) break;
      const f = delimited[rng.int(delimited.length)];
      const len = f.value.length; // nothing is edited yet, so the content is as it came
      const lies = [len + 1, len - 1, len + 1 + rng.int(100), 0, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 35, rng.int(2 ** 20)];
      // Sometimes the true length in an overlong (non-minimal) form: legal, and must decode.
      f.lie = rng.int(8) === 0 ? overlong(len) : varint(Math.max(0, lies[rng.int(lies.length)]));
      touch(f);
      break;
    }
    case 'extremeValue': {
      const scalars = fields.filter((f) => f.wireType === 0 || f.wireType === 1);
      if (scalars.length === 0) break;
      const f = scalars[rng.int(scalars.length)];
      if (f.wireType === 1) {
        const doubles = [NaN, Infinity, -Infinity, -1, -0, -Number.MIN_VALUE, Number.MAX_VALUE, 0];
        f.value = new Uint8Array(Float64Array.of(doubles[rng.int(doubles.length)]).buffer);
      } else {
        const edges = [[0], [1], [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], varint(rng.int(2 ** 31))];
        f.value = Uint8Array.from(edges[rng.int(edges.length)]);
      }
      touch(f);
      break;
    }
    case 'duplicateField': {
      // A oneof member or sub-message written again replaces or merges into the first; a list entry
      // repeated hundreds of times runs into the list's bound (32, 64, 256 or 1,024 entries).
      if (where.length === 0) break;
      // (Rarely: a long list costs a thousand times a short one to decode.)
      const copies = rng.int(10) === 0 ? [40, 300, 1_100][rng.int(3)] : 1;
      const f = where[rng.int(where.length)];
      where.splice(rng.int(where.length + 1), 0, ...Array.from({ length: copies }, () => f));
      touch(owner);
      break;
    }
    case 'growField': {
      // Bytes fields past their limits: a GUID or ip of the wrong width, a tag over 256 bytes, an
      // inline payload over 800.
      const blobs = fields.filter((f) => f.wireType === 2);
      if (blobs.length === 0) break;
      const f = blobs[rng.int(blobs.length)];
      const extra = new Uint8Array([1, 12, 300, 1_000][rng.int(4)]);
      for (let i = 0; i < extra.length; i++) extra[i] = 0x20 + rng.int(0x5f); // ASCII, so a grown tag stays UTF-8
      f.value = concat(f.value, extra);
      f.children = undefined;
      touch(f);
      break;
    }
    case 'dropField':
      // A required handle, a body, a GUID left out.
      if (where.length > 0) where.splice(rng.int(where.length), 1);
      touch(owner);
      break;
    case 'unknownField': {
      // Unknown fields must be skipped, whatever their wire type: a varint, a blob, a group, a fixed64.
      const number = 50 + rng.int(2_000);
      const fixed = (tag: number[], wireType: number, value: number[]): Field => {
        const raw = Uint8Array.from([...tag, ...(wireType === 2 ? varint(value.length) : []), ...value]);
        return { raw, tag: raw.subarray(0, tag.length), wireType, value: raw.subarray(raw.length - value.length) };
      };
      const unknown = [
        fixed(varint(number * 8), 0, varint(rng.int(2 ** 31))),
        fixed(varint(number * 8 + 2), 2, [1, 2, 3]),
        fixed(varint(number * 8 + 3), 3, varint(number * 8 + 4)),
        fixed(varint(number * 8 + 1), 1, [0, 0, 0, 0, 0, 0, 0xf8, 0x7f]),
      ];
      where.splice(rng.int(where.length + 1), 0, unknown[rng.int(unknown.length)]);
      touch(owner);
      break;
    }
  }
  const parts: Uint8Array[] = [];
  emit(root, parts);
  return concat(...parts);
}

function readVarint(bytes: Uint8Array, at: number, to: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let p = at; p < to && p < at + 10; p++) {
    value += (bytes[p] & 0x7f) * scale;
    scale *= 128;
    if ((bytes[p] & 0x80) === 0) return { value, next: p + 1 };
  }
  return undefined;
}

export function varint(v: number): number[] {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** `v` as a varint padded with continuation bytes: the same number, not in its shortest form. */
function overlong(v: number): number[] {
  const out = varint(v);
  out[out.length - 1] |= 0x80;
  out.push(0x80, 0x00);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
