/**
 * The sendToObject messages a replica already handed to its module: a message that reaches the
 * replica by two salted paths is delivered once. Keyed "origin GUID hex:locate id:locate key", oldest forgotten
 * first once DEFAULTS.maxServedRemembered keys are held.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from '../routing/boundedMap';

export class ServedOnce {
  /** Keys in insertion order, the oldest evicted past the limit. */
  private readonly served: BoundedMap<string, true>;

  constructor(limit: number = DEFAULTS.maxServedRemembered) {
    this.served = new BoundedMap(limit);
  }

  get size(): number {
    return this.served.size;
  }

  /** True the first time `key` is seen (and remembers it); false while it is remembered. */
  firstTime(key: string): boolean {
    if (this.served.has(key)) return false;
    this.served.set(key, true);
    return true;
  }
}

/** The served-once key of one sendToObject message: its origin and the locate's whole 64-bit id. */
export function servedKey(originHex: string, locateId: number, locateKey = 0): string {
  return `${originHex}:${locateId}:${locateKey}`;
}
