/**
 * Pings and challenges without a network: two Pings objects whose ports hand frames to each other.
 * A challenged pong proves the answerer's key only when it really holds it (checked against the
 * provider's own verifyAnswer, a second code path); nonces start where the provider's random source
 * says; unanswered pings are resent on their schedule and fail with named errors; the admission hint
 * keeps its bound through the µs encoding.
 */
import { DEFAULTS } from '../../defaults';
import { ClosedError, LimitExceededError, TimeoutError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import type { Body, Ping, Pong } from '../../routing/messages';
import { Pings, admitFromHint, admitHint, type PingReply, type PingStats } from '../../routing/pings';
import { Identity } from '../../security/identity';
import { SignedSecurityProvider } from '../../security/signedProvider';
import type { SecurityProvider } from '../../security/provider';
import { SeededRng } from '../../sim/random';

const addr = (last: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port: 4000 + last });
const seededRandom = (seed: number) => {
  const rng = new SeededRng(seed);
  return (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
};

interface Side {
  readonly pings: Pings;
  readonly handle: NodeHandle;
  readonly stats: PingStats;
  readonly out: Array<{ to: Address; body: Body }>;
  /** Armed and not cancelled, each with when it falls due on `clock`. */
  readonly timers: Array<{ ms: number; at: number; fire: () => void }>;
  readonly clock: { now: number };
}

function side(seed: number, opts: { security?: SecurityProvider; guid?: Guid; resend?: boolean; admitBelow?: number } = {}): Side {
  const guid = opts.guid ?? (opts.security as SignedSecurityProvider | undefined)?.identity.guid() ?? Guid.fromName(`node ${seed}`);
  const handle: NodeHandle = { guid, address: addr(seed) };
  const stats: PingStats = { pingsAnswered: 0, pingsRefused: 0, pingsChallenged: 0, pingsResent: 0, pongsMisdirected: 0 };
  const out: Side['out'] = [];
  const timers: Side['timers'] = [];
  const clock = { now: 0 };
  const after = (ms: number, fire: () => void) => {
    const t = { ms, at: clock.now + ms, fire };
    timers.push(t);
    return () => void (timers.includes(t) && timers.splice(timers.indexOf(t), 1));
  };
  const pings = new Pings({ send: (to, body) => out.push({ to, body }), after }, stats, {
    self: guid, address: handle.address, security: opts.security, resend: opts.resend ?? false, admitBelow: () => opts.admitBelow ?? Infinity,
  });
  return { pings, handle, stats, out, timers, clock };
}

const signed = (seed: number) => new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(seed)), { random: seededRandom(seed) });

/** a pings b; b answers (as `answerer`, which may claim b's GUID without its key); a settles. */
function exchange(a: Side, b: Side, answerer: Side = b, admission = false): PingReply | undefined {
  let reply: PingReply | undefined;
  a.pings.ping(b.handle.address, (r) => (reply = r), { admission }, 100, 2_000);
  const sent = a.out.pop()!;
  expect(sent.to).toBe(b.handle.address);
  if (sent.body.kind !== 'ping') throw new Error('expected a ping');
  answerer.pings.answer(sent.body.ping, a.handle, a.handle.address);
  const pong = answerer.out.pop()!;
  expect(pong.to).toBe(a.handle.address);
  if (pong.body.kind !== 'pong') throw new Error('expected a pong');
  a.pings.settle(pong.body.pong, b.handle, 130, sent.to);
  return reply;
}

test('a challenged pong proves the answerer only when it holds the key behind the GUID it claims', () => {
  const a = side(1, { security: signed(1) });
  const b = side(2, { security: signed(2) });
  expect(exchange(a, b)).toEqual({ rtt: 30, peer: b.handle, proven: true, challenged: true, admitBelowMs: undefined });
  // A third node answers in b's name: it signs with its own key, which does not hash to b's GUID.
  const impostor = side(3, { security: signed(3) });
  expect(exchange(a, b, impostor)).toEqual(expect.objectContaining({ proven: false, challenged: true }));
  expect(a.stats.pingsChallenged).toBe(2);
  expect(b.stats.pingsAnswered + impostor.stats.pingsAnswered).toBe(2);
});

