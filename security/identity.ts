/**
 * A node's identity: an ed25519 key pair, and the GUID it implies. The GUID is the hash of the raw
 * public key (SHA-1 for 160-bit ids, SHA-256 for 256-bit ones), so a peer that claims a GUID can be
 * asked to prove it holds the key behind it, and nobody can pick where in the id space they land.
 *
 * Key pairs are made from a 32-byte seed rather than by generateKeyPairSync: a seed drawn from an
 * injected random source keeps simulations deterministic, and on Node 20.20 a KeyObject that came out
 * of generateKeyPairSync can deadlock the process when it is exported while the garbage collector
 * frees the key-generation job (seen in testing: the main thread waits on the key's own mutex).
 */
import { randomBytes, type KeyObject, createPublicKey } from 'node:crypto';
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import { Guid } from '../routing/guid';
import { exportPublicKey, exportSeed, importSeed, PUBLIC_KEY_BYTES, SEED_BYTES } from './keys';
import { checkDifficulty, meetsDifficulty } from './puzzle';

/** What grinding an identity to a difficulty cost: keys tried (the last one met it). */
/** An identity ground to a puzzle difficulty (Identity.grind), and what it took. */
export interface GroundIdentity {
  /** The first key pair drawn that meets the difficulty. */
  readonly identity: Identity;
  /** What finding it took. */
  readonly cost: GrindCost;
}

/** What grinding an identity took. */
export interface GrindCost {
  /** Key pairs drawn until one met the difficulty (about 2^difficulty on average). */
  readonly tries: number;
}

/** A source of random bytes; the simulator passes a seeded one so runs repeat exactly. */
export type RandomBytes = (bytes: number) => Uint8Array;

/** The default random source: the operating system's CSPRNG. */
export const secureRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

/** The GUID of a raw public key: SHA-1 of its 32 bytes for 160-bit ids, SHA-256 for 256-bit ones. */
export function guidFromPublicKey(publicKey: Uint8Array, bits: 160 | 256 = DEFAULTS.idBits): Guid {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`an ed25519 public key is 32 bytes, got ${publicKey.length}`);
  return Guid.fromName(publicKey, bits);
}

/**
 * A node's identity: an ed25519 key pair and the GUID it implies (the hash of the raw public key), so
 * peers can ask the node to prove it holds the key behind its GUID. createNode's `identity` takes
 * one, or the path of an identity file (created when missing), so a restarted node keeps its GUID.
 */
export class Identity {
  /** The raw 32-byte public key: what a credential carries and what the GUID is the hash of. */
  readonly publicKey: Uint8Array;
  /** The public key parsed once, for verifying this node's own signatures without a lookup. */
  readonly publicKeyObject: KeyObject;
  /** The private key; used by the signed provider, exported only to persist the identity. */
  readonly privateKeyObject: KeyObject;
  private guid160: Guid | undefined;
  private guid256: Guid | undefined;

  private constructor(privateKey: KeyObject) {
    this.privateKeyObject = privateKey;
    this.publicKeyObject = createPublicKey(privateKey);
    this.publicKey = exportPublicKey(this.publicKeyObject);
  }

  /** The identity whose private key is this 32-byte seed (RFC 8032 §5.1.5). */
  static fromSeed(seed: Uint8Array): Identity {
    return new Identity(importSeed(seed));
  }

  /** A fresh identity; `random` defaults to the OS CSPRNG, a seeded source gives a repeatable one. */
  static generate(random: RandomBytes = secureRandom, difficulty = 0): Identity {
    return Identity.grind(random, difficulty).identity;
  }

  /**
   * A fresh identity whose key meets the identity puzzle at `difficulty` (security/puzzle.ts): keys
   * are drawn from `random` until one does, about 2^difficulty of them. At 0 the first key is taken,
   * drawing exactly what generate() always drew.
   */
  static grind(random: RandomBytes = secureRandom, difficulty = 0): GroundIdentity {
    checkDifficulty(difficulty);
    for (let tries = 1; ; tries++) {
      const seed = random(SEED_BYTES);
      if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
        throw new InvalidArgumentError(`random(${SEED_BYTES}) must return ${SEED_BYTES} bytes`);
      }
      const identity = Identity.fromSeed(seed);
      if (meetsDifficulty(identity.publicKey, difficulty)) return { identity, cost: { tries } };
    }
  }

  /** This node's GUID in an id space of the given width (computed once per width). */
  guid(bits: 160 | 256 = DEFAULTS.idBits): Guid {
    if (bits === 160) return (this.guid160 ??= guidFromPublicKey(this.publicKey, 160));
    if (bits === 256) return (this.guid256 ??= guidFromPublicKey(this.publicKey, 256));
    throw new InvalidArgumentError(`idBits must be 160 or 256, got ${bits as number}`);
  }

  /** The private key's 32-byte seed, for persisting the identity. Keep it secret. */
  seed(): Uint8Array {
    return exportSeed(this.privateKeyObject);
  }
}
