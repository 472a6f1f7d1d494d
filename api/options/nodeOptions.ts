/**
 * The schema of createNode's options (NodeOptions, api/nodeOptions.ts): what each key accepts, its
 * default and its documentation. createNode parses its options with it and uses what comes out.
 */
import type bunyan from 'bunyan';
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { Guid } from '../../routing/guid';
import { RoutingTable } from '../../routing/routingTable';
import type { Address, Clock, Transport } from '../../transport/types';
import type { BootstrapProvider } from '../../bootstrap/provider';
import { Identity, type RandomBytes } from '../../security/identity';
import { isProvider } from '../../security/choose';
import type { SecurityProvider } from '../../security/provider';
import { isTransport, type NodeOptions, type UdpOptions } from '../nodeOptions';
import { documented as doc, hasMethods, isFunction, isObject, readonlyArray, shaped, type Assert, type SameShape } from './schema';

const int = () => z.number().int();
const ms = (min: number) => int().min(min);

export const udpOptionsSchema = z.strictObject({
  family: doc(z.literal([4, 6]).optional(), { description: 'IP family of the socket.', default: '4 (6 for an IPv6 host)' }),
  host: doc(z.string().min(1).optional(), { description: 'Address to bind.', default: "'127.0.0.1' ('::1' for family 6)" }),
  port: doc(int().min(0).max(65_535).optional(), { description: 'Port to bind; 0 picks a free one.', default: '0' }),
});
export type _UdpOptionsMatch = Assert<SameShape<z.input<typeof udpOptionsSchema>, UdpOptions>>;

const address = shaped<Address>('Address { family, ip, port }', (v) => isObject(v) && (v.family === 4 || v.family === 6) && v.ip instanceof Uint8Array && typeof v.port === 'number');

