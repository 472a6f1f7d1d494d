/**
 * A pong carries the answerer's admission hint only when the ping asks for it: a joining node's
 * measurement asks, a liveness check does not (its pong stays the bare nonce, and the answerer looks
 * up no table slot). The hint a pinger reads back is checked against the answering table's own
 * `admitBelow`, over tables with room, full slots and the pinger already listed.
 */
import bunyan from 'bunyan';
import { RouterRuntime, type PingOptions, type PingReply } from '../../actors/routerRuntime';
import { DEFAULT_SPACE, Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { RoutingTable } from '../../routing/routingTable';
import { SeededRng } from '../../sim/random';
import type { Address, Transport } from '../../transport/types';
import { decodeFrame } from '../../wire/codec';

const log = bunyan.createLogger({ name: 'test', level: 'fatal' });
const addr = (last: number, port: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port });
/** A random GUID of the default width whose first byte is `lead` (so its first digit is lead >> 4). */
const guidWithLead = (rng: SeededRng, lead: number): Guid =>
  Guid.fromBytes(Uint8Array.from({ length: DEFAULT_SPACE.bytes }, (_, i) => (i === 0 ? lead : rng.int(256))));

interface Peer {
  readonly router: RouterRuntime;
  readonly table: RoutingTable;
  readonly self: NodeHandle;
  readonly sent: Uint8Array[];
}

function peer(self: NodeHandle): Peer {
  const sent: Uint8Array[] = [];
  const transport = { local: self.address, mtu: 1400, send: (_to: Address, bytes: Uint8Array) => void sent.push(bytes), onReceive: () => {}, close: async () => {} } as unknown as Transport;
  const table = new RoutingTable(self, DEFAULT_SPACE);
  const router = new RouterRuntime({ self, table, space: DEFAULT_SPACE, transport, now: () => 0, log, clock: { now: () => 0, setTimeout: () => undefined, clearTimeout: () => {} } });
  return { router, table, self, sent };
}

/** One ping from `a` to `b` and its pong back; what `a` was told, and the pong's frame as sent. */
function pingOnce(a: Peer, b: Peer, opts: PingOptions): { reply: PingReply | undefined; pong: Uint8Array } {
  let reply: PingReply | undefined;
  a.router.ping(b.self.address, 1_000, (r) => (reply = r), opts);
  b.router.receive(a.sent.pop()!, a.self.address);
  const pong = b.sent.pop()!;
  a.router.receive(pong, b.self.address);
  return { reply, pong };
}

test('the hint travels only when asked, and says what the answering table would do', () => {
  const rng = new SeededRng(7);
  let compared = 0;
  for (let round = 0; round < 200; round++) {
    const a = peer({ guid: guidWithLead(rng, 0x10 + rng.int(16)), address: addr(1, 1000) });
    const b = peer({ guid: guidWithLead(rng, 0xa0 + rng.int(16)), address: addr(2, 2000) });
    // b's slot for a's first digit: empty, partly or exactly full, of random latencies; sometimes a is in it.
    const fill = rng.int(b.table.slotSize + 2);
    for (let i = 0; i < fill; i++) {
      const other: NodeHandle = { guid: guidWithLead(rng, (a.self.guid.bytes[0] & 0xf0) | rng.int(16)), address: addr(3 + i, 3000 + i) };
      b.table.add(other, 1 + rng.int(200_000) / 1000);
    }
    if (rng.int(4) === 0) b.table.add(a.self, 1 + rng.int(200_000) / 1000);

    pingOnce(a, b, {}); // nonce 0, which the wire leaves off: the two compared below both carry theirs
    const quiet = pingOnce(a, b, {});
    const asked = pingOnce(a, b, { admission: true });
    const quietPong = decodeFrame(quiet.pong).body;
    const askedPong = decodeFrame(asked.pong).body;
    if (quietPong.kind !== 'pong' || askedPong.kind !== 'pong') throw new Error('expected pongs');

    // Not asked: nothing on the wire, nothing read back.
    expect(quietPong.pong.admitBelowUs).toBeUndefined();
    expect(quiet.reply?.admitBelowMs).toBeUndefined();

    // Asked: the answering table's own verdict, to the microsecond the wire carries.
    const oracle = b.table.admitBelow(a.self.guid);
    const read = asked.reply!.admitBelowMs!;
    if (oracle === Number.POSITIVE_INFINITY) {
      expect(read).toBe(Number.POSITIVE_INFINITY);
      expect(asked.pong.length).toBe(quiet.pong.length);
    } else {
      expect(read).toBeGreaterThanOrEqual(oracle);
      expect(read - oracle).toBeLessThan(0.001);
      expect(asked.pong.length).toBeGreaterThan(quiet.pong.length);
      compared++;
    }
  }
  // The loop must have met full slots, not only slots with room.
  expect(compared).toBeGreaterThan(30);
});