test('the proof is the provider\'s: settle agrees with verifyAnswer on the challenge that went out', () => {
  const pa = signed(4);
  const a = side(4, { security: pa });
  const b = side(5, { security: signed(5) });
  let reply: PingReply | undefined;
  a.pings.ping(b.handle.address, (r) => (reply = r), {}, 0, 2_000);
  const ping = (a.out.pop()!.body as { ping: Ping }).ping;
  b.pings.answer(ping, a.handle, a.handle.address);
  const pong = (b.out.pop()!.body as { pong: Pong }).pong;
  // Flip one bit of the proof: both the provider and settle refuse it.
  const bad = Uint8Array.from(pong.proof!);
  bad[0] ^= 1;
  expect(pa.verifyAnswer(pong.credential!, ping.challenge!, a.handle.guid, pong.proof!, b.handle)).toBe(true);
  expect(pa.verifyAnswer(pong.credential!, ping.challenge!, a.handle.guid, bad, b.handle)).toBe(false);
  a.pings.settle({ ...pong, proof: bad }, b.handle, 5, b.handle.address);
  expect(reply).toEqual(expect.objectContaining({ proven: false, challenged: true }));
  // The pong was used up: the genuine one arriving later settles nothing.
  reply = undefined;
  a.pings.settle(pong, b.handle, 6, b.handle.address);
  expect(reply).toBeUndefined();
});

test('without an authenticating provider, or asked for none, a ping carries no challenge and its pong proves nothing', () => {
  const a = side(6);
  const b = side(7);
  expect(exchange(a, b)).toEqual({ rtt: 30, peer: b.handle, proven: true, challenged: false, admitBelowMs: undefined });
  const s = side(8, { security: signed(8) });
  s.pings.ping(addr(9), () => {}, { challenge: false }, 0, 2_000);
  expect((s.out[0].body as { ping: Ping }).ping.challenge).toBeUndefined();
  expect(s.stats.pingsChallenged).toBe(0);
});

test('nonces count up from 0 without authentication; with it each is the first 4 bytes of a fresh draw of the provider\'s random source', () => {
  const plain = side(10);
  for (let i = 0; i < 3; i++) expect(plain.pings.ping(addr(1), () => {}, {}, 0, 2_000)).toBe(i);
  // The oracle: the same seeded source, read in the order the pings draw from it (the nonce, then the challenge).
  const random = seededRandom(11);
  const u32 = (b: Uint8Array) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const auth = side(11, { security: signed(11) });
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const expected = u32(random(DEFAULTS.nonceBytes));
    random(DEFAULTS.nonceBytes); // the ping's challenge
    const nonce = auth.pings.ping(addr(1), () => {}, {}, 0, 2_000);
    expect(nonce).toBe(expected);
    seen.add(nonce);
  }
  // Not a counter: 50 draws, 50 different nonces, and no two in a row differ by one.
  expect(seen.size).toBe(50);
  const list = [...seen];
  expect(list.slice(1).filter((n, i) => n === ((list[i] + 1) >>> 0))).toEqual([]);
});

test('a drawn nonce equal to a pending ping\'s is drawn again; a source that repeats itself still gets distinct nonces', () => {
  const stuck = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(40)), { random: (n) => new Uint8Array(n).fill(9) });
  const s = side(40, { security: stuck });
  const nonces = Array.from({ length: 20 }, () => s.pings.ping(addr(1), () => {}, {}, 0, 2_000));
  expect(new Set(nonces).size).toBe(20);
  expect(s.pings.size).toBe(20);
});

test('a pong counts only from the address that was pinged: one from elsewhere leaves the ping pending', () => {
  for (const security of [undefined, signed(41)]) {
    const a = side(41, { security });
    const b = side(42, { security: security && signed(42) });
    const replies: Array<PingReply | undefined> = [];
    a.pings.ping(b.handle.address, (r) => replies.push(r), {}, 0, 2_000);
    const ping = (a.out.pop()!.body as { ping: Ping }).ping;
    b.pings.answer(ping, a.handle, a.handle.address);
    const pong = (b.out.pop()!.body as { pong: Pong }).pong;
    // The same bytes from another address (an attacker who overheard or guessed the nonce): ignored.
    a.pings.settle(pong, b.handle, 5, addr(66));
    expect(replies).toEqual([]);
    expect(a.pings.size).toBe(1);
    expect(a.stats.pongsMisdirected).toBe(1);
    a.pings.settle(pong, b.handle, 7, b.handle.address);
    expect(replies).toEqual([expect.objectContaining({ rtt: 7, proven: true })]);
    expect(a.pings.size).toBe(0);
  }
});