export const nodeOptionsSchema = z.strictObject({
  transport: doc(z.union([shaped<Transport>('Transport', isTransport), udpOptionsSchema]).optional(), {
    type: 'Transport | { family, host, port }',
    description: 'A ready transport (e.g. from SimNetwork.createTransport()) or UDP socket options.',
    default: 'UDP on 127.0.0.1, any port',
  }),
  clock: doc(shaped<Clock>('Clock', (v) => hasMethods(v, 'now', 'setTimeout', 'clearTimeout')).optional(), {
    description: 'Time source for every timer of the node.',
    default: 'the wall clock',
  }),
  guid: doc(z.union([z.string(), shaped<Guid>('Guid', (v) => v instanceof Guid)]).optional(), {
    type: 'Guid | hex string',
    description: "This node's GUID. With an identity (always with `signed`) it is the key's hash, and a `guid` that differs is refused.",
    default: "the identity's hash, else random",
  }),
  identity: doc(z.union([z.string().min(1), shaped<Identity>('Identity', (v) => v instanceof Identity)]).optional(), {
    type: 'Identity | file path',
    description: "The node's ed25519 key pair, or the path of a file holding it (created, mode 0600, when missing).",
    default: 'a new key pair with `signed`',
  }),
  security: doc(z.union([z.literal(['none', 'signed']), shaped<SecurityProvider>('SecurityProvider', isProvider)]).optional(), {
    type: "'none' | 'signed' | SecurityProvider",
    description: 'How the node authenticates peers and records.',
    default: "'signed' on UDP, 'none' with an injected transport or clock",
  }),
  random: doc(shaped<RandomBytes>('function (bytes) => Uint8Array', isFunction).optional(), {
    description: 'Random source for key pairs, challenge nonces and locate ids (a seeded one makes simulations repeat).',
    default: 'the OS CSPRNG',
  }),
  identityDifficulty: doc(int().min(0).max(DEFAULTS.maxIdentityDifficulty).optional(), {
    description: "Identity puzzle: leading zero bits SHA-256(SHA-256(public key)) must have. A new key is ground until it does; with `signed`, peers whose keys fall short are refused.",
    default: `${DEFAULTS.identityDifficulty} (no puzzle)`,
  }),
  idBits: doc(z.literal([160, 256]).default(DEFAULTS.idBits), { description: 'GUID width in bits.' }),
  digitBits: doc(z.literal([1, 2, 4, 8]).default(DEFAULTS.digitBits), { description: 'Bits per routing digit (base = 2^digitBits).' }),
  table: doc(shaped<RoutingTable>('RoutingTable', (v) => v instanceof RoutingTable).optional(), {
    description: "A routing table already filled (the static-mesh builder's); its owner must be this node.",
    default: 'an empty table',
  }),
  mtu: doc(int().min(DEFAULTS.minMtu).max(DEFAULTS.maxDatagramBytes).optional(), {
    description: 'Largest datagram sent (bytes); larger messages are fragmented.',
    default: `the transport's (${DEFAULTS.mtu} on UDP)`,
  }),
  log: doc(shaped<bunyan>('bunyan logger', (v) => hasMethods(v, 'child', 'info', 'warn', 'debug', 'error')).optional(), {
    description: "The application's logger; the node logs through a child of it.",
    default: 'a logger to stderr',
  }),
  debug: doc(z.boolean().optional(), { description: 'Debug logging for this node.', default: 'false' }),
  salts: doc(int().min(1).max(DEFAULTS.maxSalts).default(DEFAULTS.salts), { description: 'Salted roots per object: publish goes to all, locate falls back through them.' }),
  republishMs: doc(ms(0).default(DEFAULTS.republishMs), { description: 'Soft state: republish period (ms; 0 = never).' }),
  pointerLifetimeMs: doc(ms(1).max(DEFAULTS.maxPointerLifetimeMs).default(DEFAULTS.pointerLifetimeMs), {
    description: 'How long pointers this node publishes live without republish (ms).',
  }),
  locateAttemptTimeoutMs: doc(ms(1).default(DEFAULTS.locateAttemptTimeoutMs), { description: 'How long a locate waits on one salted root before trying the next (ms).' }),
  locateFanout: doc(int().min(1).max(DEFAULTS.maxSalts).default(DEFAULTS.locateFanout), {
    description: 'Salted roots a locate tries at once (capped at `salts`).',
  }),
  bootstrap: doc(z.union([z.string().min(1), readonlyArray(z.union([z.string(), address])), shaped<BootstrapProvider>('BootstrapProvider', (v) => hasMethods(v, 'resolve'))]).optional(), {
    type: 'address string | array of addresses | BootstrapProvider',
    description: 'Where to join from: "127.0.0.1:4000", "[::1]:4000", a list of them (or Address objects), or a provider.',
    default: 'none: the node starts a mesh of its own',
  }),
  joinRetryMs: doc(ms(1).default(DEFAULTS.joinRetryMs), { description: 'How long an ALONE node waits before trying its bootstrap again (ms).' }),
  resolveOnly: doc(z.boolean().optional(), {
    default: 'false',
    description: 'A resolve-only node: never joins, so it is never a hop, a root or a leaf-set member; it hands the messages it starts to a gateway from `bootstrap` (needed), the next one when that fails. It cannot publish.',
  }),
  repairMs: doc(ms(0).default(DEFAULTS.repairMs), { description: 'Table repair period while the table changes (ms; 0 = off); it backs off to DEFAULTS.repairMaxMs while nothing does.' }),
  heartbeatMs: doc(ms(0).default(DEFAULTS.heartbeatMs), { description: 'A table primary or leaf-set member not heard from in this long is checked with a ping, within the maintenance budget (ms; 0 = no checks). Any frame from it counts.' }),
  hopAcks: doc(z.boolean().default(DEFAULTS.hopAcks), { description: 'Acknowledge every forwarded hop and fail over to a backup without one.' }),
  peerRateLimit: doc(
    z
      .union([
        z.literal(false),
        z.strictObject({
          perSec: doc(z.number().gt(0), { description: 'Datagrams a second.', range: '> 0' }),
          burst: doc(z.number().min(1), { description: 'Datagrams at once.' }),
        }),
      ])
      .default({ perSec: DEFAULTS.peerRatePerSec, burst: DEFAULTS.peerRateBurst }),
    {
      type: 'false | { perSec, burst }',
      range: 'perSec > 0, burst ≥ 1',
      description: 'Datagrams a second (and at once) one sender address may send before the rest are dropped unread; false turns the limit off.',
    },
  ),
  extraPointers: doc(
    z
      .strictObject({
        backups: doc(int().min(0), { description: 'Backups of the next hop that get a pointer too.' }),
        neighbours: doc(int().min(0), { description: 'Nearest neighbours that get a pointer too.' }),
        hops: doc(int().min(0), { description: 'On the first this-many hops of the publish path.' }),
      })
      .default({ backups: DEFAULTS.extraPointerBackups, neighbours: DEFAULTS.extraPointerNeighbours, hops: DEFAULTS.extraPointerHops }),
    { type: '{ backups, neighbours, hops }', range: 'integers ≥ 0', description: 'JSAC pointer caching on publish: k backups of the next hop, l nearest neighbours, first m hops (0 = off).' },
  ),
  objectOwnership: doc(z.boolean().default(DEFAULTS.objectOwnership), {
    description: 'Under `signed`: publishes claim this node as the object\'s owner, and pointers are kept only for an object\'s owner and the servers it granted (first use, or a self-certifying GUID); false turns both off.',
  }),
});

export type _NodeOptionsMatch = Assert<SameShape<z.input<typeof nodeOptionsSchema>, NodeOptions>>;

/** NodeOptions with every default applied: what createNode works from. */
export type ParsedNodeOptions = z.output<typeof nodeOptionsSchema>;
