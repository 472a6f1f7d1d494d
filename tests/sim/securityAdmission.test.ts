/**
 * With the `signed` provider a peer enters no routing table, leaf set or backpointer list before it
 * proved the key behind its GUID. A hostile endpoint sends hand-crafted frames through the simulated
 * network, claiming GUIDs whose key it does not hold, down every path that admits peers: an adopt,
 * a join request (the surrogate's multicast), a leave notice naming it as replacement, and being
 * the bootstrap address of a joining node. The same attack on a `none` mesh gets in: the oracle.
 */
import { createNode, type TapestryNode } from '../../api/node';
import { Guid } from '../../routing/guid';
import { Identity, guidFromPublicKey } from '../../security/identity';
import { challengeMessage } from '../../security/challenge';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { Forger } from '../helpers/forger';
import { listedBy, SecureJoinNet } from '../helpers/signedNet';


/** A GUID sharing all but the last byte with `near`: it belongs in near's leaf set and deepest slots. */
function neighbourOf(near: Guid): Guid {
  const b = Uint8Array.from(near.bytes);
  b[b.length - 1] ^= 0x5a;
  return Guid.fromBytes(b);
}

/** Every admission path, tried with the forger's claimed GUID; then the joining victim's view. */
async function attack(net: SecureJoinNet, forger: Forger): Promise<TapestryNode> {
  const nodes = net.nodes;
  for (const n of nodes) forger.sendMembership(n.handle, { kind: 'adopt', adopt: { rttMs: 0.5, listsYou: true } });
  forger.sendMembership(nodes[1].handle, { kind: 'joinRequest', joinRequest: { joining: forger.handle, joinId: 7 } });
  forger.sendMembership(nodes[2].handle, { kind: 'leave', leave: { leaving: forger.handle, replacement: forger.handle } });
  net.run(5_000);
  // A node that joins through the forger as its only bootstrap address.
  const security = nodes[0].stats.security.provider as 'none' | 'signed';
  const victim = await createNode({ transport: net.network.createTransport(), clock: net.network.clock, security, bootstrap: [forger.transport.local], joinRetryMs: 60_000 });
  net.nodes.push(victim);
  net.run(5_000);
  return victim;
}

async function mesh(security: 'none' | 'signed'): Promise<SecureJoinNet> {
  const net = new SecureJoinNet(21, security, { repairMs: 0, heartbeatMs: 0 });
  await net.joinOneByOne(24, 300);
  return net;
}

describe('a forged GUID is never admitted with the signed provider', () => {
  test('a GUID that is not the hash of the key the forger holds', async () => {
    const net = await mesh('signed');
    const forger = new Forger(net.network, 3);
    forger.claimed = neighbourOf(net.nodes[0].guid);
    const victim = await attack(net, forger);
    expect(forger.pingsAnswered).toBeGreaterThan(0); // it was challenged…
    expect(listedBy(net.nodes, forger.claimed)).toEqual([]); // …and failed everywhere
    expect(victim.table.size).toBe(0);
    const forged = net.nodes.reduce((s, n) => s + n.stats.security.forgedCredentials, 0);
    expect(forged).toBeGreaterThanOrEqual(forger.pingsAnswered - 1);
    await net.close();
  });

  test("another node's real public key as credential, with a proof the forger signed", async () => {
    const net = await mesh('signed');
    const forger = new Forger(net.network, 4);
    const owner = Identity.fromSeed(new Uint8Array(32).fill(99)); // the key the forger does not hold
    forger.claimed = guidFromPublicKey(owner.publicKey);
    forger.answer = (challenge, pinger) => ({ credential: owner.publicKey, proof: forger.key.sign(challengeMessage(challenge, pinger)) });
    await attack(net, forger);
    expect(forger.pingsAnswered).toBeGreaterThan(0);
    expect(listedBy(net.nodes, forger.claimed)).toEqual([]);
    await net.close();
  });

  test('a proof replayed from another challenge, and no proof at all', async () => {
    const net = await mesh('signed');
    const forger = new Forger(net.network, 5);
    // It holds a key whose hash it claims, but answers with a signature of a different nonce, then with nothing.
    const own = new SignedSecurityProvider(Identity.fromSeed(new Uint8Array(32).fill(5)));
    let round = 0;
    forger.answer = (challenge, pinger) => {
      if (round++ % 2 === 1) return undefined;
      const other = Uint8Array.from(challenge, (b) => b ^ 1);
      return { credential: own.credential(), proof: own.sign(challengeMessage(other, pinger)) };
    };
    await attack(net, forger);
    expect(listedBy(net.nodes, forger.claimed)).toEqual([]);
    await net.close();
  });

  test('the honest key holder is admitted: the same attack frames, answered truthfully', async () => {
    const net = await mesh('signed');
    const forger = new Forger(net.network, 6); // claims its own key's GUID and signs honestly
    await attack(net, forger);
    expect(listedBy(net.nodes, forger.claimed).length).toBeGreaterThan(0);
    expect(net.nodes.reduce((s, n) => s + n.stats.security.forgedCredentials, 0)).toBe(0);
    await net.close();
  });

  test('oracle: with `none` the forged GUID gets in', async () => {
    const net = await mesh('none');
    const forger = new Forger(net.network, 3);
    forger.claimed = neighbourOf(net.nodes[0].guid);
    await attack(net, forger);
    expect(listedBy(net.nodes, forger.claimed).length).toBeGreaterThan(0);
    await net.close();
  });
});
