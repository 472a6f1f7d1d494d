/**
 * Multicasts larger than one datagram, on a simulated mesh in both join modes: a 5,000-byte payload
 * and one of exactly the module's bound (DEFAULTS.bayeuxMaxPayloadBytes) reach every member exactly
 * once, byte for byte as sent (the oracle: the bytes the test drew); one byte more is refused with
 * MessageTooLargeError before anything is sent, also when a string's UTF-8 form is what crosses it.
 */
import { createTestnet, type Testnet } from '../../testing/testnet';
import { bayeux, type Bayeux, type JoinMode } from '../../upcalls/bayeux';
import { DEFAULTS } from '../../defaults';
import { MessageTooLargeError } from '../../errors';
import { SeededRng } from '../../sim/random';
import { virtualTime } from '../helpers/virtualTime';

const N = 150;
const MEMBERS = 20;

function bytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

describe.each<JoinMode>(['bayeux', 'scribe'])('%s join mode: payloads larger than a datagram', (mode) => {
  let net: Testnet;
  let mc: Bayeux[];
  const time = virtualTime(() => net);
  const rng = new SeededRng(mode === 'bayeux' ? 51 : 52);
  let creator: number;
  let members: number[];
  /** member → the payloads it received, in order. */
  const got = new Map<number, Uint8Array[]>();
  const delivered = () => mc.reduce((sum, m) => sum + m.stats().delivered, 0);

  beforeAll(async () => {
    net = await createTestnet({ nodes: N, seed: mode === 'bayeux' ? 53 : 54 });
    mc = net.nodes.map((n) => n.register(bayeux({ joinMode: mode })));
    await time.advance(2_000);
    creator = rng.int(N);
    await time.settle(mc[creator].createSession('big'));
    const set = new Set<number>();
    while (set.size < MEMBERS) {
      const i = rng.int(N);
      if (i !== creator) set.add(i);
    }
    members = [...set];
    for (const m of members) got.set(m, []);
    // Copies: a payload handed over must stay as it was even if the module's buffer were reused.
    const results = await time.settle(Promise.allSettled(members.map((m) => mc[m].join('big', { onMessage: (p) => got.get(m)!.push(p.slice()) }))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  }, 120_000);
  afterAll(() => net.close());

  /** Multicasts `payload` from `from`: every member gets it once, identical, and no other node delivers it. */
  async function sendAndCheck(from: number, payload: Uint8Array): Promise<void> {
    for (const m of members) got.set(m, []);
    const before = delivered();
    mc[from].multicast('big', payload);
    await time.advance(5_000);
    for (const m of members) {
      const copies = got.get(m)!;
      expect([m, copies.length]).toEqual([m, 1]);
      expect(Buffer.from(copies[0]).equals(Buffer.from(payload))).toBe(true);
    }
    expect(delivered() - before).toBe(members.length);
  }

  test('5,000 bytes (several datagrams) reach every member once, byte-identical', async () => {
    expect(5_000).toBeGreaterThan(DEFAULTS.mtu);
    expect(5_000).toBeLessThanOrEqual(DEFAULTS.bayeuxMaxPayloadBytes);
    await sendAndCheck(creator, bytes(rng, 5_000));
    await sendAndCheck(members[0], bytes(rng, 5_000));
  }, 120_000);

  test('a payload of exactly the bound reaches every member once, byte-identical', async () => {
    await sendAndCheck(members[1], bytes(rng, DEFAULTS.bayeuxMaxPayloadBytes));
  }, 120_000);

  test('one byte over the bound is refused with MessageTooLargeError and sends nothing', async () => {
    const from = members[2];
    const statsBefore = mc.map((m) => m.stats());
    const over = bytes(rng, DEFAULTS.bayeuxMaxPayloadBytes + 1);
    expect(() => mc[from].multicast('big', over)).toThrow(MessageTooLargeError);
    // A string is bounded by its UTF-8 bytes: fewer characters than the bound, more bytes.
    const text = 'é'.repeat(DEFAULTS.bayeuxMaxPayloadBytes / 2 + 1);
    expect(text.length).toBeLessThan(DEFAULTS.bayeuxMaxPayloadBytes);
    expect(() => mc[from].multicast('big', text)).toThrow(MessageTooLargeError);
    await time.advance(5_000);
    // Nothing started, sent or delivered anywhere.
    mc.forEach((m, i) => {
      const s = m.stats();
      expect([i, s.multicasts, s.dataSent, s.delivered]).toEqual([i, statsBefore[i].multicasts, statsBefore[i].dataSent, statsBefore[i].delivered]);
    });
    // The node still multicasts after the refusals.
    await sendAndCheck(from, bytes(rng, 1_500));
  }, 120_000);
});
