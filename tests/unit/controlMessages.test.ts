/**
 * Control messages authenticated (issue 15): leave notices, address changes and liveness, driven
 * through Admission with a fake port (no network). Each rule is checked against what an attacker
 * would send: a leave signed by another key, a stale or replayed one, one sent by another node or
 * naming another address, a replacement that would move a listed node, a forged leave under `none`
 * for a node that still answers, a handle moving a live node, a frame heard from the wrong address.
 */
import { DEFAULTS } from '../../defaults';
import { TimeoutError } from '../../errors';
import { DEFAULT_SPACE, Guid } from '../../routing/guid';
import type { Address, NodeHandle } from '../../routing/handle';
import { RoutingTable } from '../../routing/routingTable';
import { PeerHealth } from '../../routing/peerHealth';
import { Admission } from '../../membership/admission';
import { LeafSet } from '../../membership/leafSet';
import type { LeaveNotice, MembershipMsg } from '../../membership/messages';
import { emptyMembershipStats, type MembershipPort, type ProbeDone, type ProbeOptions } from '../../membership/port';
import { Identity } from '../../security/identity';
import { leaveMessage, signLeave, verifyLeave } from '../../security/leaveStatement';
import type { SecurityProvider } from '../../security/provider';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { decodeMembership, encodeMembership } from '../../wire/membershipCodec';

const addr = (last: number): Address => ({ family: 4, ip: Uint8Array.of(10, 0, 0, last), port: 4000 + last });
const signed = (seed: number) => new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(seed)));
const handleOf = (p: SignedSecurityProvider, last: number): NodeHandle => ({ guid: p.identity.guid(), address: addr(last) });

class Port implements MembershipPort {
  readonly table: RoutingTable;
  readonly sent: Array<{ to: NodeHandle; msg: MembershipMsg }> = [];
  readonly pings: Array<{ to: Address; done: ProbeDone; opts?: ProbeOptions }> = [];
  readonly timers: Array<{ at: number; fire: () => void }> = [];
  readonly health = new PeerHealth();
  clock = 1_000_000;
  constructor(readonly self: NodeHandle, readonly security?: SecurityProvider) {
    this.table = new RoutingTable(self, DEFAULT_SPACE);
  }
  now(): number {
    return this.clock;
  }
  send(to: NodeHandle, msg: MembershipMsg): void {
    this.sent.push({ to, msg });
  }
  ping(to: Address, _ms: number, done: ProbeDone, opts?: ProbeOptions): void {
    this.pings.push({ to, done, opts });
  }
  after(ms: number, fire: () => void): () => void {
    const t = { at: this.clock + ms, fire };
    this.timers.push(t);
    return () => void this.timers.splice(this.timers.indexOf(t), 1);
  }
  advance(ms: number): void {
    this.clock += ms;
    for (;;) {
      const i = this.timers.findIndex((t) => t.at <= this.clock);
      if (i < 0) return;
      this.timers.splice(i, 1)[0].fire();
    }
  }
  /** Answers every waiting ping: as `who(address)` says (a peer answering), or with a timeout. */
  answer(who: (a: Address) => NodeHandle | undefined, proven = true): void {
    for (const p of this.pings.splice(0)) {
      const peer = who(p.to);
      if (peer) p.done({ rtt: 7, peer, proven, challenged: p.opts?.challenge !== false });
      else p.done(undefined, new TimeoutError('no pong'));
    }
  }
}

function setup(security?: SignedSecurityProvider) {
  const self: NodeHandle = security ? handleOf(security, 1) : { guid: Guid.fromName('self'), address: addr(1) };
  const p = new Port(self, security);
  const stats = emptyMembershipStats();
  const leafSet = new LeafSet(self.guid);
  const admission = new Admission(p, leafSet, stats, { peersChanged: () => {}, neighbourUpdate: () => {} }, security !== undefined, 1_000);
  /** Lists a node as if it had proven itself long ago. */
  const list = (n: NodeHandle) => {
    p.table.add(n, 10);
    leafSet.add(n);
  };
  const listed = (n: NodeHandle) => p.table.get(n.guid)?.handle.address;
  return { p, stats, leafSet, admission, list, listed };
}

