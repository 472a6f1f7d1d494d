/**
 * The sendToObject messages a replica already handed to its module: a message that reaches the
 * replica by two salted paths is delivered once. Keyed "origin GUID hex:locate id", oldest forgotten
 * first once DEFAULTS.maxServedRemembered keys are held.
 */
import { DEFAULTS } from '../defaults';

export class ServedOnce {
  /** Keys in insertion order (a Set iterates oldest first). */
  private readonly served = new Set<string>();

  constructor(private readonly limit: number = DEFAULTS.maxServedRemembered) {}

  get size(): number {
    return this.served.size;
  }

  /** True the first time `key` is seen (and remembers it); false while it is remembered. */
  firstTime(key: string): boolean {
    if (this.served.has(key)) return false;
    this.served.add(key);
    if (this.served.size > this.limit) this.served.delete(this.served.values().next().value!);
    return true;
  }
}

/** The served-once key of one sendToObject message. */
export function servedKey(originHex: string, locateId: number): string {
  return `${originHex}:${locateId}`;
}
