/**
 * The Common API (Dabek et al., "Towards a Common API for Structured Peer-to-Peer Overlays", IPTPS
 * 2003) over a TapestryNode, so code written against it maps one to one: route(key, msg, hint),
 * localLookup(key, num, safe), neighborSet(num), replicaSet(key, maxRank), and the forward / deliver /
 * update upcalls (UpcallModule). Keys are GUIDs; messages carry one module id.
 */
import { InvalidArgumentError } from '../errors';
import { digitAt, sharedPrefixLength, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { replicaSet as surrogateOrder } from '../routing/surrogateOrder';
import type { TapestryNode } from './tapestryNode';

/** The Common API's calls, bound to one node and one module id. */
export interface CommonApi {
  /**
   * Sends `msg` toward the node that roots `key` (fuzzy routing). `hint` is the Common API's suggested
   * first hop; prefix routing picks its own (the primary of the slot, failing over to its backups),
   * so a hint is checked (a GUID of this node's width) and otherwise not used.
   */
  route(key: Guid, msg: Uint8Array | string, hint?: NodeHandle): void;
  /**
   * Up to `num` nodes this node would use as the next hop toward `key`, best first: the routing-table
   * slot prefix routing (or surrogate routing) picks, primary first. `safe` asks for entries only
   * from a table built under the `signed` provider's checks; every entry here passed them when the
   * node runs `signed`, so `safe` only refuses to answer on a node that does not.
   */
  localLookup(key: Guid, num: number, safe?: boolean): NodeHandle[];
  /** Up to `num` neighbours: the leaf set, nearest first, alternating sides. */
  neighborSet(num: number): NodeHandle[];
  /**
   * Up to `maxRank` nodes on which replicas of `key` can be stored: this node and the nodes it knows, in surrogate-root order.
   * Empty on a resolve-only node (never a replica; it knows no nodes near a key); its localLookup is its gateways.
   */
  replicaSet(key: Guid, maxRank: number): NodeHandle[];
}

const count = (name: string, n: number) => {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer ≥ 0, got ${n}`);
  return n;
};

/** The Common API of `node` for module `moduleId` (default 0, the application's). */
export function commonApi(node: TapestryNode, moduleId = 0): CommonApi {
  const space = node.table.space;
  return {
    route(key, msg, hint) {
      if (hint !== undefined && hint.guid.bytes.length !== space.bytes) throw new InvalidArgumentError(`a hint is a node of this id space (${space.bits} bits)`);
      node.route(key, msg, { fuzzy: true, module: moduleId });
    },
    localLookup(key, num, safe = false) {
      count('num', num);
      if (safe && node.stats.security.provider !== 'signed') throw new InvalidArgumentError('safe lookups need the signed security provider');
      // A resolve-only node's next hop for every key is its gateway.
      if (node.resolveOnly) return node.gateways.slice(0, num);
      const level = sharedPrefixLength(node.guid, key, space.digitBits);
      if (level >= space.digits) return [node.handle].slice(0, num);
      // The key's digit, or the next one up that has an entry (surrogate routing); this node's own digit means it roots the key at this level.
      for (let step = 0; step < space.base; step++) {
        const digit = (digitAt(key.bytes, level, space.digitBits) + step) % space.base;
        const entries = node.table.slot(level, digit).map((e) => e.handle).filter((h) => !h.guid.equals(node.guid));
        if (digit === node.table.selfDigit(level) && entries.length === 0) return [node.handle].slice(0, num);
        if (entries.length > 0) return entries.slice(0, num);
      }
      return [node.handle].slice(0, num);
    },
    neighborSet(num) {
      count('num', num);
      const { smaller, larger } = node.leafSet;
      const out: NodeHandle[] = [];
      for (let i = 0; out.length < num && (i < smaller.length || i < larger.length); i++) {
        if (i < smaller.length) out.push(smaller[i]);
        if (i < larger.length && out.length < num) out.push(larger[i]);
      }
      return out;
    },
    replicaSet(key, maxRank) {
      count('maxRank', maxRank);
      // A resolve-only node is never a replica and knows no nodes near any key.
      if (node.resolveOnly) return [];
      const known = [node.handle, ...node.leafSet.smaller, ...node.leafSet.larger, ...node.table.neighbours()];
      return surrogateOrder(key, known, maxRank, space);
    },
  };
}