test('a proof relayed from the key holder does not prove its GUID at the relay\'s address', () => {
  const a = side(43, { security: signed(43) });
  const victim = side(44, { security: signed(44) });
  const relay: NodeHandle = { guid: victim.handle.guid, address: addr(45) };
  const replies: Array<PingReply | undefined> = [];
  // a pings the relay's address, believing the victim's GUID is there.
  a.pings.ping(relay.address, (r) => replies.push(r), {}, 0, 2_000);
  const ping = (a.out.pop()!.body as { ping: Ping }).ping;
  // The relay hands the challenge to the victim as if it were a's (same pinger GUID); the victim answers.
  victim.pings.answer(ping, a.handle, relay.address);
  const pong = (victim.out.pop()!.body as { pong: Pong }).pong;
  // The relay sends the victim's pong on from its own address, in the victim's name.
  a.pings.settle(pong, relay, 9, relay.address);
  expect(replies).toEqual([expect.objectContaining({ proven: false, challenged: true })]);
  // The same answer checked at the victim's own address verifies: it is the address that failed, not the key.
  expect(signed(43).verifyAnswer(pong.credential!, ping.challenge!, a.handle.guid, pong.proof!, victim.handle)).toBe(true);
  expect(signed(43).verifyAnswer(pong.credential!, ping.challenge!, a.handle.guid, pong.proof!, relay)).toBe(false);
});

test('an unanswered ping is resent on its schedule with the same nonce, and stops once answered', () => {
  const a = side(12, { resend: true });
  const b = side(13);
  a.pings.ping(b.handle.address, () => {}, {}, 0, 2_000);
  a.pings.ping(b.handle.address, () => {}, {}, 0, 2_000);
  expect(a.timers.map((t) => t.ms)).toEqual([DEFAULTS.pingResendMs, 2_000, DEFAULTS.pingResendMs, 2_000]);
  // The first is answered before its resend is due (its resend and timeout are cancelled); the second never is.
  b.pings.answer((a.out[0].body as { ping: Ping }).ping, a.handle, a.handle.address);
  a.pings.settle((b.out[0].body as { pong: Pong }).pong, b.handle, 10, b.handle.address);
  expect(a.timers).toHaveLength(2);
  let fired = 0;
  while (a.timers.length > 0) {
    // In time order, as a clock fires them.
    const next = a.timers.reduce((x, y) => (y.at < x.at ? y : x));
    a.timers.splice(a.timers.indexOf(next), 1);
    a.clock.now = next.at;
    next.fire();
    fired++;
  }
  const nonces = a.out.map((o) => (o.body as { ping: Ping }).ping.nonce);
  const resends = Math.min(DEFAULTS.pingResends, Math.ceil(2_000 / DEFAULTS.pingResendMs) - 1);
  expect(nonces).toEqual([0, 1, ...Array(resends).fill(1)]);
  expect(a.stats.pingsResent).toBe(resends);
  // Each resend, then the timeout, which cancels the resend it finds armed (if any).
  expect(fired).toBe(resends + 1);
});

test('time-outs, the pending limit and shutdown end pings with named errors, once each', () => {
  const a = side(14);
  const errors: unknown[] = [];
  const done = (r: PingReply | undefined, err?: Error) => errors.push(r ?? err);
  a.pings.ping(addr(1), done, {}, 0, 2_000);
  const timeout = a.timers.pop()!;
  expect(timeout.ms).toBe(2_000);
  timeout.fire();
  timeout.fire();
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(TimeoutError);
  for (let i = 0; i < DEFAULTS.maxPendingPings; i++) a.pings.ping(addr(1), done, {}, 0, 2_000);
  expect(a.pings.size).toBe(DEFAULTS.maxPendingPings);
  a.pings.ping(addr(1), done, {}, 0, 2_000);
  expect(errors[1]).toBeInstanceOf(LimitExceededError);
  expect(a.stats.pingsRefused).toBe(1);
  a.pings.shutdown(new ClosedError('closed'));
  expect(errors.slice(2).every((e) => e instanceof ClosedError)).toBe(true);
  expect(errors).toHaveLength(2 + DEFAULTS.maxPendingPings);
  expect(a.pings.size).toBe(0);
});

test('the admission hint travels only when asked, and keeps its bound through the µs encoding', () => {
  const a = side(15);
  const b = side(16, { admitBelow: 12.3456 });
  expect(exchange(a, b, b, false)?.admitBelowMs).toBeUndefined();
  expect(exchange(a, b, b, true)?.admitBelowMs).toBeCloseTo(12.346, 9);
  // Property over many bounds: never tighter than the table's (rounded up to the µs), Infinity and 0 exact.
  const rng = new SeededRng(17);
  for (let i = 0; i < 2_000; i++) {
    const ms = rng.int(4) === 0 ? rng.int(3) : rng.next() * 10 ** rng.int(8);
    const back = admitFromHint(admitHint(ms).admitBelowUs);
    if (ms <= 0) expect(back).toBe(0);
    else if (ms * 1000 >= 0xffff_fffe) expect(back).toBe(0xffff_fffe / 1000);
    else {
      expect(back).toBeGreaterThanOrEqual(ms);
      expect(back - ms).toBeLessThanOrEqual(0.001);
    }
  }
  expect(admitFromHint(admitHint(Infinity).admitBelowUs)).toBe(Infinity);
});