/** A leave as the leaving node `key` at `leaving` sends it, signed at `at`. */
function signedLeave(key: SecurityProvider, leaving: NodeHandle, at: number, replacement?: NodeHandle): LeaveNotice {
  const base = replacement ? { leaving, replacement } : { leaving };
  return { ...base, issuedAtMs: at, ...signLeave(key, { leaving, replacement, issuedAtMs: at }) };
}

describe('signed leave', () => {
  const victimKey = signed(20);
  const victim = handleOf(victimKey, 20);

  test('acted on when the leaving node signed it, sent it from its listed address, recently', () => {
    const { p, stats, admission, list, listed, leafSet } = setup(signed(1));
    list(victim);
    admission.onLeave(signedLeave(victimKey, victim, p.now() - 5_000), victim);
    expect(listed(victim)).toBeUndefined();
    expect(leafSet.has(victim.guid)).toBe(false);
    expect(stats.leavesRefused).toBe(0);
  });

  test('the statement survives the wire, and its signature covers every field', () => {
    const notice = signedLeave(victimKey, victim, 123_456, handleOf(signed(21), 21));
    const back = decodeMembership(encodeMembership({ kind: 'leave', leave: notice }), { idBytes: 20 });
    if (back.kind !== 'leave') throw new Error('expected a leave');
    const got = back.leave;
    expect(got.leaving.guid.equals(victim.guid) && got.replacement!.guid.equals(notice.replacement!.guid)).toBe(true);
    expect([got.leaving.address, got.replacement!.address, got.issuedAtMs]).toEqual([notice.leaving.address, notice.replacement!.address, 123_456]);
    expect(Buffer.from(got.credential!).equals(Buffer.from(notice.credential!))).toBe(true);
    expect(Buffer.from(got.signature!).equals(Buffer.from(notice.signature!))).toBe(true);
    const key = signed(2);
    expect(verifyLeave(key, notice as Required<LeaveNotice>)).toBe(true);
    const other = signed(22);
    const variants: LeaveNotice[] = [
      { ...notice, issuedAtMs: notice.issuedAtMs! + 1 },
      { ...notice, leaving: { ...victim, address: addr(99) } },
      { ...notice, replacement: undefined },
      { ...notice, replacement: handleOf(other, 21) },
      { ...notice, credential: other.credential() },
    ];
    for (const v of variants) expect(verifyLeave(key, v as Required<LeaveNotice>)).toBe(false);
    // The bytes signed are the domain-tagged statement, not the message (another encoding of it signs nothing).
    expect(victimKey.verify(victimKey.credential(), leaveMessage(notice as Required<LeaveNotice>), notice.signature!)).toBe(true);
  });

  test('refused when signed by another key, unsigned, or sent by another node or from another address', () => {
    const { p, stats, admission, list, listed } = setup(signed(1));
    list(victim);
    const attackerKey = signed(30);
    const now = p.now();
    // The attacker's own key, its own credential: not the victim's GUID.
    admission.onLeave({ leaving: victim, issuedAtMs: now, ...signLeave(attackerKey, { leaving: victim, issuedAtMs: now }) }, victim);
    // The victim's credential with the attacker's signature.
    admission.onLeave({ leaving: victim, issuedAtMs: now, credential: victimKey.credential(), signature: attackerKey.sign(leaveMessage({ leaving: victim, issuedAtMs: now })) }, victim);
    // No statement at all (today's forged leave).
    admission.onLeave({ leaving: victim }, victim);
    // A real statement, but the frame came from the attacker (a relayed copy).
    admission.onLeave(signedLeave(victimKey, victim, now), { guid: victim.guid, address: addr(66) });
    admission.onLeave(signedLeave(victimKey, victim, now), handleOf(attackerKey, 66));
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.leavesRefused).toBe(5);
    // A real statement naming another address than the one listed: the node listed there did not leave.
    const moved = { ...victim, address: addr(77) };
    admission.onLeave(signedLeave(victimKey, moved, now), moved);
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.leavesRefused).toBe(6);
  });

  test('refused when stale (either way beyond the window) or replayed', () => {
    const { p, stats, admission, list, listed } = setup(signed(1));
    list(victim);
    const now = p.now();
    admission.onLeave(signedLeave(victimKey, victim, now - DEFAULTS.leaveFreshnessMs - 1), victim);
    admission.onLeave(signedLeave(victimKey, victim, now + DEFAULTS.leaveFreshnessMs + 1), victim);
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.leavesRefused).toBe(2);
    const real = signedLeave(victimKey, victim, now - 1_000);
    admission.onLeave(real, victim);
    expect(listed(victim)).toBeUndefined();
    // The victim comes back (proven again); the same leave sent again, still within the window, changes nothing.
    list(victim);
    p.clock += 10_000;
    admission.onLeave(real, victim);
    expect(listed(victim)).toEqual(victim.address);
    // Nor does any older statement of the same node; a newer one is a new leave.
    admission.onLeave(signedLeave(victimKey, victim, now - 2_000), victim);
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.leavesRefused).toBe(4);
    admission.onLeave(signedLeave(victimKey, victim, p.now()), victim);
    expect(listed(victim)).toBeUndefined();
  });

  test('a replacement naming a listed GUID at another address is not measured and moves nothing', () => {
    const { p, admission, list, listed } = setup(signed(1));
    const leaverKey = signed(40);
    const leaver = handleOf(leaverKey, 40);
    list(leaver);
    list(victim);
    const hijack = { guid: victim.guid, address: addr(66) };
    admission.onLeave(signedLeave(leaverKey, leaver, p.now(), hijack), leaver);
    expect(listed(leaver)).toBeUndefined();
    expect(p.pings).toEqual([]);
    expect(listed(victim)).toEqual(victim.address);
    // A replacement this node does not list is measured (and challenged) as before.
    const other = handleOf(signed(41), 41);
    list(leaver);
    admission.onLeave(signedLeave(leaverKey, leaver, p.now() + 1, other), leaver);
    expect(p.pings.map((x) => x.to)).toEqual([other.address]);
  });
});

