/**
 * The identity puzzle at admission: in a `signed` mesh asking difficulty 6, a node whose key falls
 * short is never admitted to its table or backpointers (its credential is refused, counted), while
 * one with a ground key joins and is listed.
 */
import { createNode } from '../../api/node';
import { Identity } from '../../security/identity';
import { puzzleBits } from '../../security/puzzle';
import { SignedSecurityProvider } from '../../security/signedProvider';
import { SeededRng } from '../../sim/random';
import { seededRandom } from '../../testing/testnet';
import { SimNetwork } from '../../transport/simNetwork';

test('a key below the mesh difficulty is never admitted; a ground one is', async () => {
  const network = new SimNetwork({ seed: 5 });
  const random = seededRandom(new SeededRng(5));
  const common = { transport: undefined as never, clock: network.clock, security: 'signed' as const, random, repairMs: 0, heartbeatMs: 0 };
  const a = await createNode({ ...common, transport: network.createTransport(), identityDifficulty: 6 });
  let weakId = Identity.generate(random);
  while (puzzleBits(weakId.publicKey) >= 6) weakId = Identity.generate(random);
  // The weak node asks no puzzle itself, so it starts; the mesh it joins asks 6.
  const weak = await createNode({ ...common, transport: network.createTransport(), identity: weakId, bootstrap: [a.address], joinRetryMs: 60_000 });
  network.run(network.clock.now() + 10_000);
  expect(a.table.has(weak.guid)).toBe(false);
  expect(a.table.hasBackpointer(weak.guid)).toBe(false);
  // The provider counts the refusal (reached through the node's internals: it is not public).
  const provider = (a as unknown as { locator: { gate: { provider: SignedSecurityProvider } } }).locator.gate.provider;
  expect(provider).toBeInstanceOf(SignedSecurityProvider);
  expect(provider.stats.belowDifficulty).toBeGreaterThan(0);

  const strong = await createNode({ ...common, transport: network.createTransport(), identityDifficulty: 6, bootstrap: [a.address] });
  network.run(network.clock.now() + 10_000);
  expect(strong.status).toBe('ACTIVE');
  expect(a.table.has(strong.guid)).toBe(true);
  await Promise.all([a.close(), weak.close(), strong.close()]);
});
