/**
 * The handle interner: decoding the same peer twice gives one shared handle whose fields equal what a
 * fresh decode builds (checked against a second decode path, the builder itself); different peers
 * never share; a full interner stops sharing without changing any result; width checks still apply.
 */
import { HandleInterner, hashOf } from '../../routing/handleInterner';
import type { NodeHandle } from '../../routing/handle';
import { Guid } from '../../routing/guid';
import { SeededRng } from '../../sim/random';
import { decodeFrame, encodeFrame, FrameDecodeError } from '../../wire/codec';
import { WIRE_VERSION } from '../../routing/messages';

const rng = new SeededRng(77);

function randomHandle(bits: 160 | 256 = 160): NodeHandle {
  const v6 = rng.int(2) === 1;
  const ip = new Uint8Array(v6 ? 16 : 4).map(() => rng.int(256));
  return { guid: Guid.random(() => rng.int(256), bits), address: { family: v6 ? 6 : 4, ip, port: 1 + rng.int(65_535) } };
}

function pingFrom(sender: NodeHandle): Uint8Array {
  return encodeFrame({ version: WIRE_VERSION, sender, messageId: 0, body: { kind: 'ping', ping: { nonce: 1 } } });
}

function same(a: NodeHandle, b: NodeHandle): boolean {
  return a.guid.equals(b.guid) && a.address.family === b.address.family && a.address.port === b.address.port
    && Buffer.compare(Buffer.from(a.address.ip), Buffer.from(b.address.ip)) === 0;
}

test('decoding one peer twice yields one shared handle equal to the original', () => {
  for (let i = 0; i < 500; i++) {
    const h = randomHandle();
    const a = decodeFrame(pingFrom(h)).sender;
    const b = decodeFrame(pingFrom(h)).sender;
    expect(b).toBe(a);
    expect(same(a, h)).toBe(true);
  }
});

test('peers that differ in any field never share a handle', () => {
  const base = randomHandle();
  const variants: NodeHandle[] = [
    { ...base, address: { ...base.address, port: (base.address.port % 65_535) + 1 } },
    { ...base, address: { ...base.address, ip: base.address.ip.map((x, i) => (i === 0 ? x ^ 1 : x)) } },
    { ...base, guid: Guid.fromBytes(base.guid.bytes.map((x, i) => (i === 19 ? x ^ 0x80 : x))) },
  ];
  const decoded = [base, ...variants].map((h) => decodeFrame(pingFrom(h)).sender);
  for (let i = 0; i < decoded.length; i++) {
    expect(same(decoded[i], [base, ...variants][i])).toBe(true);
    for (let j = i + 1; j < decoded.length; j++) expect(decoded[i]).not.toBe(decoded[j]);
  }
});

test('a shared handle of one width never passes for another', () => {
  const wide = randomHandle(256);
  expect(decodeFrame(pingFrom(wide)).sender.guid.bits).toBe(256);
  expect(() => decodeFrame(pingFrom(wide), { idBytes: 20 })).toThrow(FrameDecodeError);
});

test('a full interner builds fresh handles and counts them', () => {
  const interner = new HandleInterner(3);
  const handles = Array.from({ length: 6 }, () => randomHandle());
  const build = (h: NodeHandle) => () => ({ guid: Guid.fromBytes(h.guid.bytes), address: { ...h.address, ip: new Uint8Array(h.address.ip) } });
  const intern = (h: NodeHandle) => interner.intern(h.guid.bytes, h.address.family, h.address.ip, h.address.port, build(h));
  const first = handles.map(intern);
  const second = handles.map(intern);
  for (let i = 0; i < handles.length; i++) expect(same(second[i], handles[i])).toBe(true);
  // The first three were kept (shared); the rest were built again each time.
  expect(second.slice(0, 3).every((h, i) => h === first[i])).toBe(true);
  expect(second.slice(3).some((h, i) => h === first[i + 3])).toBe(false);
  expect(interner.size).toBe(3);
  expect(interner.stats).toEqual({ hits: 3, misses: 9, full: 6, collisions: 0 });
});

test('peers whose hashes collide each get their own handle: sharing is lost, never correctness', () => {
  const interner = new HandleInterner(1_000_000);
  const build = (h: NodeHandle) => () => ({ guid: Guid.fromBytes(h.guid.bytes), address: { ...h.address, ip: new Uint8Array(h.address.ip) } });
  // A birthday search finds two peers with one 30-bit hash within some 10^5 random handles.
  const byHash = new Map<number, NodeHandle>();
  let pair: [NodeHandle, NodeHandle] | undefined;
  while (!pair) {
    const h = randomHandle();
    const key = hashOf(h.guid.bytes, h.address.ip, h.address.port);
    const other = byHash.get(key);
    if (other) pair = [other, h];
    else byHash.set(key, h);
  }
  const [a, b] = pair;
  const ha = interner.intern(a.guid.bytes, a.address.family, a.address.ip, a.address.port, build(a));
  const hb = interner.intern(b.guid.bytes, b.address.family, b.address.ip, b.address.port, build(b));
  expect(same(ha, a)).toBe(true);
  expect(same(hb, b)).toBe(true);
  expect(hb).not.toBe(ha);
  expect(interner.stats.collisions).toBe(1);
  // The first stays shared.
  expect(interner.intern(a.guid.bytes, a.address.family, a.address.ip, a.address.port, build(a))).toBe(ha);
});
