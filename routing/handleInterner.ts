/**
 * One shared NodeHandle object per distinct peer (GUID, family, ip, port) among those alive in the
 * process. Every decoded frame names peers (the sender, a route's source, neighbour lists), and each
 * decode used to build a fresh Guid, two byte arrays and two objects that tables, leaf sets and
 * backpointers then kept: in a simulator of many nodes most of a node's memory was copies of the
 * same few handles. Handles are immutable, so sharing one is safe.
 *
 * The interner holds its handles weakly: an entry lives as long as some table, message or pointer
 * still holds the handle, and a FinalizationRegistry drops the entry after the handle is collected.
 * When the handle was collected, the caller builds a fresh one, so results never depend on when the
 * garbage collector runs — only memory does. At most DEFAULTS.maxInternedHandles entries; past that,
 * handles are simply not shared (counted).
 */
import { DEFAULTS } from '../defaults';
import type { NodeHandle } from './handle';

export interface InternerStats {
  hits: number;
  misses: number;
  /** Handles not shared because the interner was full. */
  full: number;
  /** Handles not shared because another live peer already holds their hash slot (rare: 30-bit hashes). */
  collisions: number;
}

export class HandleInterner {
  readonly stats: InternerStats = { hits: 0, misses: 0, full: 0, collisions: 0 };
  /**
   * Keyed by a 30-bit hash of the fields (a small integer key: no string is built or hashed per
   * decoded handle, which was a twentieth of a large simulation's time). A hit is checked field by
   * field, so a collision only costs sharing, never a wrong handle.
   */
  private readonly entries = new Map<number, WeakRef<NodeHandle>>();
  private readonly cleanup = new FinalizationRegistry<number>((key) => {
    // Only if the entry still points at a dead handle: the key may have been re-interned since.
    const ref = this.entries.get(key);
    if (ref && ref.deref() === undefined) this.entries.delete(key);
  });

  constructor(private readonly maxEntries: number = DEFAULTS.maxInternedHandles) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The shared handle for the peer whose fields are given (`family` 4 or 6, as in its Address), or
   * the one `build` makes (then shared). `build` runs only on a miss; it validates and copies, so a
   * hit skips that work too.
   */
  intern(guid: Uint8Array, family: number, ip: Uint8Array, port: number, build: () => NodeHandle): NodeHandle {
    const key = hashOf(guid, ip, port);
    const ref = this.entries.get(key);
    const known = ref?.deref();
    if (known !== undefined) {
      if (matches(known, guid, family, ip, port)) {
        this.stats.hits++;
        return known;
      }
      this.stats.misses++;
      this.stats.collisions++;
      return build();
    }
    this.stats.misses++;
    const handle = build();
    if (ref === undefined && this.entries.size >= this.maxEntries) {
      this.stats.full++;
      return handle;
    }
    this.entries.set(key, new WeakRef(handle));
    this.cleanup.register(handle, key);
    return handle;
  }
}

/** A 30-bit FNV-style hash (a V8 small integer) of a peer's fields: the interner's map key. Exported for tests. */
export function hashOf(guid: Uint8Array, ip: Uint8Array, port: number): number {
  let h = Math.imul(port + 1, 0x9e3779b1);
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip[i], 0x01000193);
  for (let i = 0; i < guid.length; i++) h = Math.imul(h ^ guid[i], 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

function matches(h: NodeHandle, guid: Uint8Array, family: number, ip: Uint8Array, port: number): boolean {
  const a = h.address;
  if (a.port !== port || a.family !== family || a.ip.length !== ip.length) return false;
  for (let i = 0; i < ip.length; i++) if (a.ip[i] !== ip[i]) return false;
  const g = h.guid.bytes;
  if (g.length !== guid.length) return false;
  for (let i = 0; i < g.length; i++) if (g[i] !== guid[i]) return false;
  return true;
}

/** The process's interner: the codec shares decoded handles through it. */
export const handleInterner = new HandleInterner();
