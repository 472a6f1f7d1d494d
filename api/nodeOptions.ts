/**
 * The options of the public API (createNode, route, locate, sendToObject) and the checks that turn
 * what a caller passed into what the node uses: misuse throws a named error before anything reaches
 * the actors.
 */
import { randomBytes } from 'node:crypto';
import type bunyan from 'bunyan';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { Guid, type IdSpace } from '../routing/guid';
import { RoutingTable } from '../routing/routingTable';
import type { Address, Clock, Transport } from '../transport/types';
import type { BootstrapProvider } from '../bootstrap/provider';
import { StaticBootstrap } from '../bootstrap/staticList';
import { type LocateResult } from '../actors/locatorRuntime';
import { Identity, secureRandom, type RandomBytes } from '../security/identity';
import type { OwnerGrant } from '../actors/ownerClaims';
import { loadOrCreateIdentity } from '../security/identityFile';
import { createSecurityProvider, type SecurityProviderChoice } from '../security/choose';
import type { SecurityProvider } from '../security/provider';
import { SignedSecurityProvider } from '../security/signedProvider';

/** Where a node opens its UDP socket when no transport is given. */
export interface UdpOptions {
  /** IP version of the socket. Default 4, or the family of `host` when it is an IP literal. */
  readonly family?: 4 | 6;
  /** Local IP literal to bind (no host names). Default 127.0.0.1 (IPv4) or ::1 (IPv6). */
  readonly host?: string;
  /** Local UDP port, 0 .. 65535; 0 (the default) lets the OS pick a free one. */
  readonly port?: number;
}