describe('address changes', () => {
  test('signed: a handle {listed GUID, new address} moves it only after a challenge answered as proof there', () => {
    const victimKey = signed(20);
    const victim = handleOf(victimKey, 20);
    const { p, admission, list, listed } = setup(signed(1));
    list(victim);
    const hijack = { guid: victim.guid, address: addr(66) };
    admission.onAdopt(hijack, { rttMs: 1, listsYou: true });
    expect(p.pings.map((x) => x.to)).toEqual([hijack.address]);
    // The relay's answer does not prove the GUID at its address (routing/pings.ts checks the bound answer).
    p.answer(() => hijack, false);
    expect(listed(victim)).toEqual(victim.address);
    expect(p.table.hasBackpointer(victim.guid)).toBe(false);
    // The real node, moved, proves itself at its new address: then it moves.
    admission.learn(hijack, 5);
    p.answer(() => hijack, true);
    expect(listed(victim)).toEqual(hijack.address);
  });

  test('none: a handle {listed GUID, new address} never moves a node that still answers at its old address', () => {
    const { p, stats, admission, list, listed } = setup();
    const victim: NodeHandle = { guid: Guid.fromName('victim'), address: addr(20) };
    list(victim);
    const hijack = { guid: victim.guid, address: addr(66) };
    admission.onAdopt(hijack, { rttMs: 1, listsYou: false });
    // The attacker answers at its address in the victim's name; the victim answers at its own.
    p.answer((a) => (a.port === hijack.address.port ? hijack : undefined));
    expect(p.pings.map((x) => x.to)).toEqual([victim.address]);
    p.answer((a) => (a.port === victim.address.port ? victim : undefined));
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.addressChangesRefused).toBe(1);
    // A node that really moved: answers at the new address, silent at the old one.
    admission.learn(hijack, 5);
    p.answer((a) => (a.port === hijack.address.port ? hijack : undefined));
    p.answer(() => undefined);
    expect(listed(victim)).toEqual(hijack.address);
  });
});

