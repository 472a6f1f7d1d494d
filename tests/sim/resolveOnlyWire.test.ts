/**
 * The resolve-only flag in pieces: on the wire (read back by protobufjs reflection over
 * messages.proto, a second decoder), through the shared handle interner, and at the three places a
 * node admits a peer (routing-table entries, backpointers, leaf set), each held to a model in which
 * a flagged offer changes nothing — so a forged flag can never remove, replace or hide a full node.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { Guid, idSpace } from '../../routing/guid';
import { WIRE_VERSION, type Frame, type NodeHandle } from '../../routing/messages';
import { RoutingTable } from '../../routing/routingTable';
import { LeafSet } from '../../membership/leafSet';
import { decodeFrame, encodeFrame } from '../../wire/codec';
import { decodeMembership, encodeMembership } from '../../wire/membershipCodec';

const space = idSpace(160, 4);
const root = protobuf.loadSync(path.join(__dirname, '..', '..', 'messages.proto'));
const FrameType = root.lookupType('tapestry.Frame');

const handle = (guid: Guid, port: number, resolveOnly = false): NodeHandle => ({
  guid, address: { family: 4, ip: Uint8Array.of(10, 1, (port >> 8) & 0xff, port & 0xff), port }, ...(resolveOnly ? { resolveOnly: true as const } : {}),
});

const routeFrame = (sender: NodeHandle, source: NodeHandle): Frame => ({
  version: WIRE_VERSION, sender, messageId: 0,
  body: { kind: 'route', route: { source, dest: Guid.fromName('d'), fuzzy: true, ttl: 9, hops: 0, level: 0, moduleId: 0, payload: Uint8Array.of(1) } },
});

describe('on the wire', () => {
  test('the flag is NodeHandle field resolve_only, on the sender and a route source; absent from a full node\'s bytes', () => {
    const full = handle(Guid.fromName('full'), 4000);
    const ro = handle(Guid.fromName('ro'), 4001, true);
    const bytes = encodeFrame(routeFrame(ro, ro));
    const reflected = FrameType.toObject(FrameType.decode(bytes)) as { sender: Record<string, unknown>; route: { source: Record<string, unknown> } };
    expect([reflected.sender.resolveOnly, reflected.route.source.resolveOnly]).toEqual([true, true]);
    const plain = FrameType.toObject(FrameType.decode(encodeFrame(routeFrame(full, full)))) as { sender: Record<string, unknown>; route: { source: Record<string, unknown> } };
    expect(['resolveOnly' in plain.sender, 'resolveOnly' in plain.route.source]).toEqual([false, false]);
    // Two bytes (tag and value) per flagged handle, nothing for a full node's.
    expect(encodeFrame(routeFrame(ro, ro)).length - encodeFrame(routeFrame({ ...ro, resolveOnly: undefined }, { ...ro, resolveOnly: undefined })).length).toBe(4);
    const back = decodeFrame(bytes, { idBytes: 20 });
    expect(back.sender.resolveOnly).toBe(true);
    expect(back.body.kind === 'route' && back.body.route.source.resolveOnly).toBe(true);
  });

  test('the shared handle of the same fields never lends or loses the flag', () => {
    const guid = Guid.fromName('shared');
    const plain = handle(guid, 4100);
    const flagged = handle(guid, 4100, true);
    const first = decodeFrame(encodeFrame(routeFrame(plain, plain)), { idBytes: 20 });
    const second = decodeFrame(encodeFrame(routeFrame(flagged, plain)), { idBytes: 20 });
    const third = decodeFrame(encodeFrame(routeFrame(plain, flagged)), { idBytes: 20 });
    expect(second.sender.resolveOnly).toBe(true);
    expect(second.body.kind === 'route' && second.body.route.source.resolveOnly).toBeUndefined();
    expect(third.sender.resolveOnly).toBeUndefined();
    expect(third.body.kind === 'route' && third.body.route.source.resolveOnly).toBe(true);
    // The unflagged one is still shared.
    expect(third.sender).toBe(first.sender);
  });

  test('membership lists carry it too (a leave notice naming a resolve-only replacement)', () => {
    const leaving = handle(Guid.fromName('leaving'), 4200);
    const replacement = handle(Guid.fromName('replacement'), 4201, true);
    const back = decodeMembership(encodeMembership({ kind: 'leave', leave: { leaving, replacement } }), { idBytes: 20 });
    expect(back.kind === 'leave' && [back.leave.leaving.resolveOnly, back.leave.replacement?.resolveOnly]).toEqual([undefined, true]);
  });
});

describe('admission refuses a flagged handle and changes nothing', () => {
  const guids = Array.from({ length: 40 }, (_, i) => Guid.fromName(`peer-${i}`));
  const self = handle(Guid.fromName('self'), 1);
  /** Operations: offer peer i (flagged or not) with a latency, or as a backpointer, or to the leaf set. */
  const op = fc.record({ i: fc.nat(guids.length - 1), flagged: fc.boolean(), latency: fc.integer({ min: 0, max: 500 }), kind: fc.constantFrom('entry', 'back', 'leaf') });

  test('a table, backpointers and a leaf set fed flagged and plain offers equal those fed only the plain ones; flagged ones are counted', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const t = new RoutingTable(self, space);
        const model = new RoutingTable(self, space);
        const leaf = new LeafSet(self.guid, 8);
        const leafModel = new LeafSet(self.guid, 8);
        let flaggedOffers = 0;
        let flaggedLeaf = 0;
        for (const o of ops) {
          const h = handle(guids[o.i], 2000 + o.i, o.flagged);
          if (o.kind === 'entry') {
            expect(t.add(h, o.latency)).toBe(o.flagged ? false : model.add(h, o.latency));
          } else if (o.kind === 'back') {
            expect(t.addBackpointer(h)).toBe(o.flagged ? false : model.addBackpointer(h));
          } else {
            const change = leaf.add(h);
            if (o.flagged) expect(change).toBeUndefined();
            else leafModel.add(h);
          }
          if (o.flagged && o.kind !== 'leaf') flaggedOffers++;
          if (o.flagged && o.kind === 'leaf') flaggedLeaf++;
        }
        const entries = (x: RoutingTable) => [...x.neighbours()].map((h) => `${h.guid.hex}:${x.get(h.guid)!.latency}:${h.resolveOnly ?? ''}`);
        expect(entries(t)).toEqual(entries(model));
        expect(t.backpointers().map((h) => `${h.guid.hex}:${h.resolveOnly ?? ''}`)).toEqual(model.backpointers().map((h) => `${h.guid.hex}:`));
        expect(leaf.members().map((h) => `${h.guid.hex}:${h.resolveOnly ?? ''}`)).toEqual(leafModel.members().map((h) => `${h.guid.hex}:`));
        expect([t.stats.resolveOnlyRefused, leaf.resolveOnlyRefused]).toEqual([flaggedOffers, flaggedLeaf]);
      }),
      { numRuns: 200 },
    );
  });
});
