/** The DHT tier (IPFS routing's PutValue / GetValue, rust-kad's store and find value) as an upcall module over Tapestry routing. */
import type { ModuleWithApi } from '../contract';
import type { Dht } from './api';
import { dhtModule } from './module';
import { parseDhtOptions, type DhtOptions } from './options';

export type { Dht, DhtGetOptions, DhtProgress, DhtProvider, DhtPutResult, DhtStats, DhtValidator, DhtValue } from './api';
export type { DhtOptions } from './options';

/** The DHT module: `const dht = node.register(dht())`. Every node that may store, put or get registers it. */
export function dht(options: DhtOptions = {}): ModuleWithApi<Dht> {
  return dhtModule(parseDhtOptions(options));
}
