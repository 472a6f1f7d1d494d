/**
 * Shared by the publish and unpublish acknowledgement tests: the brute-forced salted roots, a mesh
 * with one salted root silenced, forged acknowledgements and settling a promise without throwing.
 */
import { DEFAULTS } from '../../defaults';
import type { TapestryNode } from '../../api/node';
import { LOCATION_MODULE_ID } from '../../location/messages';
import { saltedRoot } from '../../location/saltedRoots';
import type { Guid } from '../../routing/guid';
import { bruteForceRoot } from '../../sim/oracle';
import type { SeededRng } from '../../sim/random';
import { createTestnet, type Testnet } from '../../testing/testnet';
import { encodeLocation } from '../../wire/locationCodec';
import type { HostilePeer } from './hostilePeer';

/** The brute-forced root of each salt of `object` over the mesh, as node indices. */
export function rootsOf(net: Testnet, object: Guid): number[] {
  const guids = net.nodes.map((n) => n.guid);
  return Array.from({ length: DEFAULTS.salts }, (_, salt) => bruteForceRoot(guids, saltedRoot(object, salt), net.space));
}

/** Settles `p` without throwing: its value or its error. */
export async function outcome<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

/**
 * A frozen mesh (no hop acknowledgements, so no failover) and an object none of whose salted roots
 * is its server, with distinct roots, whose salt-0 root is closed: that salt can never answer.
 */
export async function silentRootMesh(nodes: number, seed: number, rng: SeededRng, randomObject: () => Guid): Promise<{ net: Testnet; object: Guid; server: number; gone: number }> {
  const net = await createTestnet({ nodes, frozen: true, seed });
  for (;;) {
    const object = randomObject();
    const server = rng.int(nodes);
    const roots = rootsOf(net, object);
    if (!roots.includes(server) && new Set(roots).size === DEFAULTS.salts) {
      await net.nodes[roots[0]].close();
      return { net, object, server, gone: roots[0] };
    }
  }
}

/** One forged acknowledgement per salt (random nonces) from `hostile` to `publisher`. */
export function forgeAcks(hostile: HostilePeer, publisher: TapestryNode, object: Guid, rng: SeededRng): void {
  for (let salt = 0; salt < DEFAULTS.salts; salt++) {
    const nonce = Uint8Array.from({ length: 8 }, () => rng.int(256));
    hostile.direct(publisher.handle, { moduleId: LOCATION_MODULE_ID, payload: encodeLocation({ kind: 'publishAck', ack: { object, saltIndex: salt, nonce } }) });
  }
}

/**
 * Runs `fn` and returns the rejections Node reported as unhandled meanwhile (after a few turns of the
 * event loop, which Node needs to report them).
 */
export async function unhandledRejectionsDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const listen = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', listen);
  try {
    await fn();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', listen);
  }
  return unhandled;
}