/** The options of createNode(); every key is optional and checked at run time (api/options/nodeOptions.ts). */
export interface NodeOptions {
  /** A ready transport (e.g. from SimNetwork.createTransport()) or UDP socket options. Default: UDP on 127.0.0.1, any port. */
  readonly transport?: Transport | UdpOptions;
  /** Time source for every timer of the node. Default: the wall clock. */
  readonly clock?: Clock;
  /**
   * This node's GUID. Default: the hash of its identity's public key when it has one, else random
   * (drawn from the transport's seeded source on a SimNetwork endpoint, so simulated runs repeat).
   * With `security: 'signed'` a GUID is never chosen: it is the key's hash, so an explicit `guid`
   * is an InvalidArgumentError unless it is exactly that (pass `identity` to keep a GUID across restarts).
   */
  readonly guid?: Guid | string;
  /**
   * The node's ed25519 key pair, or the path of a file holding it (created, mode 0600, when missing),
   * so a restarted node keeps its GUID. Default with `signed`: a new key pair from `random`.
   */
  readonly identity?: Identity | string;
  /**
   * How the node authenticates peers and records: `none` trusts everyone (simulations, closed
   * networks), `signed` admits a peer to a table only after it signed a nonce with the key behind its
   * GUID and stores only pointers whose publish is signed by their server, or the application's own
   * provider. Default: `signed` on UDP, `none` when a transport or clock is injected (the simulator).
   */
  readonly security?: SecurityProviderChoice;
  /**
   * Random source for the node's new key pair and its challenge nonces. Default: the injected
   * transport's seeded source when it has one (SimNetwork endpoints), else the OS CSPRNG.
   */
  readonly random?: RandomBytes;
  /**
   * The identity puzzle (S/Kademlia's static puzzle): leading zero bits SHA-256(SHA-256(key)) must
   * have. A new key pair is ground until it meets it, and peers whose keys fall short are refused
   * (`signed` only). 0 .. DEFAULTS.maxIdentityDifficulty; default DEFAULTS.identityDifficulty (0: none).
   */
  readonly identityDifficulty?: number;
  /** ID width (160 or 256) and digit width (1, 2, 4, 8). */
  readonly idBits?: 160 | 256;
  /** Bits per routing digit: 4 (the default) gives hexadecimal digits, 16 slots per level. */
  readonly digitBits?: 1 | 2 | 4 | 8;
  /** A routing table already filled (the static-mesh builder's); its owner must be this node. */
  readonly table?: RoutingTable;
  /** Largest datagram sent; default the transport's MTU. */
  readonly mtu?: number;
  /** The application's bunyan logger; the node logs through a child of it. Default: a logger on stderr at TAPESTRY_LOG_LEVEL (default warn). */
  readonly log?: bunyan;
  /** Debug logging for this node. */
  readonly debug?: boolean;
  /** Object location: salted roots per object (default DEFAULTS.salts). */
  readonly salts?: number;
  /** Soft state: republish period (ms; 0 = never). Default DEFAULTS.republishMs. */
  readonly republishMs?: number;
  /** How long pointers this node publishes live without republish (ms). Default DEFAULTS.pointerLifetimeMs. */
  readonly pointerLifetimeMs?: number;
  /** How long a locate waits on one salted root before trying the next (ms). */
  readonly locateAttemptTimeoutMs?: number;
  /** Salted roots a locate tries at once (1 .. salts). Default DEFAULTS.locateFanout, capped at salts. */
  readonly locateFanout?: number;
  /**
   * Where to join from: a provider, an address ("127.0.0.1:4000", "[::1]:4000"), or a list of
   * addresses (strings or Address objects). Absent: the node starts a mesh of its own (ALONE until
   * a peer joins through it).
   */
  readonly bootstrap?: BootstrapProvider | ReadonlyArray<Address | string> | string;
  /** How long an ALONE node waits before trying its bootstrap again (ms). Default DEFAULTS.joinRetryMs. */
  readonly joinRetryMs?: number;
  /**
   * A resolve-only node (Windows DRT's "resolve only"): it never joins, so it is never a hop, a root,
   * a leaf-set member or anyone's neighbour. It hands every message it starts (route, request, locate,
   * modules' routes) to a gateway, a full node from `bootstrap` (needed), which routes it as if it
   * had started there; answers come straight back. Up to DEFAULTS.resolveOnlyGateways answering
   * bootstrap nodes are kept, the next taking over when one fails. It cannot publish
   * (ResolveOnlyError). Default false.
   */
  readonly resolveOnly?: boolean;
  /**
   * Table repair period while the table changes (ms; 0 = off); it backs off to DEFAULTS.repairMaxMs
   * while nothing does. Default DEFAULTS.repairMs.
   */
  readonly repairMs?: number;
  /**
   * A table primary or leaf-set member not heard from in this long is checked with a ping, within the
   * maintenance budget (ms; 0 = no checks). Any frame from it counts. Default DEFAULTS.heartbeatMs.
   */
  readonly heartbeatMs?: number;
  /** Acknowledge every forwarded hop and fail over to a backup without one. Default DEFAULTS.hopAcks. */
  readonly hopAcks?: boolean;
  /**
   * Datagrams a second (and at once) one sender address may send this node before the rest are
   * dropped unread. Default DEFAULTS.peerRatePerSec / peerRateBurst; false turns the limit off.
   */
  readonly peerRateLimit?: {
    /** Datagrams a second one sender address may send (> 0). */
    readonly perSec: number;
    /** Datagrams one sender address may send at once (≥ 1). */
    readonly burst: number;
  } | false;
  /**
   * Under an authenticating provider: publishes claim this node as the object's owner, and pointers
   * are kept only for an object's owner and the servers it granted. Default DEFAULTS.objectOwnership (true).
   */
  readonly objectOwnership?: boolean;
  /** JSAC pointer caching on publish: k backups of the next hop, l nearest neighbours, first m hops. Off by default. */
  readonly extraPointers?: {
    /** k: backups of each next hop that also get the pointer. */
    readonly backups: number;
    /** l: nearest neighbours of each hop that also get the pointer. */
    readonly neighbours: number;
    /** m: how many of the first hops of the publish path do this. */
    readonly hops: number;
  };
}

/** The options of node.locate(). */
export interface LocateOptions {
  /** Only replicas published with this tag; empty or absent matches any. */
  readonly query?: string;
  /** How many distinct replicas to find (1 .. DEFAULTS.maxReplicas). Default 1. */
  readonly replicas?: number;
  /** Ends the locate with AbortedError (at once if already aborted). */
  readonly signal?: AbortSignal;
  /**
   * The object is a self-certifying GUID (`ownedObjectGuid`): under `signed`, only answers whose
   * ownership claim derives it and covers their server count. Default false.
   */
  readonly owned?: boolean;
}

/** The options of node.sendToObject(): a locate's, plus the module that receives the payload. */
export interface SendToObjectOptions extends LocateOptions {
  /** Module that receives the message at each replica. Default 0. */
  readonly module?: number;
}

export type { LocateResult };

/** The options of node.publish(). */
export interface PublishOptions {
  /** A tag locates can select this replica by (their `query`; at most DEFAULTS.maxTagBytes UTF-8 bytes). Default none. */
  readonly tag?: string;
  /**
   * Ownership (under `signed`): absent, this node claims the object as its owner (unless the node's
   * `objectOwnership` is off); false, an open object anyone may serve; an OwnerGrant (from the
   * owner's `node.grantPublish`), publish as the server it authorises.
   */
  readonly owner?: false | OwnerGrant;
  /** The object is this node's self-certifying object of this name (`node.ownedObject(name)`). */
  readonly name?: string;
}

