/**
 * This node's side of object ownership: the claim its publishes carry, the self-certifying GUIDs of
 * the objects it owns by name, and the grants it signs for other servers (security/ownership.ts has
 * the statements, location/ownership.ts the rules every hop applies).
 *
 * Claims exist only under an authenticating provider (with `none` nothing could check them). By
 * default (the node's `objectOwnership` on) a publish claims this node's own key as the owner: the
 * first pointer at each node then records it, and nobody else can publish the object there without
 * this node's grant.
 */
import { InvalidArgumentError } from '../errors';
import type { Guid } from '../routing/guid';
import type { OwnerClaim } from '../location/messages';
import { nameHash, ownedObjectGuid, ownedObjectGuidFromHash, signGrant } from '../security/ownership';
import type { SecurityProvider } from '../security/provider';

/** An owner's permission for one server to publish one object, until `expiresAt`. */
export interface OwnerGrant {
  /** The object it is for. */
  readonly object: Guid;
  /** The server it authorises. */
  readonly server: Guid;
  /** The owner's credential (for `signed`: its raw public key). */
  readonly ownerKey: Uint8Array;
  /** SHA-256 of the object's name, when the object GUID is self-certifying. */
  readonly nameHash?: Uint8Array;
  /** Seconds on the network's wall clock (Unix time on a real network) when it stops holding. */
  readonly expiresAt: number;
  /** The owner's signature over {object, server, expiresAt}. */
  readonly signature: Uint8Array;
}

/** How a publish states ownership (PublishOptions): open, as a granted server, or by name. */
export interface ClaimRequest {
  /** false: an open object (no claim); a grant: publish as the server it authorises. */
  readonly owner?: false | OwnerGrant;
  /** The object is this node's self-certifying object of this name (ownedObject(name)). */
  readonly name?: string;
}

export class OwnerClaims {
  constructor(
    private readonly provider: SecurityProvider,
    private readonly self: Guid,
    /** Whether a plain publish claims this node as owner (the node's objectOwnership). */
    private readonly byDefault: boolean,
  ) {}

  /** The self-certifying GUID of this node's object `name`, as wide as this node's GUID. */
  ownedObject(name: string): Guid {
    this.needAuthentication('ownedObject');
    return ownedObjectGuid(this.provider.credential(), name, (this.self.bytes.length * 8) as 160 | 256);
  }

  /** This node's grant to `server` to publish `object` until `expiresAt` (seconds, uint32). */
  grant(object: Guid, server: Guid, expiresAt: number, name?: string): OwnerGrant {
    this.needAuthentication('grant');
    if (!Number.isInteger(expiresAt) || expiresAt < 1 || expiresAt > 0xffff_ffff) {
      throw new InvalidArgumentError(`expiresAt must be whole seconds in 1..2^32-1, got ${expiresAt}`);
    }
    const key = this.provider.credential();
    const hash = name === undefined ? undefined : this.certify(object, key, name);
    return {
      object, server, ownerKey: key, expiresAt, signature: signGrant(this.provider, object, server, expiresAt),
      ...(hash ? { nameHash: hash } : {}),
    };
  }

  /** The claim a publish of `object` carries (undefined: none). Throws InvalidArgumentError on misuse. */
  claimFor(object: Guid, req: ClaimRequest): OwnerClaim | undefined {
    if (!this.provider.authenticates) return undefined;
    const { owner, name } = req;
    if (owner === false) {
      if (name !== undefined) throw new InvalidArgumentError('an open publish (owner: false) takes no name');
      return undefined;
    }
    if (owner !== undefined) {
      if (!owner.object.equals(object)) throw new InvalidArgumentError(`the grant is for ${owner.object.hex}, not ${object.hex}`);
      if (!owner.server.equals(this.self)) throw new InvalidArgumentError(`the grant is for server ${owner.server.hex}, not this node`);
      if (name !== undefined) throw new InvalidArgumentError('a granted publish takes its name from the grant');
      return {
        key: owner.ownerKey, grant: { expiresAt: owner.expiresAt, signature: owner.signature },
        ...(owner.nameHash ? { nameHash: owner.nameHash } : {}),
      };
    }
    const key = this.provider.credential();
    if (name !== undefined) return { key, nameHash: this.certify(object, key, name) };
    return this.byDefault ? { key } : undefined;
  }

  /** The name's hash, after checking it gives `object` under `key`. */
  private certify(object: Guid, key: Uint8Array, name: string): Uint8Array {
    const hash = nameHash(name);
    const bits = (object.bytes.length * 8) as 160 | 256;
    if (!ownedObjectGuidFromHash(key, hash, bits).equals(object)) {
      throw new InvalidArgumentError(`${object.hex} is not this node's object "${name}" (see ownedObject)`);
    }
    return hash;
  }

  private needAuthentication(what: string): void {
    if (!this.provider.authenticates) throw new InvalidArgumentError(`${what} needs an authenticating security provider (security: 'signed')`);
  }
}
