/**
 * Provider mismatch, the parts without a network: the router's ping answering reports a challenge
 * only when this node's provider cannot answer it (every provider × challenge combination, against
 * the provider's own `authenticates`); a pong with no credential at all is told apart from a forged
 * one; the mismatch memory says "news" once per peer and kind, forgets after its memory time, and
 * holds no more than its bound (checked against a plain model of the same rules).
 */
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import type { Body, Pong } from '../../routing/messages';
import { Pings, type PingReply } from '../../routing/pings';
import { Identity } from '../../security/identity';
import { noneProvider } from '../../security/noneProvider';
import type { SecurityProvider } from '../../security/provider';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { ProviderMismatches } from '../../membership/providerMismatch';
import { SeededRng } from '../../sim/random';

const addr = (last: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port: 4000 + last });
const handle = (n: number): NodeHandle => ({ guid: Guid.fromName(`peer ${n}`), address: addr(n % 250) });
const signed = (seed: number) => new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(seed)), { random: () => new Uint8Array(32).fill(seed) });

function pingsOf(self: NodeHandle, security: SecurityProvider | undefined, out: Body[], onProofDemanded?: (p: NodeHandle) => void): Pings {
  return new Pings({ send: (_to, body) => out.push(body), after: () => () => {} }, { pingsAnswered: 0, pingsRefused: 0, pingsChallenged: 0, pingsResent: 0, pongsMisdirected: 0 }, {
    self: self.guid, address: self.address, security, resend: false, admitBelow: () => Infinity, onProofDemanded,
  });
}

test('a challenge is reported as demanded proof exactly when this node cannot answer it, after its pong went out', () => {
  const providers: Array<SecurityProvider | undefined> = [undefined, noneProvider, signed(1)];
  for (const pinger of providers) {
    for (const answerer of providers) {
      const a = handle(1);
      const b = handle(2);
      const aOut: Body[] = [];
      const bOut: Body[] = [];
      const demanded: NodeHandle[] = [];
      let pongsWhenCalled = -1;
      const pa = pingsOf(a, pinger, aOut);
      const pb = pingsOf(b, answerer, bOut, (p) => {
        demanded.push(p);
        pongsWhenCalled = bOut.length;
      });
      pa.ping(b.address, () => {}, {}, 0, 1_000);
      const ping = aOut[0];
      if (ping.kind !== 'ping') throw new Error('expected a ping');
      pb.answer(ping.ping, a, a.address);
      const challenged = pinger?.authenticates === true;
      const canAnswer = answerer?.authenticates === true;
      expect(demanded).toEqual(challenged && !canAnswer ? [a] : []);
      if (demanded.length) expect(pongsWhenCalled).toBe(1);
    }
  }
});

test('a pong with no credential to a challenge is noProof; a forged one and an unchallenged one are not', () => {
  const a = handle(3);
  const b = handle(4);
  const out: Body[] = [];
  const pa = pingsOf(a, signed(3), out);
  const replies: Array<PingReply | undefined> = [];
  const nonceOf = (i: number) => (out[i] as { ping: { nonce: number } }).ping.nonce;
  pa.ping(b.address, (r) => replies.push(r), {}, 0, 1_000);
  pa.ping(b.address, (r) => replies.push(r), {}, 0, 1_000);
  pa.ping(b.address, (r) => replies.push(r), { challenge: false }, 0, 1_000);
  const bare: Pong = { nonce: nonceOf(0) };
  const forged: Pong = { nonce: nonceOf(1), credential: new Uint8Array(32).fill(7), proof: new Uint8Array(64).fill(7) };
  pa.settle(bare, b, 10, b.address);
  pa.settle(forged, b, 10, b.address);
  pa.settle({ nonce: nonceOf(2) }, b, 10, b.address);
  expect(replies.map((r) => [r?.proven, r?.challenged, r?.noProof])).toEqual([
    [false, true, true],
    [false, true, undefined],
    [true, false, undefined],
  ]);
});

test('the mismatch memory: news once per peer and kind, forgotten after its time, bounded (against a model)', () => {
  const limit = 8;
  const memoryMs = 1_000;
  const m = new ProviderMismatches(limit, memoryMs);
  // The model: GUID → { kind, at }, oldest-touched evicted first, expired on lookup.
  const model = new Map<string, { kind: string; at: number }>();
  const rng = new SeededRng(5);
  const peers = Array.from({ length: 20 }, (_, i) => handle(i));
  let now = 0;
  for (let step = 0; step < 3_000; step++) {
    now += rng.int(120);
    const p = peers[rng.int(peers.length)];
    const kind = rng.int(2) === 0 ? 'demandsProof' : 'givesNoProof';
    if (rng.int(3) === 0) {
      const seen = model.get(p.guid.hex);
      const live = seen && now - seen.at <= memoryMs ? seen : undefined;
      if (seen && !live) model.delete(p.guid.hex);
      expect(m.of(p.guid, now)?.kind).toBe(live?.kind);
      continue;
    }
    const seen = model.get(p.guid.hex);
    const news = !(seen && now - seen.at <= memoryMs && seen.kind === kind);
    expect(m.note(p, kind, now)).toBe(news);
    model.delete(p.guid.hex);
    if (model.size >= limit) model.delete(model.keys().next().value!);
    model.set(p.guid.hex, { kind, at: now });
    expect(m.size).toBe(model.size);
    expect(m.size).toBeLessThanOrEqual(limit);
  }
  expect(DEFAULTS.maxMismatchedPeers).toBeGreaterThan(0);
});