/** The options of node.route(). */
export interface RouteOptions {
  /** Deliver at the GUID's surrogate root when no node holds it exactly. Default false. */
  readonly fuzzy?: boolean;
  /** Most hops (1 .. DEFAULTS.maxTtl). Default DEFAULTS.defaultTtl. */
  readonly ttl?: number;
  /** Upcall module id that handles the message (0 .. MAX_MODULE_ID, 65279). Default 0. */
  readonly module?: number;
  /**
   * Ask the destination for an end-to-end acknowledgement; without one in time the message is sent
   * again through another first hop (a neighbour that acknowledges hops and drops them is routed
   * around, and loses score). Default false: routed exactly as an unconfirmed route.
   */
  readonly confirm?: boolean;
  /** With `confirm`: copies sent at once through distinct first hops (1 .. DEFAULTS.maxRouteRedundancy). Default 1. */
  readonly redundancy?: number;
}


/**
 * The node's provider and identity. `signed` needs a key pair: the one given, the one in the file
 * given, or a new one from `random`. `none` uses an identity only when one is given (for its GUID).
 */
export async function resolveSecurity(options: NodeOptions): Promise<{ security: SecurityProvider; identity?: Identity; random: RandomBytes }> {
  const injected = options.clock !== undefined || isTransport(options.transport);
  const choice: SecurityProviderChoice = options.security ?? (injected ? 'none' : 'signed');
  const random = options.random ?? seededSource(options) ?? secureRandom;
  let identity: Identity | undefined;
  const difficulty = options.identityDifficulty ?? DEFAULTS.identityDifficulty;
  if (typeof options.identity === 'string') identity = await loadOrCreateIdentity(options.identity, { random, difficulty });
  else identity = options.identity;
  if (choice === 'signed') identity ??= Identity.generate(random, difficulty);
  const security = createSecurityProvider(choice, identity ?? NO_IDENTITY, { random, difficulty });
  return { security, identity, random };
}

/** Stands in for an identity the chosen provider never reads (`none`, an application's provider). */
const NO_IDENTITY = undefined as unknown as Identity;

/**
 * The node's GUID. With an identity it is the key's hash (an explicit `guid` must equal it); with the
 * `signed` provider there is always an identity. Otherwise the `guid` option, the table's owner, or random.
 */
export function chooseGuid(options: NodeOptions, space: IdSpace, security: SecurityProvider, identity: Identity | undefined): Guid {
  const given = options.guid !== undefined ? toGuid(options.guid, space) : undefined;
  if (identity) {
    const own = identity.guid(space.bits as 160 | 256);
    if (given && !given.equals(own)) {
      const why = security instanceof SignedSecurityProvider ? "with security 'signed' the GUID is the hash of the node's public key" : "the GUID of a node with an identity is the hash of its public key";
      throw new InvalidArgumentError(`guid ${given.hex} is not this node's: ${why}; pass identity (or security: 'none') instead`);
    }
    return own;
  }
  return given ?? options.table?.self.guid ?? Guid.fromBytes(seededSource(options)?.(space.bytes) ?? randomBytes(space.bytes));
}

/** The injected transport's seeded random source (a simulated endpoint's), if it has one. */
function seededSource(options: NodeOptions): RandomBytes | undefined {
  const t = options.transport;
  return isTransport(t) && typeof t.random === 'function' ? t.random : undefined;
}

/**
 * The bootstrap provider for the `bootstrap` option, which the schema checked (api/options/): one
 * address as a string ("127.0.0.1:4000"), a list of addresses, or a provider (an object with
 * `resolve`). A bad one is an InvalidArgumentError before a socket is opened, never a failure later
 * in the join.
 */
export function toProvider(b: NodeOptions['bootstrap']): BootstrapProvider | undefined {
  if (b === undefined) return undefined;
  if (typeof b === 'string') return new StaticBootstrap([b]);
  if (Array.isArray(b)) return new StaticBootstrap(b as Array<Address | string>);
  return b as BootstrapProvider;
}

export function isTransport(t: unknown): t is Transport {
  return typeof t === 'object' && t !== null && typeof (t as Transport).send === 'function' && typeof (t as Transport).onReceive === 'function';
}

export function toGuid(g: Guid | string, space: IdSpace): Guid {
  const guid = typeof g === 'string' ? Guid.fromHex(g) : g;
  if (!(guid instanceof Guid)) throw new InvalidArgumentError('a GUID must be a Guid or a hex string');
  if (guid.bytes.length !== space.bytes) {
    throw new InvalidArgumentError(`GUID has ${guid.bytes.length * 8} bits; this node uses ${space.bits}`);
  }
  return guid;
}
