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
}

export class HandleInterner {
  readonly stats: InternerStats = { hits: 0, misses: 0, full: 0 };
  private readonly entries = new Map<string, WeakRef<NodeHandle>>();
  private readonly cleanup = new FinalizationRegistry<string>((key) => {
    // Only if the entry still points at a dead handle: the key may have been re-interned since.
    const ref = this.entries.get(key);
    if (ref && ref.deref() === undefined) this.entries.delete(key);
  });

  constructor(private readonly maxEntries: number = DEFAULTS.maxInternedHandles) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The shared handle for the peer whose wire fields are given, or the one `build` makes (then
   * shared). `build` runs only on a miss; it validates and copies, so a hit skips that work too.
   */
  intern(guid: Uint8Array, family: number, ip: Uint8Array, port: number, build: () => NodeHandle): NodeHandle {
    const key = keyOf(guid, family, ip, port);
    const known = this.entries.get(key)?.deref();
    if (known) {
      this.stats.hits++;
      return known;
    }
    this.stats.misses++;
    const handle = build();
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      this.stats.full++;
      return handle;
    }
    this.entries.set(key, new WeakRef(handle));
    this.cleanup.register(handle, key);
    return handle;
  }
}

/** The fields as one short string (a byte per char): cheap to build and to hash. */
function keyOf(guid: Uint8Array, family: number, ip: Uint8Array, port: number): string {
  let key = String.fromCharCode(family, port >> 8, port & 0xff, ip.length);
  for (let i = 0; i < ip.length; i++) key += String.fromCharCode(ip[i]);
  for (let i = 0; i < guid.length; i++) key += String.fromCharCode(guid[i]);
  return key;
}

/** The process's interner: the codec shares decoded handles through it. */
export const handleInterner = new HandleInterner();
