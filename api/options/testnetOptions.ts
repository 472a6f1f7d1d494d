/**
 * The schema of createTestnet's options (TestnetOptions, testing/testnet.ts, which checks the two
 * agree). `node` takes the createNode options a testnet passes on to every node; createNode checks
 * and defaults them again, so this schema applies none of their defaults (the testnet's own choices
 * must not be overwritten by them).
 */
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import type { LatencyModel } from '../../transport/latency';
import type { TransitStubOptions } from '../../sim/transitStubOptions';
import { nodeOptionsSchema } from './nodeOptions';
import { documented as doc, hasMethods, isObject, readonlyArray, shaped } from './schema';

/** The createNode options a testnet passes to every node. */
export const TESTNET_NODE_KEYS = ['salts', 'locateFanout', 'repairMs', 'heartbeatMs', 'hopAcks', 'republishMs', 'pointerLifetimeMs', 'locateAttemptTimeoutMs', 'extraPointers', 'debug'] as const;

type NodeShape = typeof nodeOptionsSchema.shape;
type Key = (typeof TESTNET_NODE_KEYS)[number];
/** Those keys' schemas, optional and without their defaults (documentation kept). */
const nodeShape = Object.fromEntries(
  TESTNET_NODE_KEYS.map((k) => {
    const s = nodeOptionsSchema.shape[k] as z.ZodType;
    const def = (s as unknown as { _zod: { def: { type: string; innerType: z.ZodType } } })._zod.def;
    return [k, def.type === 'default' ? def.innerType.optional() : s];
  }),
) as unknown as { [K in Key]: z.ZodOptional<NodeShape[K] extends z.ZodDefault<infer I> ? I : NodeShape[K]> };

export const testnetOptionsSchema = z.strictObject({
  nodes: doc(z.number().int().min(1).max(DEFAULTS.simMaxEndpoints), { description: 'Number of nodes.', default: '(required)' }),
  seed: doc(z.number().int().default(1), { description: 'Seed of every random choice: GUIDs, placement, jitter, loss. Same seed, same run.' }),
  latency: doc(shaped<LatencyModel>('LatencyModel', (v) => hasMethods(v, 'latency')).optional(), {
    description: 'Latency model over node indices.',
    default: 'nodes on a 2-D plane, latency = distance + jitter',
  }),
  topology: doc(
    z.union([z.literal(['plane', 'transit-stub']), shaped<TransitStubOptions>('TransitStubOptions', (v) => isObject(v) && !Array.isArray(v))]).optional(),
    {
      type: "'plane' | 'transit-stub' | TransitStubOptions",
      description:
        "Physical topology: 'plane' (the default latency plane), 'transit-stub' (a GT-ITM-style router graph of 4,900 routers, nodes on stub routers; link stress can be counted) or the options of a transit-stub graph (checked by TransitStub; its seed defaults to the testnet's). Not with `latency`.",
      default: "'plane'",
    },
  ),
  lossRate: doc(z.number().min(0).max(1).default(0), { description: 'Share of datagrams lost.' }),
  idBits: doc(z.literal([160, 256]).default(DEFAULTS.idBits), { description: 'GUID width in bits.' }),
  digitBits: doc(z.literal([1, 2, 4, 8]).default(DEFAULTS.digitBits), { description: 'Bits per routing digit.' }),
  mtu: doc(z.number().int().min(DEFAULTS.minMtu).max(DEFAULTS.maxDatagramBytes).default(DEFAULTS.mtu), { description: 'Datagram size limit of the simulated links (bytes).' }),
  guids: doc(readonlyArray(shaped<Guid>('Guid', (v) => v instanceof Guid)).optional(), {
    description: "Node GUIDs to use instead of random ones (one per node); not with `security: 'signed'`.",
    default: 'drawn from the seed',
  }),
  security: doc(z.literal(['none', 'signed']).default('none'), {
    description: "The nodes' security provider; with `signed` every node gets a key pair drawn from the seed and its GUID is that key's hash.",
  }),
  frozen: doc(z.boolean().default(false), {
    description: 'Keep the static mesh as built: no table repair, heartbeats or hop acknowledgements (pure routing experiments). Otherwise nodes run with createNode\'s defaults.',
  }),
  node: doc(z.strictObject(nodeShape).optional(), {
    type: `{ ${TESTNET_NODE_KEYS.join(', ')} }`,
    description: 'createNode options every node gets (see NodeOptions).',
    default: "createNode's",
  }),
});