describe('none: a leave is undone when the leaving node still answers', () => {
  test('a forged leave for a live node is undone and, repeated, changes nothing; a real leave of a node that then goes silent stands', () => {
    const { p, stats, admission, list, listed } = setup();
    const victim: NodeHandle = { guid: Guid.fromName('victim'), address: addr(20) };
    const leaver: NodeHandle = { guid: Guid.fromName('leaver'), address: addr(21) };
    list(victim);
    list(leaver);
    const victimLatency = p.table.get(victim.guid)!.latency;
    // Forged: any sender can claim the victim's handle under `none`. Both are taken at their word at once.
    admission.onLeave({ leaving: victim }, victim);
    admission.onLeave({ leaving: leaver }, leaver);
    expect([listed(victim), listed(leaver)]).toEqual([undefined, undefined]);
    expect(p.pings).toEqual([]);
    p.advance(DEFAULTS.leaveCheckDelayMs);
    expect(p.pings.map((x) => x.to).sort((a, b) => a.port - b.port)).toEqual([victim.address, leaver.address]);
    // The victim answers where it was listed; the leaver has closed.
    p.answer((a) => (a.port === victim.address.port ? victim : undefined));
    expect(listed(victim)).toEqual(victim.address);
    expect(p.table.get(victim.guid)!.latency).toBe(victimLatency);
    expect(listed(leaver)).toBeUndefined();
    expect(stats.leavesRefused).toBe(1);
    // The same forgery again: now nothing changes until a check fails, and the victim answers it.
    admission.onLeave({ leaving: victim }, victim);
    expect(listed(victim)).toEqual(victim.address);
    p.advance(DEFAULTS.leaveCheckDelayMs);
    p.answer((a) => (a.port === victim.address.port ? victim : undefined));
    expect(listed(victim)).toEqual(victim.address);
    // A leave naming another address than the listed one, or sent by another node, is not even checked.
    admission.onLeave({ leaving: { ...victim, address: addr(66) } }, { ...victim, address: addr(66) });
    admission.onLeave({ leaving: victim }, { guid: Guid.fromName('attacker'), address: addr(66) });
    p.advance(DEFAULTS.leaveCheckDelayMs);
    expect(p.pings).toEqual([]);
    expect(listed(victim)).toEqual(victim.address);
    expect(stats.leavesRefused).toBe(4);
    // The victim really leaves later: the doubted GUID goes once its check fails.
    admission.onLeave({ leaving: victim }, victim);
    p.advance(DEFAULTS.leaveCheckDelayMs);
    p.answer(() => undefined);
    expect(listed(victim)).toBeUndefined();
  });
});

describe('liveness heard', () => {
  test('a frame counts as heard only from the address the peer is tracked at', () => {
    const h = new PeerHealth();
    h.track('v', 0, addr(20));
    h.heard('v', 100, addr(66));
    expect(h.lastHeard('v')).toBe(0);
    h.sample('v', 5, 200, addr(66));
    expect(h.lastHeard('v')).toBe(0);
    expect(h.estimate('v')?.samples).toBe(0);
    h.heard('v', 300, addr(20));
    expect(h.lastHeard('v')).toBe(300);
    h.sample('v', 5, 400, addr(20));
    expect(h.estimate('v')?.samples).toBe(1);
    // Membership moves the peer: from then on only the new address counts.
    h.track('v', 500, addr(21));
    h.heard('v', 600, addr(20));
    expect(h.lastHeard('v')).toBe(400);
    h.heard('v', 700, addr(21));
    expect(h.lastHeard('v')).toBe(700);
  });
});
